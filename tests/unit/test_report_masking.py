from __future__ import annotations

import pytest

from kam.rendering.masking import mask_contact_details


@pytest.mark.parametrize(("text", "masked"), [
    ("write to jo.doe+x@acme.co.uk today", "write to [email] today"),
    ("Call +49 30 1234567 or (030) 123-4567.", "Call [phone] or [phone]."),
    ("电话13812345678，邮箱 wang@example.cn", "电话[phone]，邮箱 [email]"),
    ("Order 12345 on 2026-10-05 cost 1,234.50", "Order 12345 on 2026-10-05 cost 1,234.50"),
    ("ref ABC1234567 stays", "ref ABC1234567 stays"),
    ("", ""),
])
def test_masks_emails_and_phone_numbers_only(text, masked):
    assert mask_contact_details(text) == masked


def test_none_stays_none():
    assert mask_contact_details(None) is None
