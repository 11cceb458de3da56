"""Suite parameters that depend on the run: the previous load and the reporting month."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import duckdb

from kam.month import Month


def has_load_manifest(con: duckdb.DuckDBPyConnection) -> bool:
    # fetchall, not fetchone: DuckDB refuses new work while a result is left unfinished.
    return bool(
        con.execute(
            "select 1 from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'load_manifest'"
        ).fetchall()
    )


def previous_counts_from_manifest(
    con: duckdb.DuckDBPyConnection, run_id: str, tables: list[str]
) -> dict[str, int]:
    """Rows of the latest earlier load of each table, from audit.load_manifest."""
    if not has_load_manifest(con):
        return {}
    counts = {}
    for table in tables:
        rows = con.execute(
            "select rows from audit.load_manifest where table_name = ? and run_id <> ? "
            "and coalesce(provided, true) and rows is not null "
            "order by loaded_at desc nulls last limit 1",
            [table, run_id],
        ).fetchall()
        if rows:
            counts[table] = int(rows[0][0])
    return counts


def min_expected_rows(previous: int | None, max_drop: float) -> int:
    """Smallest row count that is not a drop of more than max_drop from previous."""
    if not previous:
        return 0
    return math.ceil(previous * (1 - max_drop))


def suite_parameters(
    tables: list[str],
    *,
    month: Month,
    previous_counts: dict[str, int],
    max_volume_drop: float,
    freshness_grace_days: int,
) -> dict[str, dict]:
    """The `$PARAMETER` values of every suite, by table (thresholds come from the settings)."""
    last_day = datetime.combine(month.last_day, datetime.min.time())
    fresh_from = last_day - timedelta(days=freshness_grace_days)
    return {
        table: {
            "freshness_min_date": fresh_from,
            "min_expected_rows": min_expected_rows(previous_counts.get(table), max_volume_drop),
        }
        for table in tables
    }
