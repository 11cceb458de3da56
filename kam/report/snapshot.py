"""A read-only snapshot of what the reviews read, as Parquet files written once per run.

Workers render from the snapshot, never from the warehouse: a DuckDB file has one writer
and is not meant to be opened by many processes (or machines) at once, while Parquet files
are plain read-only data any worker can scan. The snapshot holds every table of the `marts`
schema and the run's rows of `audit.load_manifest`, and a `columns.json` with each column's
warehouse type, so the views a worker reads through give back exactly the values (Decimal,
date, int) the warehouse would: the PDFs are the same bytes whichever process drew them.

Writing is deterministic: rows sorted on every column, one thread, fixed compression, so
the same marts give the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from kam.report.read_only import existing_tables

SNAPSHOT_SCHEMAS = ("marts", "audit")
COLUMNS_FILE = "columns.json"
# Types Parquet cannot hold as they are, and the exact type they travel as.
PARQUET_STAND_INS = {"HUGEINT": "DECIMAL(38, 0)", "UHUGEINT": "DECIMAL(38, 0)"}
AUDIT_TABLES = ("load_manifest",)  # only the rows of the run being rendered


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[list[str]]:
    return [[name, data_type] for name, data_type in con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table]).fetchall()]


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    marts = [("marts", name) for name in sorted(existing_tables(con, "marts"))]
    audit = [("audit", name) for name in AUDIT_TABLES if name in existing_tables(con, "audit")]
    return marts + audit


def write_snapshot(con: duckdb.DuckDBPyConnection, directory: Path, run_id: str) -> Path:
    """Copy the marts (and the run's load manifest) from `con` into `directory`."""
    directory = Path(directory)
    con.execute("set threads = 1")  # one writer thread: row groups, and so bytes, are fixed
    con.execute("set preserve_insertion_order = true")
    columns: dict[str, list[list[str]]] = {}
    for schema, table in _tables(con):
        described = _columns(con, schema, table)
        (directory / schema).mkdir(parents=True, exist_ok=True)
        select = ", ".join(
            f"cast({_quoted(name)} as {PARQUET_STAND_INS[data_type]}) as {_quoted(name)}"
            if data_type in PARQUET_STAND_INS else _quoted(name)
            for name, data_type in described
        )
        where = " where run_id = $run_id" if schema == "audit" else ""
        target = directory / schema / f"{table}.parquet"
        con.execute(
            f"copy (select {select} from {schema}.{_quoted(table)}{where} order by all) "  # noqa: S608
            f"to {_literal(target)} (format parquet, compression zstd)",
            {"run_id": run_id} if where else {},
        )
        columns[f"{schema}.{table}"] = described
    (directory / COLUMNS_FILE).write_text(json.dumps(columns, indent=1, sort_keys=True),
                                          encoding="utf-8")
    return directory


def open_snapshot(directory: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose `marts.*` and `audit.*` are views over the snapshot's files,
    each column cast back to its warehouse type."""
    directory = Path(directory)
    columns = json.loads((directory / COLUMNS_FILE).read_text(encoding="utf-8"))
    con = duckdb.connect(":memory:")
    for schema in SNAPSHOT_SCHEMAS:
        con.execute(f"create schema {schema}")
    for qualified, described in sorted(columns.items()):
        schema, table = qualified.split(".", 1)
        select = ", ".join(f"cast({_quoted(name)} as {data_type}) as {_quoted(name)}"
                           for name, data_type in described)
        path = _literal(directory / schema / f"{table}.parquet")
        con.execute(f"create view {schema}.{_quoted(table)} as "  # noqa: S608 (names from the warehouse)
                    f"select {select} from read_parquet({path})")
    return con
