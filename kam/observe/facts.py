"""The facts a run's summary shows, read back from the warehouse the run wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class TableCounts:
    table: str
    provided: bool
    read: int | None  # data rows in the file(s), before anything was held back
    landed: int  # rows in raw (audit.load_manifest)
    quarantined: int  # distinct rows in audit.quarantine for the run


@dataclass(frozen=True)
class ExpectationRow:
    severity: str
    table: str
    column: str | None
    expectation: str
    unexpected_count: int | None
    element_count: int | None
    observed_value: str | None

    def as_row(self) -> dict[str, object]:
        return {
            "verdict": "failed" if self.severity == "blocking" else "warned",
            "table": self.table,
            "column": self.column or "",
            "expectation": self.expectation,
            "unexpected": self.unexpected_count,
            "of_rows": self.element_count,
            "observed": self.observed_value or "",
        }


@dataclass
class RunFacts:
    run_id: str
    month: str
    expectations_evaluated: int = 0
    blocking_failures: int = 0
    warnings: int = 0
    tables: list[TableCounts] = field(default_factory=list)
    expectations: list[ExpectationRow] = field(default_factory=list)
    tier_moves: dict[str, int] = field(default_factory=dict)  # new / up / down
    at_risk: list[tuple[str, str, str]] = field(default_factory=list)  # id, name, tier

    @property
    def verdict(self) -> str:
        if self.expectations_evaluated == 0:
            return "not validated"
        if self.blocking_failures:
            return "rejected"
        return "passed with warnings" if self.warnings else "passed"


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? "
        "and table_name = ?", [schema, table]).fetchone()[0])


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.columns where table_schema = 'audit' "
        "and table_name = ? and column_name = ?", [table, column]).fetchone()[0])


def read_run_facts(
    warehouse: Path, *, run_id: str, month: str, rows_read: dict[str, int] | None = None
) -> RunFacts:
    """Everything the summary needs about `run_id`, read-only."""
    facts = RunFacts(run_id=run_id, month=month)
    rows_read = rows_read or {}
    first_day = date.fromisoformat(f"{month}-01")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quarantined = dict(con.execute(
            "select table_name, count(distinct coalesce(source_file, '') || ':' || "
            "coalesce(cast(source_line as varchar), row_key, '')) "
            "from audit.quarantine where run_id = ? group by 1", [run_id]).fetchall())
        # Warehouses written since the load manifest reconciles its rows hold rows_read.
        read_column = "sum(rows_read)" if _has_column(con, "load_manifest", "rows_read") \
            else "null"
        for table, provided, landed, read in con.execute(
            f"select table_name, bool_or(provided), sum(rows), {read_column} "
            "from audit.load_manifest where run_id = ? group by 1 order by 1",
            [run_id]).fetchall():
            read = int(read) if read is not None else rows_read.get(table)
            facts.tables.append(TableCounts(table, bool(provided), read, int(landed or 0),
                                            int(quarantined.get(table, 0))))
        if _has_table(con, "audit", "validation_results"):
            evaluated, blocking, warned = con.execute(
                "select count(*), count(*) filter (where not success and severity = 'blocking'),"
                " count(*) filter (where not success and severity = 'warning') "
                "from audit.validation_results where run_id = ?", [run_id]).fetchone()
            facts.expectations_evaluated, facts.blocking_failures, facts.warnings = (
                evaluated, blocking, warned)
            facts.expectations = [ExpectationRow(*row) for row in con.execute(
                "select severity, table_name, column_name, expectation, unexpected_count, "
                "element_count, observed_value from audit.validation_results "
                "where run_id = ? and not success "
                "order by severity, table_name, column_name, expectation", [run_id]).fetchall()]
        if _has_table(con, "marts", "account_tier"):
            facts.tier_moves = dict(con.execute(
                "select tier_change, count(*) from marts.account_tier where month = ? "
                "and tier_change in ('new', 'up', 'down') group by 1", [first_day]).fetchall())
        if _has_table(con, "marts", "account_review"):
            facts.at_risk = [tuple(row) for row in con.execute(
                "select account_id, account_name, tier from marts.account_review "
                "where month = ? and is_key_account and is_at_risk order by account_id",
                [first_day]).fetchall()]
    return facts
