"""The expectation suites, one per input table, built from Great Expectations classes.

`expectations/<table>.json` is generated from this module (`python -m kam.validate.suites`)
and committed, so a reviewer reads the checks as data and a test keeps the two in step.
Every expectation carries `meta.severity` (blocking or warning) and `meta.rationale`.
Values that depend on the run (the account ids that exist, the rows of the previous load,
the reporting month) are suite parameters (`{"$PARAMETER": name}`) filled in by
`kam.validate.parameters`, so the files stay the same from run to run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.expectations.row_conditions import Column

from kam.assets import EXPECTATIONS_DIR
from kam.schema import TABLES, Table

SUITES_DIR = EXPECTATIONS_DIR
BLOCKING = "blocking"
WARNING = "warning"

# Vocabularies of the canonical layout (canonical values; profiles map vendor values onto them).
ACCOUNT_STATUSES = ["active", "inactive"]
TIER_OVERRIDES = ["strategic", "key", "standard"]
ORDER_STATUSES = ["completed", "cancelled"]
TICKET_PRIORITIES = ["urgent", "high", "normal", "low"]
TICKET_CATEGORIES = ["complaint", "incident", "request", "other"]
SURVEY_SCALES = {"NPS": (0, 10), "CSAT": (1, 5), "CES": (1, 7)}
INTERACTION_TYPES = ["visit", "call", "email", "meeting", "business_review"]
CONTRACT_STATUSES = ["active", "cancelled"]

# Dates outside this window are typing slips (year 0202, 20255), not business events.
EARLIEST_PLAUSIBLE_DATE = "1970-01-01T00:00:00"
LATEST_PLAUSIBLE_DATE = "2099-12-31T23:59:59"

# DuckDB type names (typeof) a landed column may have: kam.schema fixes them at landing.
DATE_TYPES = ("DATE", "TIMESTAMP")
NUMERIC_TYPES = ("DOUBLE", "BIGINT", "INTEGER")

# Parameters filled per run by kam.validate.parameters.
P_MIN_ROWS = {"$PARAMETER": "min_expected_rows"}
P_FRESH_FROM = {"$PARAMETER": "freshness_min_date"}

# Great Expectations' own severity field, kept in step with meta.severity.
GX_SEVERITY = {BLOCKING: "critical", WARNING: "warning"}


def _meta(
    severity: str, rationale: str, column: str | None = None, *, keeps_rows: bool = False
) -> dict:
    meta = {"severity": severity, "rationale": rationale}
    if column:
        meta["column"] = column  # the column a SQL check is about, for audit rows
    if keeps_rows:
        meta["keeps_rows"] = True  # a warning to read, not a reason to set the rows aside
    return meta


def rows_where(
    condition: str,
    *,
    column: str,
    severity: str,
    rationale: str,
    description: str,
    keeps_rows: bool = False,
) -> gxe.UnexpectedRowsExpectation:
    """A check Great Expectations runs as SQL in DuckDB: the rows matching `condition` fail.

    Used where the check needs another table (foreign keys) or a DuckDB function (regular
    expressions, typeof) that the built-in expectations do not offer on DuckDB.
    """
    escaped = condition.replace("{", "{{").replace("}", "}}")  # literal braces (regex)
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=(
            f"with checked as (select * from {{batch}}) select * from checked where {escaped}"
        ),
        description=description,
        meta=_meta(severity, rationale, column, keeps_rows=keeps_rows),
    )


def _typed(column: str, types: tuple[str, ...], kind: str) -> gxe.Expectation:
    allowed = ", ".join(f"'{t}'" for t in types)
    condition = f'typeof("{column}") not in ({allowed})'
    if kind == "numeric":
        condition = f"typeof(\"{column}\") not like 'DECIMAL%' and {condition}"
    return rows_where(
        condition,
        column=column,
        severity=BLOCKING,
        description=f"{column} landed as a {kind} column",
        rationale=(
            "Dates must land parsed; another type means the export's date format was not "
            "understood."
            if kind == "date"
            else "Amounts, costs, scores and rates must be numbers to be summed exactly."
        ),
    )


def _required_value_meta(table: Table, column: str) -> dict:
    if table.name == "account_managers":
        # Setting a manager aside would drop every one of their accounts with them.
        return _meta(
            BLOCKING,
            f"{column} is required for every account manager; the "
            "manager list is short and fixed at the source.",
        )
    return _meta(
        WARNING,
        f"{column} is required; a row without it is set aside and the run goes on without it.",
    )


def _structure(table: Table) -> list[gxe.Expectation]:
    """Required columns exist, the key is present and unique, typed columns kept their type."""
    checks: list[gxe.Expectation] = [
        gxe.ExpectColumnToExist(
            column=name,
            meta=_meta(
                BLOCKING,
                f"{name} is a required column of {table.file_name} "
                "(docs/profiles.md); without it the table cannot be modelled.",
            ),
        )
        for name in table.required_columns
    ]
    key_columns = table.key.split(",")
    for key in key_columns:
        checks.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=key,
                meta=_meta(BLOCKING, "A row without its key cannot be traced or deduplicated."),
            )
        )
    if len(key_columns) == 1:
        checks.append(
            gxe.ExpectColumnValuesToBeUnique(
                column=table.key,
                meta=_meta(BLOCKING, "A duplicated key double-counts rows in every mart."),
            )
        )
    else:
        # As SQL: on DuckDB the built-in compound check does not list the offending rows.
        key_list = ", ".join(f'"{k}"' for k in key_columns)
        checks.append(
            rows_where(
                f"({key_list}) in (select ({key_list}) from checked "
                f"group by {key_list} having count(*) > 1)",
                column=table.key,
                severity=BLOCKING,
                description=f"({table.key}) is unique",
                rationale="Two rates for the same month and currency are ambiguous.",
            )
        )
    for column in table.columns:
        if column.required and column.name not in key_columns:
            checks.append(
                gxe.ExpectColumnValuesToNotBeNull(
                    column=column.name,
                    meta=_required_value_meta(table, column.name),
                )
            )
        if column.type in ("date", "timestamp"):
            checks.append(_typed(column.name, DATE_TYPES, "date"))
            checks.append(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column.name,
                    min_value=EARLIEST_PLAUSIBLE_DATE,
                    max_value=LATEST_PLAUSIBLE_DATE,
                    meta=_meta(
                        WARNING,
                        "A date outside 1970-2099 is a typing slip; the row "
                        "would land in a month that never happened.",
                    ),
                )
            )
        if column.type in ("money", "number", "rate"):
            checks.append(_typed(column.name, NUMERIC_TYPES, "numeric"))
    return checks


def _in_set(
    column: str, values: list[str], rationale: str, severity: str = WARNING
) -> gxe.Expectation:
    return gxe.ExpectColumnValuesToBeInSet(
        column=column, value_set=values, meta=_meta(severity, rationale)
    )


def _foreign_key(column: str, parent: str, parent_key: str, rationale: str) -> gxe.Expectation:
    return rows_where(
        f'checked."{column}" is not null and not exists (select 1 from raw.{parent} p '
        f'where p."{parent_key}" = checked."{column}")',
        column=column,
        severity=WARNING,
        description=f"every {column} is in {parent}.{parent_key}",
        rationale=rationale,
    )


def _account_fk(file_name: str) -> gxe.Expectation:
    return _foreign_key(
        "account_id",
        "accounts",
        "account_id",
        f"A row of {file_name} whose account_id is not in accounts.csv is quarantined "
        "and counted nowhere (docs/metrics.md, Bad rows).",
    )


def _matches(
    column: str, pattern: str, severity: str, rationale: str, *, normalised: bool = False
) -> gxe.Expectation:
    """Values that do not match `pattern` fail; `normalised` compares upper(trim(value)),
    as staging reads currency codes."""
    value = f'upper(trim("{column}"))' if normalised else f'"{column}"'
    return rows_where(
        f"\"{column}\" is not null and not regexp_full_match({value}, '{pattern}')",
        column=column,
        severity=severity,
        description=f"{column} matches {pattern}",
        rationale=rationale,
    )


def _volume() -> gxe.Expectation:
    return gxe.ExpectTableRowCountToBeBetween(
        min_value=P_MIN_ROWS,
        meta=_meta(
            WARNING,
            "A load much smaller than the previous one of the same table "
            "suggests a truncated export; flagged for review.",
        ),
    )


def _reconciliation(table: Table) -> gxe.Expectation:
    """Every row read is accounted for, per file: read = landed + filtered + quarantined +
    deduplicated in audit.last_load, and the landed count is what the raw table holds.

    The query returns the manifest rows that do not add up, shaped like offending rows
    (key columns empty, `_source_file` the file), so the finding names the file.
    """
    keys = ", ".join(f'null::VARCHAR as "{k}"' for k in table.key.split(","))
    query = (
        "with checked as (select * from {batch}), "
        "landed as (select _source_file, count(*) as n from checked group by 1) "
        f"select {keys}, m.path as _source_file, null::BIGINT as _source_line, "
        "concat('read ', m.rows_read, ' = landed ', m.rows, ' + filtered ', m.rows_filtered, "
        "' + quarantined ', m.rows_quarantined, ' + deduplicated ', m.rows_deduplicated, "
        "'; rows in the table: ', coalesce(l.n, 0)) as reconciliation "
        "from audit.last_load as m left join landed as l on l._source_file = m.path "
        f"where m.table_name = '{table.name}' and m.provided and ("
        "m.rows_read is distinct from "
        "m.rows + m.rows_filtered + m.rows_quarantined + m.rows_deduplicated "
        "or m.rows is distinct from coalesce(l.n, 0))"
    )
    return gxe.UnexpectedRowsExpectation(
        unexpected_rows_query=query,
        description="every row read is landed, filtered, quarantined or deduplicated",
        meta=_meta(
            BLOCKING,
            "An auditor must be able to reconcile the export with the warehouse: a row "
            "read but neither landed nor counted as filtered, quarantined or deduplicated "
            "went missing.",
            "reconciliation",
        ),
    )


def _table_checks(name: str) -> list[gxe.Expectation]:
    """Checks specific to one table: foreign keys, vocabularies, scales, time order."""
    if name == "accounts":
        return [
            _foreign_key(
                "account_manager_id",
                "account_managers",
                "manager_id",
                "An account's manager must exist in account_managers.csv to receive its review.",
            ),
            _in_set(
                "status",
                ACCOUNT_STATUSES,
                "A status outside the vocabulary is quarantined (docs/metrics.md, Bad rows).",
            ),
            _in_set(
                "tier_override",
                TIER_OVERRIDES,
                "An override is a deliberate instruction: an unknown one is neither guessed "
                "nor dropped with its account.",
                severity=BLOCKING,
            ),
            _volume(),
        ]
    if name == "orders":
        return [
            _account_fk("orders.csv"),
            _in_set(
                "status",
                ORDER_STATUSES,
                "A status outside the vocabulary is quarantined (docs/metrics.md, Bad rows); empty "
                "means completed.",
            ),
            _matches(
                "currency",
                "[A-Z]{3}",
                WARNING,
                "Currencies are ISO 4217 codes.",
                normalised=True,
            ),
            rows_where(
                "currency is not null "
                "and (select count(distinct upper(trim(currency))) from raw.orders) > 1 "
                "and upper(trim(currency)) not in "
                "(select upper(trim(currency)) from raw.fx_rates where currency is not null)",
                column="currency",
                severity=BLOCKING,
                description="with several currencies, every currency has rates in fx_rates",
                rationale="With several currencies every one needs rates in fx_rates.csv, or "
                "revenue cannot be converted (docs/metrics.md, Money).",
            ),
            gxe.ExpectColumnMaxToBeBetween(
                column="order_date",
                min_value=P_FRESH_FROM,
                meta=_meta(
                    WARNING,
                    "The export should reach the end of the reporting month; an older "
                    "export under-reports the month.",
                ),
            ),
            _volume(),
        ]
    if name == "tickets":
        return [
            _account_fk("tickets.csv"),
            _in_set(
                "priority",
                TICKET_PRIORITIES,
                "The SLA target depends on the priority; an unknown one has no target.",
            ),
            _in_set("category", TICKET_CATEGORIES, "Complaints are counted by category."),
            *[
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=later,
                    column_B="opened_at",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                    meta=_meta(
                        WARNING,
                        f"{later} before opened_at would give a negative "
                        "response or resolution time.",
                    ),
                )
                for later in ("first_response_at", "resolved_at")
            ],
            _volume(),
        ]
    if name == "surveys":
        return [
            _account_fk("surveys.csv"),
            _in_set(
                "survey_type", list(SURVEY_SCALES), "Each survey type has its own scale and metric."
            ),
            *[
                gxe.ExpectColumnValuesToBeBetween(
                    column="score",
                    min_value=low,
                    max_value=high,
                    row_condition=Column("survey_type") == survey_type,
                    meta=_meta(
                        WARNING,
                        f"A {survey_type} score outside {low}-{high} is a "
                        "data-quality failure, never clipped (docs/metrics.md, Satisfaction).",
                    ),
                )
                for survey_type, (low, high) in SURVEY_SCALES.items()
            ],
            _volume(),
        ]
    if name == "interactions":
        return [
            _account_fk("interactions.csv"),
            _in_set(
                "interaction_type", INTERACTION_TYPES, "Engagement counts interactions by type."
            ),
            _volume(),
        ]
    if name == "contracts":
        return _contract_checks()
    if name == "fx_rates":
        return [
            _matches(
                "month", r"\d{4}-(0[1-9]|1[0-2])", BLOCKING, "Rates are looked up by month YYYY-MM."
            ),
            gxe.ExpectColumnValuesToBeBetween(
                column="rate_to_reporting",
                min_value=0,
                strict_min=True,
                meta=_meta(BLOCKING, "A rate of zero or below would erase or flip revenue."),
            ),
        ]
    return []


def _contract_checks() -> list[gxe.Expectation]:
    """contracts.csv: account, vocabulary, dates in order, money, rates, overlaps."""
    not_cancelled = "coalesce(lower(trim({row}.status)), '') <> 'cancelled'"
    return [
        _account_fk("contracts.csv"),
        _in_set(
            "status",
            CONTRACT_STATUSES,
            "A status outside the vocabulary is quarantined; empty means active.",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="end_date",
            column_B="start_date",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            meta=_meta(
                WARNING,
                "A contract ending before it starts has no term to measure fulfilment "
                "against; it is set aside.",
            ),
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="committed_value",
            min_value=0,
            meta=_meta(
                WARNING,
                "A negative commitment is a typing slip, not a contract; it is set aside.",
            ),
        ),
        _matches(
            "currency",
            "[A-Z]{3}",
            WARNING,
            "Currencies are ISO 4217 codes.",
            normalised=True,
        ),
        rows_where(
            "currency is not null "
            "and (select count(distinct upper(trim(c))) from ("
            "select currency as c from raw.orders union all "
            "select currency from raw.contracts) as currencies where c is not null) > 1 "
            "and upper(trim(currency)) not in "
            "(select upper(trim(currency)) from raw.fx_rates where currency is not null)",
            column="currency",
            severity=BLOCKING,
            description="with several currencies, every contract currency has rates in fx_rates",
            rationale="A commitment in a currency without rates in fx_rates.csv cannot be "
            "converted, so its fulfilment cannot be measured.",
        ),
        rows_where(
            f"{not_cancelled.format(row='checked')} and exists ("
            "select 1 from raw.contracts as other "
            "where other.account_id = checked.account_id "
            "and other.contract_id <> checked.contract_id "
            f"and {not_cancelled.format(row='other')} "
            "and other.start_date <= checked.end_date "
            "and checked.start_date <= other.end_date)",
            column="contract_id",
            severity=WARNING,
            description="contracts of one account do not overlap",
            rationale="Overlapping contracts of one account each measure fulfilment "
            "against all of its revenue in their own term; flagged for review, rows kept.",
            keeps_rows=True,
        ),
        _volume(),
    ]


def build_suite(name: str) -> gx.ExpectationSuite:
    """The suite for one input table, as it is committed under expectations/."""
    table = TABLES[name]
    expectations = [*_structure(table), _reconciliation(table), *_table_checks(name)]
    for expectation in expectations:
        expectation.severity = GX_SEVERITY[expectation.meta["severity"]]
    return gx.ExpectationSuite(
        name=name,
        expectations=expectations,
        meta={"table": name, "file": table.file_name, "key": table.key},
    )


def suite_to_json(suite: gx.ExpectationSuite) -> str:
    """Stable JSON for review: no generated ids, sorted keys."""
    data = suite.to_json_dict()
    data.pop("id", None)
    for expectation in data["expectations"]:
        expectation.pop("id", None)
    data.pop("notes", None)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> gx.ExpectationSuite:
    """Read a committed suite back into Great Expectations."""
    data = json.loads((suites_dir / f"{name}.json").read_text(encoding="utf-8"))
    return gx.ExpectationSuite(**data)


def write_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    suites_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        path = suites_dir / f"{name}.json"
        path.write_text(suite_to_json(build_suite(name)), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_suites(Path(sys.argv[1]) if len(sys.argv) > 1 else SUITES_DIR):
        print(path)
