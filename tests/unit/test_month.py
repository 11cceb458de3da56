from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.month import Month

months = st.builds(Month, st.integers(1900, 2200), st.integers(1, 12))


@given(months)
def test_parse_and_format_round_trip(month):
    assert Month.parse(str(month)) == month
    assert len(str(month)) == 7


@given(months, st.integers(-600, 600), st.integers(-600, 600))
def test_shifts_compose_and_invert(month, a, b):
    assert month.shift(a).shift(b) == month.shift(a + b)
    assert (month + a) - a == month
    assert (month + a) - month == a


@given(months)
def test_first_and_last_day_bound_the_month(month):
    assert month.first_day.day == 1
    assert month.last_day + timedelta(days=1) == month.shift(1).first_day
    assert Month.of(month.first_day) == Month.of(month.last_day) == month
    assert month.end == datetime.combine(month.shift(1).first_day, datetime.min.time())
    assert 28 <= (month.last_day - month.first_day).days + 1 <= 31


@given(months)
def test_trailing_twelve_months_end_with_the_month(month):
    window = month.trailing(12)
    assert len(window) == 12
    assert window[-1] == month and window[0] == month - 11
    assert all(b - a == 1 for a, b in zip(window, window[1:], strict=False))


@given(months, st.integers(0, 40))
def test_through_is_inclusive_and_ordered(month, length):
    span = month.through(month + length)
    assert len(span) == length + 1 and span == sorted(span)
    assert month.through(month - 1) == []


@given(months, months)
def test_order_follows_the_calendar(a, b):
    assert (a < b) == (a.first_day < b.first_day)


@pytest.mark.parametrize(
    ("text", "last_day"),
    [("2026-10", date(2026, 10, 31)), ("2024-02", date(2024, 2, 29)),
     ("2100-02", date(2100, 2, 28)), ("2026-12", date(2026, 12, 31))],
)
def test_last_day(text, last_day):
    assert Month.parse(text).last_day == last_day


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-1", "26-10", "2026/10", "", "2026-10\n", " 2026-10", "2026-10-01",
            "２０２６-10", "0000-01"],
)
def test_only_yyyy_mm_parses(bad):
    with pytest.raises(ValueError):
        Month.parse(bad)


def test_last_complete_month_crosses_the_year():
    assert Month.last_complete("UTC", datetime(2027, 1, 5, tzinfo=UTC)) == Month(2026, 12)
