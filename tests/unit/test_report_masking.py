"""Masking: every common phone and e-mail form is masked; dates, times, amounts, ids and
percentages are not. Each case is the whole text before and after."""

from __future__ import annotations

import pytest

from kam.rendering.masking import mask_contact_details

P, E = "[phone]", "[email]"

MASKED = [
    # Chinese mobiles, alone, separated, with country code, glued to words or Chinese text
    ("13800138000", P),
    ("call 13800138000 now", f"call {P} now"),
    ("138 0013 8000", P),
    ("138-0013-8000", P),
    ("+86 138 0013 8000", P),
    ("+86-13800138000", P),
    ("+8613800138000", P),
    ("008613800138000", P),
    ("Tel13800138000", f"Tel{P}"),
    ("tel:13800138000", f"tel:{P}"),
    ("Mobile: 138-0013-8000", f"Mobile: {P}"),
    ("电话13812345678，邮箱 wang@example.cn", f"电话{P}，邮箱 {E}"),
    ("手机：13912345678", f"手机：{P}"),
    ("请联系13912345678谢谢", f"请联系{P}谢谢"),
    # extensions
    ("13800138000ext12", P),
    ("13800138000 ext. 12", P),
    ("+86 10 8888 8888 ext. 12", P),
    ("021-68888888转123", P),
    ("021-6888 8888 分机 8001", P),
    ("(415) 555-0132 x204", P),
    # landlines and service numbers
    ("(021) 6888-8888", P),
    ("021-68888888", P),
    ("010 8888 8888", P),
    ("0755-8888-8888", P),
    ("400-800-8888", P),
    ("4008008888", P),
    ("800-810-8888", P),
    ("座机 6888 8888", f"座机 {P}"),
    ("Fax: 68888888", f"Fax: {P}"),
    # international
    ("Call +49 30 1234567 or (030) 123-4567.", f"Call {P} or {P}."),
    ("+1 (415) 555-0132", P),
    ("+44 20 7946 0958", P),
    ("+33 1 23 45 67 89", P),
    ("+86 (0)10 8888 8888", P),
    ("0049 30 1234567", P),
    ("415-555-0132", P),
    ("415.555.0132", P),
    ("Phone no. 2079460958", f"Phone no. {P}"),
    # e-mails of every form
    ("write to jo.doe+x@acme.co.uk today", f"write to {E} today"),
    ("a@b.io", E),
    ("first.last@mail.eu.example.com", E),
    ("USER_name-1@Example.COM", E),
    ('"john doe"@example.com', E),
    ('"a\\"b"@example.org', E),
    ("用户@例子.广告", E),
    ("müller@bücher.de", E),
    ("info@xn--bcher-kva.de", E),
    ("admin@[192.0.2.1]", E),
    ("wang＠example.cn", E),
    ("jo [at] acme.com", E),
    ("(mail: ops@acme.com)", f"(mail: {E})"),
    ("reply to sales@acme.com.", f"reply to {E}."),
]

KEPT = [
    "Order 12345 on 2026-10-05 cost 1,234.50",
    "ref ABC1234567 stays",
    "",
    "meeting at 13:00",
    "13:00-14:30",
    "2026-10-05 13:00:59",
    "2026/10/05",
    "05.10.2026",
    "10/05/2026",
    "2026年10月5日",
    "20261005",
    "2026-10-05T13:00:00+08:00",
    "Q3 2026",
    "2024-2026",
    "1,234,567.89",
    "¥12,345,678",
    "USD 1,380,013,800.00",
    "12345678.00",
    "13800138000.50",
    "-1234567.50",
    "1.234.567,89 €",
    "12.5%",
    "99.99%",
    "up 138%",
    "ACC-00001",
    "ACC-00000123",
    "ORD-2026-000123",
    "SO20261005001",
    "INV-13800138000",
    "order #123456",
    "ticket T-2026-10-0001",
    "PO 4500012345",
    "v1.2.3",
    "page 3 of 12",
    "score 9/10",
    "NPS +45",
    "+12.5%",
    "ratio 1:4",
    "12 months",
    "opened 3 tickets in 24 hours",
    "account_id=A138001380001",
    "at www.example.com",
    "@mention in chat",
]


@pytest.mark.parametrize(("text", "masked"), MASKED)
def test_contact_details_are_masked(text, masked):
    assert mask_contact_details(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_dates_times_amounts_ids_and_percentages_are_kept(text):
    assert mask_contact_details(text) == text


def test_at_least_forty_cases_each_way():
    assert len(MASKED) >= 40 and len(KEPT) >= 40


def test_none_stays_none():
    assert mask_contact_details(None) is None
