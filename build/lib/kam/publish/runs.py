"""The run history: one row per finished run in `audit.runs`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

from kam.month import Month


def record_run(
    warehouse: Path,
    *,
    run_id: str,
    month: Month,
    profile: str,
    input_dir: Path | None,
    configuration: dict[str, object],
    validation_success: bool | None,
    started_at: datetime,
    accounts_reviewed: int,
    stopped_after: str,
) -> None:
    """Append a successful run to `audit.runs` of the (working) warehouse."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into audit.runs values (?, ?, ?, ?, ?, 'success', ?, ?, ?, ?, ?)",
            [
                run_id,
                month.first_day,
                profile,
                str(input_dir),
                json.dumps(configuration, sort_keys=True),
                validation_success,
                started_at,
                datetime.now(),
                accounts_reviewed,
                f"stopped after {stopped_after}",
            ],
        )
