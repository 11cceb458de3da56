"""Number and date parsers: property tests over the formats exports write."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.extract.parse import parse_value

CON = duckdb.connect()
CON.execute("set TimeZone = 'UTC'")


def parsed(text: str, column_type: str, **options) -> object:
    options.setdefault("timezone", "UTC")
    return CON.execute(f"select {parse_value('$1', column_type, **options)}", [text]).fetchone()[0]


amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"),
                      places=2, allow_nan=False, allow_infinity=False)


def grouped(value: Decimal, thousands: str, mark: str) -> str:
    digits = f"{abs(value):,.2f}".replace(",", "\0").replace(".", mark).replace("\0", thousands)
    return ("-" if value < 0 else "") + digits


@settings(max_examples=50, deadline=None)
@given(amounts)
def test_point_decimal_amounts_in_every_dress(value: Decimal) -> None:
    plain = f"{value:.2f}"
    with_commas = grouped(value, ",", ".")
    for text in [plain, with_commas, f"${with_commas}", f"¥{with_commas}", f"USD {plain}",
                 f"{with_commas} CNY"]:
        assert parsed(text, "money", decimal=".") == value, text
    if value >= 0:
        assert parsed(f"(${with_commas})", "money", decimal=".") == -value


@settings(max_examples=50, deadline=None)
@given(amounts)
def test_comma_decimal_amounts(value: Decimal) -> None:
    european = grouped(value, ".", ",")
    assert parsed(european, "money", decimal=",") == value
    assert parsed(f"{european} €", "money", decimal=",") == value


@settings(max_examples=50, deadline=None)
@given(amounts)
def test_auto_decimal_reads_unambiguous_forms_of_both_conventions(value: Decimal) -> None:
    assert parsed(f"{value:.2f}", "money", decimal="auto") == value
    if abs(value) >= 1000:  # both separators present: the last one is the decimal mark
        assert parsed(grouped(value, ",", "."), "money", decimal="auto") == value
        assert parsed(grouped(value, ".", ","), "money", decimal="auto") == value


@pytest.mark.parametrize("text", ["1,234", "1.234", "12,345", "abc", "1,2,3", "--5", ""])
def test_auto_decimal_refuses_ambiguous_or_broken_numbers(text: str) -> None:
    assert parsed(text, "money", decimal="auto") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("95%", 0.95), ("12.5%", 0.125), ("1e3", 1000.0), ("nan", None), ("inf", None),
    ("-0", 0.0),
])
def test_numbers_percent_and_non_finite(text: str, expected: float | None) -> None:
    assert parsed(text, "number") == expected


def test_percent_is_not_an_amount() -> None:
    assert parsed("95%", "money") is None


dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=50, deadline=None)
@given(dates)
def test_dates_in_every_export_format(day: date) -> None:
    serial = (day - date(1899, 12, 30)).days
    forms = [day.isoformat(), day.strftime("%m/%d/%Y"), f"{day.month}/{day.day}/{day.year}",
             day.strftime("%b %d, %Y"), day.strftime("%Y/%m/%d"),
             f"{day.year}年{day.month}月{day.day}日", f"{day.isoformat()} 14:03:00",
             f"{day.isoformat()}T23:59:59"]
    if serial >= 10000:
        forms.append(str(serial))
    for text in forms:
        assert parsed(text, "date") == day, text
    assert parsed(day.strftime("%d/%m/%Y"), "date", day_first=True) == day


@settings(max_examples=50, deadline=None)
@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15))
def test_offsets_convert_to_the_configured_timezone(moment: datetime, offset: int) -> None:
    moment = moment.replace(microsecond=0)
    sign = "+" if offset >= 0 else "-"
    hours, minutes = divmod(abs(offset), 60)
    utc = moment - timedelta(minutes=offset)
    for suffix in [f"{sign}{hours:02d}:{minutes:02d}", f"{sign}{hours:02d}{minutes:02d}"]:
        text = moment.isoformat() + suffix
        assert parsed(text, "timestamp") == utc, text
        shanghai = utc.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
        assert parsed(text, "timestamp", timezone="Asia/Shanghai") == shanghai.replace(tzinfo=None)
    assert parsed(utc.isoformat() + "Z", "timestamp") == utc


@settings(max_examples=40, deadline=None)
@given(st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2100, 1, 1)))
def test_local_timestamps_stay_wall_time(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    for text in [moment.isoformat(sep=" "), moment.strftime("%m/%d/%Y %I:%M:%S %p"),
                 moment.strftime("%Y/%m/%d %H:%M:%S")]:
        assert parsed(text, "timestamp", timezone="Asia/Shanghai") == moment, text


def test_excel_serial_with_time_of_day() -> None:
    assert parsed("46296.75", "timestamp") == datetime(2026, 10, 1, 18, 0)


@pytest.mark.parametrize("text", ["2026-02-30", "13/13/2026", "yesterday", "2026-10"])
def test_impossible_dates_are_unreadable(text: str) -> None:
    assert parsed(text, "date") is None
