"""Presentation of numbers, money and dates in the report's locale, with Babel.

These functions only format: they never add, divide or round values before display
(docs/metrics.md, Money: rounding happens only in presentation). None prints as an em dash so a
missing metric never reads as zero.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.numbers import format_currency, format_decimal, format_percent

from kam.month import Month

MISSING = "—"

Number = int | float | Decimal


@lru_cache(maxsize=8)
def babel_locale(locale: str) -> Locale:
    return Locale.parse(locale, sep="-")


def _half_up(method):
    """Round halves away from zero, as commercial documents do (Babel's default is half-even)."""

    def wrapper(*args, **kwargs):
        with decimal.localcontext() as context:
            context.rounding = decimal.ROUND_HALF_UP
            return method(*args, **kwargs)

    return wrapper


class Formatter:
    """Formatting helpers bound to one locale and one reporting currency."""

    def __init__(self, locale: str, currency: str | None):
        self.locale = locale
        self.currency = currency or ""
        self._babel = babel_locale(locale)

    @_half_up
    def money(self, value: Number | None, digits: int = 0) -> str:
        if value is None:
            return MISSING
        if not self.currency:  # several currencies and no reporting currency: plain amount
            return self.number(value, digits)
        pattern = None if digits == 2 else self._money_pattern(digits)
        return format_currency(
            value, self.currency, format=pattern, locale=self._babel, currency_digits=False
        )

    def _money_pattern(self, digits: int) -> str:
        base = self._babel.currency_formats["standard"].pattern.split(";")[0]
        integer_part = base.split(".")[0]
        return integer_part + ("." + "0" * digits if digits else "")

    @_half_up
    def number(self, value: Number | None, digits: int = 0) -> str:
        if value is None:
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self._babel, decimal_quantization=True)

    @_half_up
    def fraction(self, value: Number | None, digits: int = 1) -> str:
        """A fraction (0.853) as a percentage (85.3%)."""
        if value is None:
            return MISSING
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=self._babel)

    @_half_up
    def signed_fraction(self, value: Number | None, digits: int = 1) -> str:
        if value is None:
            return MISSING
        pattern = "+#,##0" + ("." + "0" * digits if digits else "") + "%"
        pattern += ";-#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, format=pattern, locale=self._babel)

    def percent_points(self, value: Number | None, digits: int = 1) -> str:
        """A value already expressed in percent (sla_compliance, CSAT) with a % sign."""
        if value is None:
            return MISSING
        return self.number(value, digits) + "%"

    def date(self, value: dt.date | None) -> str:
        return MISSING if value is None else format_date(value, "long", locale=self._babel)

    def month(self, value: dt.date | None) -> str:
        return MISSING if value is None else format_skeleton("yMMMM", value, locale=self._babel)

    def short_month(self, value: dt.date | str) -> str:
        if isinstance(value, str):  # a 'YYYY-MM' label rather than a DATE
            value = Month.parse(value[:7]).first_day
        return format_skeleton("yMMM", value, locale=self._babel)

    def hours(self, value: Number | None) -> str:
        return MISSING if value is None else self.number(value, 1) + " h"
