"""Every expectation tripped by a crafted bad row, found in quarantine or blocking the run.

Each warehouse is built with kam.schema's DDL from a small clean export plus bad rows;
one validation per warehouse keeps the suite fast, and every bad row trips one check only.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from kam.errors import DataQualityError
from kam.month import Month
from kam.schema import AUDIT_DDL, TABLES
from kam.validate.validation import validate_warehouse

MONTH = Month(2026, 10)
# The settings' default data-quality thresholds.
THRESHOLDS = {"max_volume_drop": 0.5, "freshness_grace_days": 7}
SQL_CHECK = "unexpected_rows_expectation"


def clean_rows() -> dict[str, list[dict]]:
    """A tiny export that passes every check for 2026-10."""
    return {
        "account_managers": [
            {"manager_id": "M1", "name": "Ann", "email": "ann@example.com"},
            {"manager_id": "M2", "name": "Bo", "email": "bo@example.com"},
        ],
        "accounts": [
            {"account_id": "A1", "account_name": "Acme", "account_manager_id": "M1",
             "created_at": "2024-01-01", "status": "active"},
            {"account_id": "A2", "account_name": "Beta", "account_manager_id": "M2",
             "created_at": "2024-02-01", "status": "inactive", "tier_override": "key"},
        ],
        "orders": [
            {"order_id": "O1", "account_id": "A1", "order_date": "2026-10-05", "amount": 100,
             "cost": 60, "currency": "EUR", "status": "completed"},
            {"order_id": "O2", "account_id": "A2", "order_date": "2026-10-30", "amount": -20,
             "currency": "EUR"},
        ],
        "tickets": [
            {"ticket_id": "T1", "account_id": "A1", "opened_at": "2026-10-01 10:00",
             "first_response_at": "2026-10-01 11:00", "resolved_at": "2026-10-02 09:00",
             "priority": "high", "category": "complaint"},
        ],
        "surveys": [
            {"response_id": "S1", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
             "survey_type": "NPS", "score": 10},
            {"response_id": "S2", "account_id": "A2", "submitted_at": "2026-10-03 08:00",
             "survey_type": "CSAT", "score": 1},
            {"response_id": "S3", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
             "survey_type": "CES", "score": 7},
        ],
        "interactions": [
            {"interaction_id": "I1", "account_id": "A1", "occurred_at": "2026-10-02 15:00",
             "interaction_type": "business_review"},
        ],
        "contracts": [
            {"contract_id": "C1", "account_id": "A1", "start_date": "2026-01-01",
             "end_date": "2026-12-31", "committed_value": 1200, "currency": "EUR"},
        ],
        "fx_rates": [{"month": "2026-10", "currency": "EUR", "rate_to_reporting": 1}],
    }


def build_warehouse(
    path: Path, rows: dict[str, list[dict]], ddl: dict[str, str] | None = None
) -> Path:
    """raw tables from kam.schema (or a replacement DDL), lines numbered from 2 per file."""
    con = duckdb.connect(str(path))
    con.execute("create schema raw; create schema audit")
    for statement in AUDIT_DDL.values():
        con.execute(statement)
    for name, table in TABLES.items():
        if ddl and name in ddl:
            if ddl[name]:
                con.execute(ddl[name])
            else:
                continue  # the table is left out altogether
        else:
            con.execute(table.ddl())
        columns = [c[0] for c in con.execute(f"describe raw.{name}").fetchall()]
        for line, row in enumerate(rows.get(name, []), start=2):
            values = {**row, "_source_file": f"{name}.csv", "_source_line": line}
            con.execute(
                f"insert into raw.{name} values ({', '.join('?' for _ in columns)})",
                [values.get(c) for c in columns],
            )
    con.close()
    return path


def add(rows: dict[str, list[dict]], table: str, **row) -> int:
    """Append a row; returns its line in the table's file."""
    rows[table].append(row)
    return len(rows[table]) + 1


# (table, expectation, column, value) per bad row, the row built from a clean one.
WARNING_ROWS = [
    ("accounts", SQL_CHECK, "account_manager_id", "M9",
     {"account_id": "A3", "account_name": "C", "account_manager_id": "M9",
      "created_at": "2024-01-01"}),
    ("accounts", "expect_column_values_to_be_in_set", "status", "dormant",
     {"account_id": "A4", "account_name": "D", "account_manager_id": "M1",
      "created_at": "2024-01-01", "status": "dormant"}),
    ("accounts", "expect_column_values_to_not_be_null", "account_name", None,
     {"account_id": "A6", "account_manager_id": "M1", "created_at": "2024-01-01"}),
    ("accounts", "expect_column_values_to_be_between", "created_at", "1900-01-01",
     {"account_id": "A7", "account_name": "G", "account_manager_id": "M1",
      "created_at": "1900-01-01"}),
    ("orders", SQL_CHECK, "account_id", "A99",
     {"order_id": "O3", "account_id": "A99", "order_date": "2026-10-06", "amount": 5,
      "currency": "EUR"}),
    ("orders", "expect_column_values_to_be_in_set", "status", "won",
     {"order_id": "O4", "account_id": "A1", "order_date": "2026-10-06", "amount": 5,
      "currency": "EUR", "status": "won"}),
    ("orders", SQL_CHECK, "currency", "EURO",
     {"order_id": "O5", "account_id": "A1", "order_date": "2026-10-06", "amount": 5,
      "currency": "EURO"}),
    ("orders", "expect_column_values_to_not_be_null", "amount", None,
     {"order_id": "O6", "account_id": "A1", "order_date": "2026-10-06", "currency": "EUR"}),
    ("orders", "expect_column_values_to_be_between", "order_date", "2201-01-01",
     {"order_id": "O7", "account_id": "A1", "order_date": "2201-01-01", "amount": 5,
      "currency": "EUR"}),
    ("tickets", SQL_CHECK, "account_id", "A99",
     {"ticket_id": "T2", "account_id": "A99", "opened_at": "2026-10-01 10:00",
      "priority": "low"}),
    ("tickets", "expect_column_values_to_be_in_set", "priority", "p1",
     {"ticket_id": "T3", "account_id": "A1", "opened_at": "2026-10-01 10:00",
      "priority": "p1"}),
    ("tickets", "expect_column_values_to_be_in_set", "category", "bug",
     {"ticket_id": "T4", "account_id": "A1", "opened_at": "2026-10-01 10:00",
      "priority": "low", "category": "bug"}),
    ("tickets", "expect_column_pair_values_a_to_be_greater_than_b",
     "first_response_at,opened_at",
     "first_response_at=2026-10-01T09:59:00, opened_at=2026-10-01T10:00:00",
     {"ticket_id": "T5", "account_id": "A1", "opened_at": "2026-10-01 10:00",
      "first_response_at": "2026-10-01 09:59", "priority": "low"}),
    ("tickets", "expect_column_pair_values_a_to_be_greater_than_b", "resolved_at,opened_at",
     "resolved_at=2026-09-30T10:00:00, opened_at=2026-10-01T10:00:00",
     {"ticket_id": "T6", "account_id": "A1", "opened_at": "2026-10-01 10:00",
      "resolved_at": "2026-09-30 10:00", "priority": "low"}),
    ("tickets", "expect_column_values_to_not_be_null", "opened_at", None,
     {"ticket_id": "T7", "account_id": "A1", "priority": "low"}),
    ("surveys", "expect_column_values_to_be_between", "score", "11",
     {"response_id": "S4", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
      "survey_type": "NPS", "score": 11}),
    ("surveys", "expect_column_values_to_be_between", "score", "0",
     {"response_id": "S5", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
      "survey_type": "CSAT", "score": 0}),
    ("surveys", "expect_column_values_to_be_between", "score", "8",
     {"response_id": "S6", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
      "survey_type": "CES", "score": 8}),
    ("surveys", "expect_column_values_to_be_in_set", "survey_type", "XYZ",
     {"response_id": "S7", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
      "survey_type": "XYZ", "score": 3}),
    ("surveys", SQL_CHECK, "account_id", "A99",
     {"response_id": "S8", "account_id": "A99", "submitted_at": "2026-10-03 08:00",
      "survey_type": "NPS", "score": 3}),
    ("surveys", "expect_column_values_to_not_be_null", "score", None,
     {"response_id": "S9", "account_id": "A1", "submitted_at": "2026-10-03 08:00",
      "survey_type": "NPS"}),
    ("interactions", "expect_column_values_to_be_in_set", "interaction_type", "fax",
     {"interaction_id": "I2", "account_id": "A1", "occurred_at": "2026-10-02 15:00",
      "interaction_type": "fax"}),
    ("interactions", SQL_CHECK, "account_id", "A99",
     {"interaction_id": "I3", "account_id": "A99", "occurred_at": "2026-10-02 15:00",
      "interaction_type": "call"}),
    ("interactions", "expect_column_values_to_be_between", "occurred_at",
     "1969-12-31T23:00:00",
     {"interaction_id": "I4", "account_id": "A1", "occurred_at": "1969-12-31 23:00",
      "interaction_type": "call"}),
    # contracts in years of their own, so that none overlaps another
    ("contracts", SQL_CHECK, "account_id", "A99",
     {"contract_id": "C3", "account_id": "A99", "start_date": "2021-01-01",
      "end_date": "2021-12-31", "committed_value": 10, "currency": "EUR"}),
    ("contracts", "expect_column_values_to_be_in_set", "status", "pending",
     {"contract_id": "C4", "account_id": "A1", "start_date": "2020-01-01",
      "end_date": "2020-12-31", "committed_value": 10, "currency": "EUR", "status": "pending"}),
    ("contracts", "expect_column_pair_values_a_to_be_greater_than_b", "end_date,start_date",
     "end_date=2019-05-31, start_date=2019-06-01",
     {"contract_id": "C5", "account_id": "A1", "start_date": "2019-06-01",
      "end_date": "2019-05-31", "committed_value": 10, "currency": "EUR"}),
    ("contracts", "expect_column_values_to_be_between", "committed_value", "-10",
     {"contract_id": "C6", "account_id": "A1", "start_date": "2018-01-01",
      "end_date": "2018-12-31", "committed_value": -10, "currency": "EUR"}),
]


@pytest.fixture(scope="module")
def warning_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warnings")
    rows = clean_rows()
    # 'EURO' is a malformed code that fx_rates does list: only the ISO format check trips.
    rows["fx_rates"].append({"month": "2026-10", "currency": "EURO", "rate_to_reporting": 1})
    # Lower case is read as upper case, as staging reads it: neither check trips.
    rows["orders"][0]["currency"] = " eur"
    lines = [add(rows, table, **row) for table, *_, row in WARNING_ROWS]
    # Two contracts of A2 overlap in December 2026 (a cancelled one in between does not
    # count): a warning that keeps both rows.
    for contract_id, start, end, status in (("C8", "2026-01-01", "2026-12-31", None),
                                            ("C9", "2026-12-01", "2027-11-30", "active"),
                                            ("C10", "2026-06-01", "2026-06-30", "cancelled")):
        add(rows, "contracts", contract_id=contract_id, account_id="A2", start_date=start,
            end_date=end, committed_value=100, currency="EUR", status=status)
    warehouse = build_warehouse(folder / "kam.duckdb", rows)
    summary = validate_warehouse(**THRESHOLDS, warehouse=
        warehouse, run_id="run-w", month=MONTH, evidence_dir=folder / str(MONTH),
        previous_counts={"orders": 100, "tickets": 8},
    )
    return summary, warehouse, folder / str(MONTH), lines


def _quarantine(warehouse: Path, run_id: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select table_name, row_key, source_file, source_line, column_name, value, "
            "expectation from audit.quarantine where run_id = ? "
            "order by table_name, source_line, expectation",
            [run_id],
        ).fetchall()


def test_warnings_do_not_block(warning_run):
    summary, *_ = warning_run
    assert summary.success
    assert summary.failure_line() is None
    assert summary.blocking_failures == []


@pytest.mark.parametrize("case", range(len(WARNING_ROWS)),
                         ids=[f"{t}-{c}-{v}" for t, _, c, v, _ in WARNING_ROWS])
def test_each_warning_row_is_quarantined(warning_run, case):
    summary, warehouse, _, lines = warning_run
    table, expectation, column, value, row = WARNING_ROWS[case]
    key = row[TABLES[table].key]
    assert (table, key, f"{table}.csv", lines[case], column, value, expectation) in _quarantine(
        warehouse, "run-w"
    )


def test_only_the_bad_rows_are_quarantined(warning_run):
    summary, warehouse, _, lines = warning_run
    quarantined = {(t, line) for t, _, _, line, *_ in _quarantine(warehouse, "run-w")}
    assert quarantined == {(t, line) for (t, *_), line in zip(WARNING_ROWS, lines, strict=True)}
    assert summary.quarantined_rows == len(WARNING_ROWS)


def test_volume_drop_is_flagged_without_quarantine(warning_run):
    summary, *_ = warning_run
    volume = [
        w for w in summary.warnings if w.expectation == "expect_table_row_count_to_be_between"
    ]
    # orders: 7 rows against 100 before (at least 50 expected); tickets: 7 against 8 is fine.
    assert [(w.table, w.value) for w in volume] == [("orders", "7")]


def test_results_recorded_for_every_expectation(warning_run):
    summary, warehouse, evidence, _ = warning_run
    expected = sum(
        len(json.loads(p.read_text())["expectations"])
        for p in (Path(__file__).parents[2] / "expectations").glob("*.json")
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (count, failed), = con.execute(
            "select count(*), count(*) filter (where not success) "
            "from audit.validation_results where run_id = 'run-w'"
        ).fetchall()
    assert count == expected == summary.expectations_evaluated
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((details,),) = con.execute(
            "select details from audit.validation_results where run_id = 'run-w' "
            "and table_name = 'orders' and column_name = 'account_id' and not success"
        ).fetchall()
    assert json.loads(details)["unexpected_rows"] == [
        {"order_id": "O3", "_source_file": "orders.csv", "_source_line": "4", "account_id": "A99"}
    ]
    # 28 bad rows trip 28 distinct checks (each survey type has its own scale check),
    # plus the volume check on orders and the overlap of A2's contracts.
    assert failed == len(summary.warnings) == 30


def test_overlapping_contracts_warn_and_keep_their_rows(warning_run):
    summary, warehouse, *_ = warning_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ((severity, count, details),) = con.execute(
            "select severity, unexpected_count, details from audit.validation_results "
            "where run_id = 'run-w' and table_name = 'contracts' "
            "and column_name = 'contract_id' and not success"
        ).fetchall()
    assert (severity, count) == ("warning", 2)
    flagged = [row["contract_id"] for row in json.loads(details)["unexpected_rows"]]
    assert sorted(flagged) == ["C8", "C9"]
    kept = {key for table, key, *_ in _quarantine(warehouse, "run-w") if table == "contracts"}
    assert kept.isdisjoint({"C8", "C9", "C10"})


def test_evidence_json_and_data_docs_name_the_failures(warning_run):
    summary, _, evidence, _ = warning_run
    saved = json.loads((evidence / "dq" / "summary.json").read_text())
    assert saved["success"] is True and saved["quarantined_rows"] == len(WARNING_ROWS)
    assert "dq/orders.json" in saved["paths"] and "data_docs/index.html" in saved["paths"]
    orders = json.loads((evidence / "dq" / "orders.json").read_text())
    assert orders["success"] is False
    assert "validation_time" not in json.dumps(orders)
    page = next((evidence / "data_docs" / "validations" / "surveys").rglob("*.html"))
    html = page.read_text()
    assert "score" in html and "11" in html
    assert (evidence / "data_docs" / "index.html").exists()


def test_rerun_of_the_same_run_replaces_its_rows_and_keeps_extract_quarantine(tmp_path):
    rows = clean_rows()
    add(rows, "orders", order_id="O9", account_id="A99", order_date="2026-10-06", amount=1,
        currency="EUR")
    warehouse = build_warehouse(tmp_path / "kam.duckdb", rows)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into audit.quarantine values ('r', 'orders', 'O8', 'orders.csv', "
                    "9, 'amount', 'abc', 'parse_money', 'not a number')")
    for _ in range(2):
        validate_warehouse(
            **THRESHOLDS, warehouse=warehouse, run_id="r", month=MONTH,
            evidence_dir=tmp_path / "out",
        )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "select expectation, row_key from audit.quarantine order by row_key"
        ).fetchall() == [("parse_money", "O8"), (SQL_CHECK, "O9")]
        results = con.execute("select count(*) from audit.validation_results").fetchall()[0][0]
    assert results == sum(
        len(json.loads(p.read_text())["expectations"])
        for p in (Path(__file__).parents[2] / "expectations").glob("*.json")
    )


@pytest.fixture(scope="module")
def blocking_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blocking")
    rows = clean_rows()
    rows["orders"][1]["order_date"] = "2026-10-05"  # nothing in the month's last week
    lines = {
        "null account key": add(rows, "accounts", account_name="Nameless",
                                account_manager_id="M1", created_at="2024-01-01"),
        "duplicate order": add(rows, "orders", order_id="O1", account_id="A1",
                               order_date="2026-10-02", amount=1, currency="EUR"),
        "currency without rate": add(rows, "orders", order_id="O8", account_id="A1",
                                     order_date="2026-10-02", amount=1, currency="USD"),
        "contract currency without rate": add(rows, "contracts", contract_id="C2",
                                              account_id="A1", start_date="2025-01-01",
                                              end_date="2025-12-31", committed_value=5,
                                              currency="CHF"),
        "null ticket key": add(rows, "tickets", account_id="A1",
                               opened_at="2026-10-01 10:00", priority="low"),
        "unknown tier override": add(rows, "accounts", account_id="A5", account_name="E",
                                     account_manager_id="M1", created_at="2024-01-01",
                                     tier_override="gold"),
        "manager without email": add(rows, "account_managers", manager_id="M3", name="Cy"),
        "bad month": add(rows, "fx_rates", month="2026-13", currency="GBP",
                         rate_to_reporting=1.2),
        "zero rate": add(rows, "fx_rates", month="2026-09", currency="EUR",
                         rate_to_reporting=0),
        "duplicate rate": add(rows, "fx_rates", month="2026-10", currency="EUR",
                              rate_to_reporting=1),
    }
    warehouse = build_warehouse(folder / "kam.duckdb", rows)
    summary = validate_warehouse(**THRESHOLDS, warehouse=warehouse, run_id="run-b", month=MONTH,
                                 evidence_dir=folder / str(MONTH))
    return summary, warehouse, lines


BLOCKING_CASES = {
    "null account key": ("accounts", "expect_column_values_to_not_be_null", "account_id", None),
    "duplicate order": ("orders", "expect_column_values_to_be_unique", "order_id", "O1"),
    "currency without rate": ("orders", SQL_CHECK, "currency", "USD"),
    "contract currency without rate": ("contracts", SQL_CHECK, "currency", "CHF"),
    "null ticket key": ("tickets", "expect_column_values_to_not_be_null", "ticket_id", None),
    "unknown tier override": ("accounts", "expect_column_values_to_be_in_set", "tier_override",
                              "gold"),
    "manager without email": ("account_managers", "expect_column_values_to_not_be_null",
                              "email", None),
    "bad month": ("fx_rates", SQL_CHECK, "month", "2026-13"),
    "zero rate": ("fx_rates", "expect_column_values_to_be_between", "rate_to_reporting", "0"),
    "duplicate rate": ("fx_rates", SQL_CHECK, "month,currency", "month=2026-10, currency=EUR"),
}


@pytest.mark.parametrize("case", list(BLOCKING_CASES))
def test_each_blocking_row_stops_the_run(blocking_run, case):
    summary, _, lines = blocking_run
    table, expectation, column, value = BLOCKING_CASES[case]
    found = [(f.table, f.expectation, f.column, f.source_file, f.source_line, f.value)
             for f in summary.blocking_failures]
    line = lines[case]
    if case.startswith("duplicate"):  # the example is the first of the duplicated rows
        line = 2
    assert (table, expectation, column, f"{table}.csv", line, value) in found


def test_blocking_run_fails_with_one_line_naming_file_row_and_column(blocking_run):
    summary, warehouse, lines = blocking_run
    assert not summary.success
    assert len(summary.blocking_failures) == len(BLOCKING_CASES)
    first = summary.failure_line()
    assert first.startswith(
        f"data quality: accounts.csv line {lines['null account key']}, column account_id: "
        "expect_column_values_to_not_be_null failed"
    )
    assert "9 more blocking failure(s)" in first and "\n" not in first
    error = DataQualityError(first)
    assert error.exit_code == 3
    # Blocking failures set nothing aside: the whole month stops instead.
    assert _quarantine(warehouse, "run-b") == []


def test_stale_export_is_flagged(blocking_run):
    summary, *_ = blocking_run
    (stale,) = [w for w in summary.warnings if w.expectation == "expect_column_max_to_be_between"]
    assert (stale.table, stale.column) == ("orders", "order_date")
    assert stale.value == "2026-10-05T00:00:00"


def test_structural_failures_block(tmp_path):
    rows = clean_rows()
    for account in rows["accounts"]:
        del account["account_name"]
    for survey in rows["surveys"]:
        del survey["survey_type"]
    warehouse = build_warehouse(tmp_path / "kam.duckdb", rows, ddl={
        "accounts": TABLES["accounts"].ddl().replace('"account_name" VARCHAR, ', ""),
        "surveys": TABLES["surveys"].ddl().replace('"survey_type" VARCHAR, ', ""),
        "orders": TABLES["orders"].ddl().replace('"amount" DECIMAL(18, 4)', '"amount" VARCHAR'),
        "tickets": TABLES["tickets"].ddl().replace('"opened_at" TIMESTAMP',
                                                   '"opened_at" VARCHAR'),
        "account_managers": "",
    })
    summary = validate_warehouse(**THRESHOLDS, warehouse=warehouse, run_id="run-s", month=MONTH,
                                 evidence_dir=tmp_path / str(MONTH))
    found = {(f.table, f.expectation, f.column) for f in summary.blocking_failures}
    assert ("account_managers", "required_file_provided", None) in found
    assert ("accounts", "expect_column_to_exist", "account_name") in found
    assert ("surveys", "expect_column_to_exist", "survey_type") in found
    assert ("orders", SQL_CHECK, "amount") in found
    assert ("tickets", SQL_CHECK, "opened_at") in found
    assert not summary.success


def test_volume_compares_with_the_previous_load_in_the_manifest(tmp_path):
    warehouse = build_warehouse(tmp_path / "kam.duckdb", clean_rows())
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "insert into audit.load_manifest (run_id, table_name, path, sha256, rows, provided, "
            "profile, loaded_at) values "
            "('old', 'orders', 'orders.csv', null, 5, true, 'canonical', '2026-10-01'), "
            "('older', 'orders', 'orders.csv', null, 3, true, 'canonical', '2026-09-01'), "
            "('now', 'orders', 'orders.csv', null, 2, true, 'canonical', '2026-11-01'), "
            "('old', 'surveys', 'surveys.csv', null, 6, true, 'canonical', '2026-10-01')"
        )
    summary = validate_warehouse(**THRESHOLDS, warehouse=warehouse, run_id="now", month=MONTH,
                                 evidence_dir=tmp_path / str(MONTH))
    # orders: 2 rows against 5 in the latest earlier run ('now' itself is not "previous");
    # surveys: 3 rows against 6 is a drop of exactly half, which is allowed.
    flagged = [(w.table, w.value) for w in summary.warnings
               if w.expectation == "expect_table_row_count_to_be_between"]
    assert flagged == [("orders", "2")]


def test_evidence_is_the_same_bytes_for_the_same_run(tmp_path):
    """The month's manifest lists these files with their sha256."""
    rows = clean_rows()
    add(rows, "orders", order_id="O9", account_id="A99", order_date="2026-10-06", amount=1,
        currency="EUR")
    warehouse = build_warehouse(tmp_path / "kam.duckdb", rows)
    trees = []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        validate_warehouse(
            **THRESHOLDS, warehouse=warehouse, run_id="r", month=MONTH, evidence_dir=out)
        trees.append({p.relative_to(out).as_posix(): p.read_bytes()
                      for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]
    assert any(name.startswith("data_docs/validations/orders/") for name in trees[0])


def test_rows_of_a_quarantined_account_follow_it(tmp_path):
    rows = clean_rows()
    dormant = add(rows, "accounts", account_id="A4", account_name="D", account_manager_id="M1",
                  created_at="2024-01-01", status="dormant")
    order = add(rows, "orders", order_id="O9", account_id="A4", order_date="2026-10-06",
                amount=1, currency="EUR")
    survey = add(rows, "surveys", response_id="S9", account_id="A4",
                 submitted_at="2026-10-03 08:00", survey_type="NPS", score=3)
    warehouse = build_warehouse(tmp_path / "kam.duckdb", rows)
    summary = validate_warehouse(
        **THRESHOLDS, warehouse=warehouse, run_id="c", month=MONTH, evidence_dir=tmp_path / "o")
    assert _quarantine(warehouse, "c") == [
        ("accounts", "A4", "accounts.csv", dormant, "status", "dormant",
         "expect_column_values_to_be_in_set"),
        ("orders", "O9", "orders.csv", order, "account_id", "A4", "parent_quarantined"),
        ("surveys", "S9", "surveys.csv", survey, "account_id", "A4", "parent_quarantined"),
    ]
    assert summary.quarantined_rows == 3 and summary.success
