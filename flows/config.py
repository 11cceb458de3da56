"""Typed configuration for a run, validated in one place.

Precedence, lowest first: defaults < `kam.toml` in the working directory (or the file named
by `KAM_CONFIG`) < environment variables `KAM_*` < command-line flags. The CLI builds a
`RunConfig` from flags; everything else reads `Settings`.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
Tier = Literal["strategic", "key", "standard"]
Locale = Literal["en", "zh-CN"]


class Stage(StrEnum):
    """The monthly flow's stages, in order; `--until` stops after one of them."""

    extract = "extract"
    validate = "validate"
    transform = "transform"
    report = "report"
    publish = "publish"


def _config_file() -> Path:
    return Path(os.environ.get("KAM_CONFIG", "kam.toml"))


class Settings(BaseSettings):
    """Installation-wide settings: from kam.toml, then KAM_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="KAM_", extra="ignore")

    timezone: str = "UTC"
    reporting_currency: str | None = None
    report_tiers: list[Tier] = Field(default_factory=lambda: ["strategic", "key"])
    locale: Locale = "en"
    out_dir: Path = Path("output")
    warehouse: Path = Path("warehouse/kam.duckdb")
    profile: str = "canonical"
    confidentiality_label: str = "Confidential"
    clv_discount_rate: float = 0.10
    clv_min_repeat_accounts: int = 30
    max_volume_drop: float = 0.5
    freshness_grace_days: int = 7

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from exc
        return value

    @field_validator("reporting_currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"reporting_currency {value!r} is not an ISO 4217 code")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)


def validate_month(value: str) -> str:
    if not MONTH_PATTERN.match(value or ""):
        raise ValueError(f"month {value!r} is not YYYY-MM")
    return value


def last_complete_month(timezone: str = "UTC", now: datetime | None = None) -> str:
    """The month before the current one, in the configured timezone."""
    today = (now or datetime.now(ZoneInfo(timezone))).astimezone(ZoneInfo(timezone)).date()
    first = today.replace(day=1)
    previous = date.fromordinal(first.toordinal() - 1)
    return f"{previous:%Y-%m}"


def month_end(month: str) -> date:
    """The last calendar day of a YYYY-MM month."""
    year, number = map(int, validate_month(month).split("-"))
    following = date(year + (number == 12), number % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def month_range(start: str, end: str) -> list[str]:
    """Every month from start to end inclusive, in order."""
    year, month = map(int, validate_month(start).split("-"))
    end_year, end_month = map(int, validate_month(end).split("-"))
    if (year, month) > (end_year, end_month):
        raise ValueError(f"--from {start} is after --to {end}")
    months = []
    while (year, month) <= (end_year, end_month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class RunConfig(BaseModel):
    """Parameters of one monthly run; Prefect validates them and builds its form from them."""

    input_dir: Path
    month: str | None = None  # None: the last complete month in `timezone`
    profile: str = "canonical"
    out_dir: Path = Path("output")
    warehouse: Path = Path("warehouse/kam.duckdb")
    locale: Locale = "en"
    until: Stage = Stage.publish
    timezone: str = "UTC"
    reporting_currency: str | None = None
    report_tiers: list[Tier] = Field(default_factory=lambda: ["strategic", "key"])
    confidentiality_label: str = "Confidential"
    clv_discount_rate: float = 0.10
    clv_min_repeat_accounts: int = 30
    # Data-quality warnings: a table shrinking by more than this share against its previous
    # load, and orders ending more than this many days before the month's end.
    max_volume_drop: float = Field(0.5, ge=0, le=1)
    freshness_grace_days: int = Field(7, ge=0)
    deliver: Literal["smtp", "outbox"] | None = None  # e-mail each manager their reviews

    @field_validator("month")
    @classmethod
    def _check_month(cls, value: str | None) -> str | None:
        return None if value is None else validate_month(value)

    @property
    def reporting_month(self) -> str:
        return self.month or last_complete_month(self.timezone)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **flags: object) -> RunConfig:
        """Flags given on the command line win over settings; None means "not given"."""
        base = (settings or Settings()).model_dump()
        given = {k: v for k, v in flags.items() if v is not None}
        fields = set(cls.model_fields)
        return cls(**{**{k: v for k, v in base.items() if k in fields}, **given})

    def fingerprint_fields(self) -> dict[str, object]:
        """The configuration that changes results, and so the run id (paths excluded)."""
        fields = self.model_dump(
            mode="json", exclude={"input_dir", "out_dir", "warehouse", "until", "deliver"}
        )
        return {**fields, "month": self.reporting_month}
