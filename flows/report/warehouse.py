"""Read-only access to the DuckDB warehouse for the report step."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb

from flows.errors import PipelineError


@contextlib.contextmanager
def open_read_only(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only and always close it."""
    if not Path(path).exists():
        raise PipelineError(f"warehouse {path} does not exist", hint="run `kam run` first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    found = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {name for (name,) in found}


def provided_inputs(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, bool]:
    """Input table -> whether its file was provided in this run (audit.load_manifest)."""
    if "load_manifest" not in existing_tables(con, "audit"):
        return {}
    found = con.execute(
        "select table_name, bool_or(provided) from audit.load_manifest "
        "where run_id = ? group by table_name",
        [run_id],
    ).fetchall()
    return {name: bool(flag) for name, flag in found}


def month_start(month: str) -> dt.date:
    """'2026-10' -> date(2026, 10, 1)."""
    return dt.datetime.strptime(month, "%Y-%m").date()


def month_end(month: str) -> dt.date:
    first = month_start(month)
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def months_back(first_day: dt.date, count: int) -> dt.date:
    """The first day of the month `count` months before `first_day`."""
    index = first_day.year * 12 + first_day.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)
