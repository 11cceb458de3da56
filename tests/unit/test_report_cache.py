from __future__ import annotations

from decimal import Decimal

import pytest

from kam.rendering.engine import Pdf
from kam.report.cache import RenderCache, input_key
from kam.report.render import account_locale


def test_key_changes_with_any_input_and_not_otherwise():
    base = input_key("account_review", {"revenue": Decimal("1.50")}, "en")
    assert base == input_key("account_review", {"revenue": Decimal("1.50")}, "en")
    assert base != input_key("account_review", {"revenue": Decimal("1.5")}, "en")
    assert base != input_key("account_review", {"revenue": Decimal("1.50")}, "zh-CN")


def test_get_put_keeps_only_the_latest_entry_per_document(tmp_path):
    cache = RenderCache(tmp_path)
    first, second = Pdf(b"%PDF-1 first", 1), Pdf(b"%PDF-1 second", 2)
    assert cache.get("account-A", "k1") is None
    cache.put("account-A", "k1", first)
    cache.put("account-A.B", "k1", first)  # a different document whose name extends A's
    assert cache.get("account-A", "k1") == first
    cache.put("account-A", "k2", second)
    assert cache.get("account-A", "k2") == second
    assert cache.get("account-A", "k1") is None  # superseded and removed
    assert cache.get("account-A.B", "k1") == first


def test_a_corrupted_entry_is_a_miss(tmp_path):
    cache = RenderCache(tmp_path)
    cache.put("portfolio", "k", Pdf(b"%PDF-1 ok", 1))
    next(tmp_path.glob("portfolio.*.pdf")).write_bytes(b"%PDF-1 truncat")
    assert cache.get("portfolio", "k") is None


@pytest.mark.parametrize(("own", "expected"), [
    ("zh-CN", "zh-CN"), ("zh_CN", "zh-CN"), ("ZH-cn", "zh-CN"), ("en", "en"),
    (None, "en"), ("", "en"), ("fr", "en"),
])
def test_account_locale_uses_a_supported_manager_locale(own, expected):
    assert account_locale({"manager_locale": own}, "en") == expected
