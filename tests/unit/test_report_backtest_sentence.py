"""The churn warning's track record in plain words (portfolio review), both languages."""

from __future__ import annotations

import pytest

from kam.rendering.formatting import Formatter
from kam.rendering.translations import Translator
from kam.report.views import backtest_sentences, backtest_text


def summary(active: int, flagged: int, lapsed: int, flagged_lapsed: int) -> dict:
    """The summary row of portfolio_warning_backtest (base_month null)."""
    return {"base_month": None, "base_months": 12, "active": active, "flagged": flagged,
            "lapsed": lapsed, "flagged_lapsed": flagged_lapsed}


def sentences(row: dict, locale: str = "en") -> list[str]:
    return backtest_sentences(row, Formatter(locale, "EUR"), Translator(locale))


def test_plural_counts():
    assert sentences(summary(300, 23, 14, 9)) == [
        "Of the 14 accounts that lapsed, the warning had flagged 9 a year earlier.",
        "9 of 23 flagged accounts lapsed.",
    ]


def test_one_lapsed_and_one_flagged_are_singular():
    assert sentences(summary(50, 1, 1, 1)) == [
        "Of the 1 account that lapsed, the warning had flagged 1 a year earlier.",
        "1 of 1 flagged account lapsed.",
    ]


def test_plural_follows_the_denominator_not_the_hits():
    assert sentences(summary(50, 2, 3, 1)) == [
        "Of the 3 accounts that lapsed, the warning had flagged 1 a year earlier.",
        "1 of 2 flagged accounts lapsed.",
    ]


def test_nobody_lapsed():
    assert sentences(summary(80, 5, 0, 0)) == [
        "No active account lapsed within the following year, so there was no lapse for the "
        "warning to catch.",
        "0 of 5 flagged accounts lapsed.",
    ]


def test_nobody_flagged():
    assert sentences(summary(80, 0, 4, 0)) == [
        "Of the 4 accounts that lapsed, the warning had flagged 0 a year earlier.",
        "The warning flagged no active account, so how often a flag is right cannot be told "
        "yet.",
    ]


@pytest.mark.parametrize(("row", "expected"), [
    (summary(300, 23, 14, 9),
     "在流失的 14 个客户中，预警在一年前已标记其中 9 个。被标记的 23 个客户中有 9 个流失。"),
    (summary(50, 1, 1, 1),
     "在流失的 1 个客户中，预警在一年前已标记其中 1 个。被标记的 1 个客户中有 1 个流失。"),
    (summary(80, 0, 0, 0),
     "活跃客户在随后一年内均未流失，因此没有需要预警发现的流失。"
     "预警未标记任何活跃客户，因此尚无法判断标记的准确程度。"),
])
def test_chinese(row, expected):
    assert backtest_text(row, Formatter("zh-CN", "EUR"), Translator("zh-CN")) == expected


def test_english_sentences_are_separated_by_a_space_and_counts_grouped():
    assert backtest_text(summary(90000, 2345, 1200, 1001), Formatter("en", "EUR"),
                         Translator("en")) == (
        "Of the 1,200 accounts that lapsed, the warning had flagged 1,001 a year earlier. "
        "1,001 of 2,345 flagged accounts lapsed.")
