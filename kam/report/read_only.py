"""Read-only access to the DuckDB warehouse for the report step."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from kam.errors import PipelineError
from kam.warehouse import open_read_only as open_warehouse_read_only


def open_read_only(path: Path) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
    """Open the warehouse read-only and always close it; a missing warehouse is a failed
    pipeline step here (the report step runs after the build)."""
    return open_warehouse_read_only(path, missing=PipelineError)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def existing_tables(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    found = con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]
    ).fetchall()
    return {name for (name,) in found}


def columns_not_provided(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """`table.column` of metric inputs that no file of a provided table had in this run.

    Extract records them per file in audit.load_manifest.columns_not_provided; a column is
    not provided when every file of its table lacks it.
    """
    if "load_manifest" not in existing_tables(con, "audit") or not con.execute(
        "select 1 from information_schema.columns where table_schema = 'audit' "
        "and table_name = 'load_manifest' and column_name = 'columns_not_provided'"
    ).fetchall():
        return []
    found = con.execute(
        "with per_file as (select table_name, unnest(string_split("
        "coalesce(columns_not_provided, ''), ', ')) as column_name, path "
        "from audit.load_manifest where run_id = ? and provided), "
        "files as (select table_name, count(distinct path) as n from audit.load_manifest "
        "where run_id = ? and provided group by 1) "
        "select p.table_name || '.' || p.column_name from per_file as p join files using "
        "(table_name) where p.column_name <> '' group by p.table_name, p.column_name, files.n "
        "having count(distinct p.path) = files.n order by 1",
        [run_id, run_id],
    ).fetchall()
    return [name for (name,) in found]


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
