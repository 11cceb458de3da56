"""The one settings model every command, the flows and the deployment go through.

Precedence, lowest first: built-in defaults < `kam.toml` in the working directory (or the
file named by `KAM_CONFIG`) < environment variables `KAM_*` < explicit values (command-line
flags, or a deployment's parameters). Whichever way a value arrives it passes the same
validators, once, here.
"""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from kam.month import Month

Tier = Literal["strategic", "key", "standard"]
Locale = Literal["en", "zh-CN"]
LOCALES: tuple[str, ...] = get_args(Locale)
DeliveryMode = Literal["smtp", "outbox"]
# Where the reviews render: the local process pool, a Dask cluster or a Ray cluster.
RenderRunner = Literal["process", "dask", "ray"]
# The settings that bound what an export may hold (kam.extract.limits.InputLimits).
LIMIT_FIELDS = ("max_file_bytes", "max_export_bytes", "max_rows", "max_columns", "max_cells",
                "max_field_bytes", "max_zip_ratio")
# Printed in every PDF's footer (translated when it is this default).
CONFIDENTIALITY_LABEL = "Confidential: internal use only"

# A location is a local path or an fsspec URL (s3://bucket/prefix/, gs://..., file:///...);
# a URL stays text, since a Path would fold its "//".
RemoteUrl = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://")]
Location = Annotated[RemoteUrl | Path, Field(union_mode="left_to_right")]

# Settings that change how a run is watched and announced, never what it computes: they stay
# out of the run id.
_NOT_IN_RUN_ID = {
    "input_dir", "out_dir", "warehouse", "until", "deliver", "notify_blocks",
    "notify_on_success", "wait_for_export", "export_wait_hours", "export_poll_seconds",
    "export_ready_marker", "lock_timeout_seconds", "signing_key", "signing_key_secret",
    "render_runner", "render_cluster_address", "render_workers",
    "dbt_target", "spark_dir", "cache_dir",
}  # fmt: skip

# A profile is a built-in name or a path to a YAML file; anything else is refused before it
# reaches a file name or a query.
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_TIMEZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}")


class Stage(StrEnum):
    """The monthly flow's stages, in order; `--until` stops after one of them."""

    extract = "extract"
    validate = "validate"
    transform = "transform"
    report = "report"
    publish = "publish"

    def stops_by(self, stage: Stage) -> bool:
        """True when a run told to stop after `self` does not go beyond `stage`."""
        order = list(Stage)
        return order.index(self) <= order.index(stage)


def default_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/kam`, else `~/.cache/kam`."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kam"


def config_file() -> Path:
    return Path(os.environ.get("KAM_CONFIG", "kam.toml"))


class Settings(BaseSettings):
    """Everything a run can be told; Prefect builds the deployment's form from it."""

    model_config = SettingsConfigDict(env_prefix="KAM_", extra="forbid", frozen=True)

    input_dir: Location | None = Field(
        None, description="The CRM export folder (or ZIP): a path or a URL such as s3://b/p/."
    )
    month: Month | None = Field(
        None, description="Reporting month YYYY-MM; empty: the last complete month."
    )
    profile: str = Field("canonical", description="Export profile name or path to its YAML.")
    out_dir: Location = Field(
        Path("output"), description="Output folder: a path or a URL such as s3://b/reviews/."
    )
    warehouse: Path = Path("warehouse/kam.duckdb")
    # Where the dbt models build (docs/scale.md): the DuckDB warehouse, or Spark through
    # profiles.yml's `spark` target (models only: a Spark run stops after transform). The
    # results are the same on both, so the target is not part of the run id.
    dbt_target: Literal["duckdb", "spark"] = Field(
        "duckdb", description="dbt target the models build on: duckdb or spark."
    )
    spark_dir: Path | None = Field(
        None, description="Folder of the local Spark warehouse and metastore; empty: a new "
        "temporary folder per run.",
    )
    cache_dir: Path | None = Field(
        None, description="Folder of what a run reuses from earlier runs (dbt's parse of the "
        "models); empty: ~/.cache/kam, or kam under XDG_CACHE_HOME.",
    )
    locale: Locale = Field("en", description="Report language; a manager's own locale wins.")
    until: Stage = Field(Stage.publish, description="Stop after this stage.")
    timezone: str = Field("UTC", description="IANA timezone in which months are cut.")
    reporting_currency: str | None = Field(
        None, description="ISO 4217 code; empty: the single currency found, else fx's rate-1."
    )
    report_tiers: Annotated[list[Tier], Field(min_length=1)] = ["strategic", "key"]
    confidentiality_label: str = Field(
        CONFIDENTIALITY_LABEL, min_length=1, max_length=80, description="Every PDF's footer."
    )
    # The portfolio review stays a review at any size: each of its lists of accounts (at-risk
    # accounts, renewals, accounts below their engagement standard) shows at most this many
    # rows and says how many more are in the workbook beside it, which holds every row.
    portfolio_list_limit: int = Field(
        50, ge=1, le=1000, description="Most rows in each list of the portfolio review."
    )
    portfolio_top_accounts: int = Field(
        25, ge=1, le=200, description="Accounts in each top and bottom list of the portfolio."
    )
    clv_discount_rate: float = Field(0.10, ge=0, le=1)
    clv_min_repeat_accounts: int = Field(30, ge=0)
    # Data-quality warnings: a table shrinking by more than this share against its previous
    # load, and orders ending more than this many days before the month's end.
    max_volume_drop: float = Field(0.5, ge=0, le=1)
    freshness_grace_days: int = Field(7, ge=0)
    deliver: DeliveryMode | None = Field(None, description="E-mail each manager their reviews.")
    # Signing the manifest (docs/audit.md): an Ed25519 private key in PEM, from a file or a
    # Prefect Secret block; the publish step writes manifest.json.sig beside the manifest.
    signing_key: Path | None = Field(
        None, description="PEM file of an Ed25519 private key that signs manifest.json."
    )
    signing_key_secret: str | None = Field(
        None, description="Name of a Prefect Secret block holding that PEM (instead of a file)."
    )
    # Limits on what an export may hold, checked before anything is allocated for it (a
    # file's size, a ZIP member's declared size, a sheet's used range from its own XML), so
    # a hostile or broken export is refused with a message instead of exhausting memory.
    # README "Limits" explains each one.
    max_file_bytes: int = Field(
        1 << 30, ge=1, description="Largest input file (or ZIP member, uncompressed), bytes."
    )
    max_export_bytes: int = Field(
        4 << 30, ge=1, description="Largest export: all input files together, bytes."
    )
    max_rows: int = Field(5_000_000, ge=1, description="Most data rows in one file or sheet.")
    max_columns: int = Field(1_000, ge=1, description="Most columns in one file or sheet.")
    max_cells: int = Field(
        50_000_000, ge=1, description="Most cells (rows x columns) of one sheet's used range."
    )
    max_field_bytes: int = Field(
        1 << 20, ge=1, description="Longest single value (CSV field or cell), bytes."
    )
    max_zip_ratio: int = Field(
        100, ge=1, description="Highest expansion ratio of a ZIP member above 1 MiB."
    )
    # One run at a time per warehouse: how long a second run waits for the first to finish.
    lock_timeout_seconds: float = Field(
        300, ge=0, description="Seconds to wait for another run on the same warehouse."
    )
    # Unattended runs: who hears about them, and waiting for the export to be complete.
    notify_blocks: list[str] = Field(
        default_factory=list,
        description="Prefect notification blocks told about failed and rejected runs, as "
        "'block-type-slug/block-name' (e.g. slack-webhook/kam-alerts).",
    )
    notify_on_success: bool = Field(False, description="Also announce each published month.")
    wait_for_export: bool = Field(
        False, description="Wait until the month's export is complete before running."
    )
    export_wait_hours: float = Field(6.0, ge=0, description="How long to wait for the export.")
    export_poll_seconds: float = Field(300.0, gt=0, description="How often to look again.")
    export_ready_marker: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",
        description="A file the CRM writes last (e.g. _SUCCESS): its presence means complete.",
    )

    # Where the reviews render (docs/scale.md, "Rendering on a cluster"). Every runner gives
    # the same bytes, so none of these is part of the run id.
    render_runner: RenderRunner = Field(
        "process", description="Render on the local process pool, a Dask or a Ray cluster."
    )
    render_cluster_address: str | None = Field(
        None,
        description="Scheduler of an existing cluster (tcp://host:8786 for Dask, "
        "ray://host:10001 for Ray); empty: start a local one for the run.",
    )
    render_workers: int | None = Field(
        None, ge=1,
        description="Workers of the local pool or local cluster; empty: one per core, and "
        "the run's own process for a month of fewer than 40 reviews.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            # The name reaches SQL (DuckDB's timezone()) and dbt: letters, digits, _+- and
            # up to two slashes only, whatever the tz database would also open.
            if not _TIMEZONE_NAME.fullmatch(value):
                raise ValueError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown timezone {value!r} (use an IANA name such as Asia/Shanghai)"
            ) from exc
        return value

    @model_validator(mode="after")
    def _spark_builds_the_models_only(self) -> Settings:
        # The reports read the DuckDB warehouse; a Spark run stops once the models are built.
        if self.dbt_target == "spark" and not self.until.stops_by(Stage.transform):
            raise ValueError(
                "dbt_target spark builds the models only: stop the run after transform "
                "(--until transform)"
            )
        return self

    @field_validator("reporting_currency")
    @classmethod
    def _iso_currency(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError(f"reporting_currency {value!r} is not an ISO 4217 code (e.g. EUR)")
        return value

    @field_validator("profile")
    @classmethod
    def _profile_name_or_yaml(cls, value: str) -> str:
        if _PROFILE_NAME.fullmatch(value) or value.endswith((".yaml", ".yml")):
            return value
        raise ValueError(f"profile {value!r} is neither a profile name nor a .yaml path")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    @classmethod
    def load(cls, **given: object) -> Settings:
        """Settings with the values given explicitly on top; None means "not given"."""
        return cls(**{key: value for key, value in given.items() if value is not None})

    def for_month(self, month: Month | None = None) -> Settings:
        """A copy with the reporting month fixed: the given one, else the configured one,
        else the last complete month in the timezone, read from the clock once, here."""
        resolved = month or self.month or Month.last_complete(self.timezone)
        return self.model_copy(update={"month": resolved})

    @property
    def reporting_month(self) -> Month:
        """The run's month; only after `for_month` has fixed it."""
        if self.month is None:
            raise RuntimeError("the reporting month was not resolved (call for_month first)")
        return self.month

    @property
    def dbt_target_dir(self) -> Path:
        """Where the dbt manifest of the models that built the warehouse is kept, beside it
        (kam.publish.WorkingWarehouse.commit moves the run's target here), so `kam explain`
        finds their lineage."""
        return self.warehouse.parent / ".dbt_target"

    @property
    def parse_cache_dir(self) -> Path:
        """Where dbt's parse of the models is kept between runs (kam.transform.parse_cache)."""
        return self.cache_dir if self.cache_dir is not None else default_cache_dir()

    def fingerprint_fields(self) -> dict[str, object]:
        """The configuration that changes results, and so the run id (paths excluded; the
        input limits only decide whether an export is read at all, never what it yields)."""
        return self.model_dump(mode="json", exclude=_NOT_IN_RUN_ID | set(LIMIT_FIELDS)) | {
            "month": str(self.reporting_month)
        }
