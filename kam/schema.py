"""The canonical input layout (docs/profiles.md) and the typed `raw` tables it lands in.

This is the one place that names the canonical files, their columns and the types they
land with. Extract parses every value into these types (unparseable values are
quarantined, never coerced); dbt sources and the expectation suites read the same names.
Every raw table also carries `_source_file` (path relative to the input folder) and
`_source_line` (1-based line of the row in that file, the header being line 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "date", "timestamp", "money", "number", "rate"]

# DuckDB types per logical type. Money is exact (docs/metrics.md, Money): DECIMAL, never DOUBLE.
DUCKDB_TYPES: dict[ColumnType, str] = {
    "text": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",  # naive, in the configured timezone
    "money": "DECIMAL(18, 4)",
    "number": "DOUBLE",
    "rate": "DECIMAL(18, 8)",
}

LINEAGE_COLUMNS = {"_source_file": "VARCHAR", "_source_line": "BIGINT"}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    required: bool
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def ddl(self, schema: str = "raw") -> str:
        cols = [f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in self.columns]
        cols += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS.items()]
        return f"create table {schema}.{self.name} ({', '.join(cols)})"


def _t(name: str, key: str, required: bool, *cols: Column) -> Table:
    return Table(name=name, key=key, required=required, columns=cols)


C = Column

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        _t(
            "accounts", "account_id", True,
            C("account_id", required=True), C("account_name", required=True),
            C("industry"), C("region"), C("country"),
            C("account_manager_id", required=True), C("created_at", "date", required=True),
            C("status"), C("tier_override"),
        ),
        _t(
            "account_managers", "manager_id", True,
            C("manager_id", required=True), C("name", required=True),
            C("email", required=True), C("team"), C("locale"),
        ),
        _t(
            "orders", "order_id", True,
            C("order_id", required=True), C("account_id", required=True),
            C("order_date", "date", required=True), C("product_line"), C("quantity", "number"),
            C("amount", "money", required=True), C("cost", "money"),
            C("currency", required=True), C("status"),
        ),
        _t(
            "tickets", "ticket_id", False,
            C("ticket_id", required=True), C("account_id", required=True),
            C("opened_at", "timestamp", required=True), C("first_response_at", "timestamp"),
            C("resolved_at", "timestamp"), C("priority", required=True), C("category"),
            C("status"), C("subject"),
        ),
        _t(
            "surveys", "response_id", False,
            C("response_id", required=True), C("account_id", required=True),
            C("submitted_at", "timestamp", required=True), C("survey_type", required=True),
            C("score", "number", required=True), C("comment"),
        ),
        _t(
            "interactions", "interaction_id", False,
            C("interaction_id", required=True), C("account_id", required=True),
            C("occurred_at", "timestamp", required=True),
            C("interaction_type", required=True), C("manager_id"),
        ),
        _t(
            "contracts", "contract_id", False,
            C("contract_id", required=True), C("account_id", required=True),
            C("start_date", "date", required=True), C("end_date", "date", required=True),
            C("committed_value", "money", required=True), C("currency", required=True),
            C("status"), C("renewal_of"), C("signed_date", "date"),
        ),
        _t(
            "fx_rates", "month,currency", False,
            C("month", required=True), C("currency", required=True),
            C("rate_to_reporting", "rate", required=True),
        ),
    )
}

OPTIONAL_TABLES = [t.name for t in TABLES.values() if not t.required]

# Reconciliation columns of audit.load_manifest, per file and table:
# rows_read = rows (landed) + rows_filtered + rows_quarantined + rows_deduplicated.
MANIFEST_RECONCILIATION = {
    "rows_read": "BIGINT",  # data rows in the file, malformed ones included
    "rows_filtered": "BIGINT",  # left out by the profile's keep_when
    "filter_rule": "VARCHAR",  # the keep_when rules that dropped them
    "rows_quarantined": "BIGINT",  # held back: unparseable value or malformed row
    "rows_deduplicated": "BIGINT",  # older versions of a key replaced by a later row
    "columns_not_provided": "VARCHAR",  # metric inputs no export column was mapped to
}

# Optional columns that metrics are computed from: when an export maps no column to one,
# the metric is "not provided" rather than computed from empty values.
METRIC_INPUTS: dict[str, dict[str, str]] = {
    "orders": {"cost": "gross_margin"},
    "tickets": {"first_response_at": "first_response_sla", "resolved_at": "resolution_time"},
}

# Audit tables (README.md, Outputs). Created by extract if missing; append-only.
AUDIT_DDL = {
    "runs": """create table if not exists audit.runs (
        run_id VARCHAR, month DATE, profile VARCHAR, input_dir VARCHAR, config_json VARCHAR,
        status VARCHAR, validation_success BOOLEAN, started_at TIMESTAMP, finished_at TIMESTAMP,
        accounts_reviewed INTEGER, message VARCHAR)""",
    "load_manifest": """create table if not exists audit.load_manifest (
        run_id VARCHAR, table_name VARCHAR, path VARCHAR, sha256 VARCHAR, rows BIGINT,
        provided BOOLEAN, profile VARCHAR, loaded_at TIMESTAMP, """
    + ", ".join(f"{name} {sql_type}" for name, sql_type in MANIFEST_RECONCILIATION.items())
    + ")",
    # The manifest rows of the load the raw tables hold (extract points it at its run id).
    "last_load": "create view if not exists audit.last_load as "
    "select * from audit.load_manifest where false",
    "validation_results": """create table if not exists audit.validation_results (
        run_id VARCHAR, suite VARCHAR, table_name VARCHAR, expectation VARCHAR,
        column_name VARCHAR, severity VARCHAR, success BOOLEAN, observed_value VARCHAR,
        unexpected_count BIGINT, element_count BIGINT, details VARCHAR)""",
    "quarantine": """create table if not exists audit.quarantine (
        run_id VARCHAR, table_name VARCHAR, row_key VARCHAR, source_file VARCHAR,
        source_line BIGINT, column_name VARCHAR, value VARCHAR, expectation VARCHAR,
        reason VARCHAR)""",
}

