"""Write a run's validation results and quarantined rows to the audit schema."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from kam.schema import AUDIT_DDL
from kam.validate.cascade import CASCADE

VALIDATION_COLUMNS = [
    "run_id", "suite", "table_name", "expectation", "column_name", "severity", "success",
    "observed_value", "unexpected_count", "element_count", "details",
]  # fmt: skip
QUARANTINE_COLUMNS = [
    "run_id", "table_name", "row_key", "source_file", "source_line", "column_name", "value",
    "expectation", "reason",
]  # fmt: skip
# Nullable integers stay integers on their way through pandas (None would make them floats).
INTEGER_COLUMNS = {"unexpected_count", "element_count", "source_line"}


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[dict]):
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.astype({c: "Int64" for c in columns if c in INTEGER_COLUMNS})
    con.register("incoming_rows", frame)
    try:
        con.execute(
            f"insert into audit.{table} ({', '.join(columns)}) "
            f"select {', '.join(columns)} from incoming_rows"
        )
    finally:
        con.unregister("incoming_rows")


def record_audit(
    warehouse: Path, run_id: str, validation_rows: list[dict], quarantine_rows: list[dict]
) -> None:
    """Append this run's results and quarantined rows in one transaction.

    The only time validation opens the warehouse for writing. A rerun of the same run id
    (same inputs and configuration) replaces its own rows instead of doubling them, and
    keeps the rows extract quarantined under that run id (unparseable values).
    """
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists audit")
        for name in ("validation_results", "quarantine"):
            con.execute(AUDIT_DDL[name])
        con.execute("begin transaction")
        con.execute("delete from audit.validation_results where run_id = ?", [run_id])
        owned = sorted({CASCADE, *(row["expectation"] for row in validation_rows)})
        con.execute(
            f"delete from audit.quarantine where run_id = ? "
            f"and expectation in ({', '.join('?' for _ in owned)})",
            [run_id, *owned],
        )
        _insert(con, "validation_results", VALIDATION_COLUMNS, validation_rows)
        _insert(con, "quarantine", QUARANTINE_COLUMNS, quarantine_rows)
        con.execute("commit")
    finally:
        con.close()
