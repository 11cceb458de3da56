"""Build fixture warehouses with the canonical raw DDL and run the dbt project on them."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb

from kam.schema import AUDIT_DDL, TABLES
from kam.transform.dbt import build_month

Row = Mapping[str, Any]


def create_warehouse(path: Path, tables: Mapping[str, Iterable[Row]]) -> Path:
    """Create raw (every canonical table, filled from `tables`) and audit schemas in a new file.

    Lineage defaults to `<table>.csv` and the row's position + 1 (header = line 1).
    """
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create schema audit")
        for ddl in AUDIT_DDL.values():
            con.execute(ddl)
        for table in TABLES.values():
            con.execute(table.ddl())
            columns = [*table.column_names, "_source_file", "_source_line"]
            rows = [
                [
                    *(row.get(name) for name in table.column_names),
                    row.get("_source_file", table.file_name),
                    row.get("_source_line", line),
                ]
                for line, row in enumerate(tables.get(table.name, []), start=2)
            ]
            if rows:
                quoted = ", ".join(f'"{c}"' for c in columns)
                marks = ", ".join("?" for _ in columns)
                con.executemany(f"insert into raw.{table.name} ({quoted}) values ({marks})", rows)
        for row in tables.get("quarantine", []):
            names = list(row)
            con.execute(
                f"insert into audit.quarantine ({', '.join(names)}) "
                f"values ({', '.join('?' for _ in names)})",
                list(row.values()),
            )
    return path


def dbt_build(warehouse: Path, target_dir: Path, **variables: Any) -> list[tuple[str, str]]:
    """Build the month on `warehouse` as the flow does (the CLV fit between two dbt builds);
    returns (node name, status) per node, failures included. The session's parse is reused
    (tests/conftest.py names its cache)."""
    results = build_month(warehouse, {"run_id": "test", **variables}, target_dir, check=False,
                          cache_dir=Path(os.environ["KAM_CACHE_DIR"]))
    return [(r.node.name, str(r.status)) for r in results]


def query(warehouse: Path, sql: str, *params: Any) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as con:
        return con.execute(sql, list(params)).fetchall()
