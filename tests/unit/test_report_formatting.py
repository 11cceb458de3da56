from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kam.rendering.formatting import MISSING, Formatter


def test_money_rounds_half_up_in_presentation_only():
    en = Formatter("en", "EUR")
    assert en.money(Decimal("105000.5000")) == "€105,001"
    assert en.money(Decimal("-2.5")) == "-€3"
    assert en.money(Decimal("1234.565"), digits=2) == "€1,234.57"
    assert Formatter("en", None).money(Decimal("1500")) == "1,500"


def test_fractions_and_percent_points():
    en = Formatter("en", "EUR")
    assert en.fraction(0.853) == "85.3%"
    assert en.signed_fraction(0.2) == "+20.0%"
    assert en.signed_fraction(-0.0909) == "-9.1%"
    assert en.percent_points(85.25) == "85.3%"  # CSAT is already a percentage
    assert en.number(12.345, 1) == "12.3"
    assert en.hours(2.75) == "2.8 h"


def test_missing_values_are_a_dash_not_zero():
    en = Formatter("en", "EUR")
    for method in (en.money, en.number, en.fraction, en.signed_fraction, en.percent_points,
                   en.hours, en.date, en.month):
        assert method(None) == MISSING


def test_chinese_dates_and_money():
    zh = Formatter("zh-CN", "CNY")
    assert zh.month(dt.date(2026, 10, 1)) == "2026年10月"
    assert zh.date(dt.date(2026, 10, 31)) == "2026年10月31日"
    assert zh.short_month("2025-11") == "2025年11月"
    assert zh.money(Decimal("1234567.4")) == "¥1,234,567"


def test_english_dates():
    en = Formatter("en", "EUR")
    assert en.month(dt.date(2026, 10, 1)) == "October 2026"
    assert en.short_month(dt.date(2026, 1, 1)) == "Jan 2026"
