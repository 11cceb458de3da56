"""`Month`: a calendar month, the unit every run, window and file name of kam is cut in.

All month arithmetic lives here: parsing `YYYY-MM`, first and last day, shifts, the
trailing-twelve-month window and ranges. A `Month` is immutable and ordered; pydantic
models accept it as a `YYYY-MM` string and write it back as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])"
_MONTH = re.compile(PATTERN)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month; `Month.parse("2026-10")`, `str(month) == "2026-10"`."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 12 or not 1 <= self.year <= 9999:
            raise ValueError(f"no such month: {self.year}-{self.number}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Strictly `YYYY-MM`: no spaces, no trailing newline, no day."""
        if not isinstance(text, str) or not _MONTH.fullmatch(text):
            raise ValueError(f"month {text!r} is not YYYY-MM")
        return cls(int(text[:4]), int(text[5:]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def last_complete(cls, timezone: str = "UTC", now: datetime | None = None) -> Month:
        """The month before the current one in `timezone` (the default reporting month)."""
        zone = ZoneInfo(timezone)
        current = (now or datetime.now(zone)).astimezone(zone)
        return cls.of(current.date()).shift(-1)

    @property
    def index(self) -> int:
        """Months since year 0: makes shifts and distances plain integer arithmetic."""
        return self.year * 12 + self.number - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def shift(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __add__(self, months: int) -> Month:
        return self.shift(months)

    def __sub__(self, other: int | Month) -> Any:
        """`month - 12` is a month; `month - other_month` is the number of months between."""
        if isinstance(other, Month):
            return self.index - other.index
        return self.shift(-other)

    @property
    def first_day(self) -> date:
        return date(self.year, self.number, 1)

    @property
    def last_day(self) -> date:
        return self.shift(1).first_day - timedelta(days=1)

    @property
    def end(self) -> datetime:
        """The first instant after the month (windows are half-open: [first_day, end))."""
        return datetime.combine(self.shift(1).first_day, datetime.min.time())

    def trailing(self, months: int = 12) -> list[Month]:
        """The `months` months ending with this one, oldest first (T12M by default)."""
        return [self.shift(offset) for offset in range(1 - months, 1)]

    def through(self, last: Month) -> list[Month]:
        """Every month from this one to `last` inclusive; empty when `last` is earlier."""
        return [self.shift(offset) for offset in range(last - self + 1)]

    def contains(self, day: date) -> bool:
        return (day.year, day.month) == (self.year, self.number)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    def __repr__(self) -> str:
        return f"Month({str(self)!r})"

    # pydantic: validated from a `YYYY-MM` string (or a Month), serialised back to one.
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._coerce, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": f"^{PATTERN}$", "examples": ["2026-10"]}

    @classmethod
    def _coerce(cls, value: object) -> Month:
        if isinstance(value, Month):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        raise ValueError(f"month {value!r} is not YYYY-MM")
