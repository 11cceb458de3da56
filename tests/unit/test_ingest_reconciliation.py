"""Every row read is accounted for: landed, filtered out by keep_when, quarantined or
deduplicated, per file in audit.load_manifest, and a blocking check fails when a row goes
missing between the manifest and the raw table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kam.extract.landing import extract_export
from kam.month import Month
from kam.validate.validation import validate_warehouse

MONTH = Month(2026, 10)
THRESHOLDS = {"max_volume_drop": 0.5, "freshness_grace_days": 7}
ACCOUNTS = "account_id,account_name,account_manager_id,created_at\nA1,Acme,M1,2025-01-02\n"
MANAGERS = "manager_id,name,email\nM1,Ann,ann@example.com\n"
# 6 data rows and one malformed row: O2 is a draft (filtered), O3 has no readable amount
# (quarantined), O4 is superseded by the delta file, the last line has a field too many.
ORDERS = ("order_id,account_id,order_date,amount,currency,state,updated_at\n"
          "O1,A1,2026-10-01,10.00,USD,Approved,2026-10-01 09:00\n"
          "O2,A1,2026-10-02,20.00,USD,Draft,2026-10-02 09:00\n"
          "O3,A1,2026-10-03,ten,USD,Approved,2026-10-03 09:00\n"
          "O4,A1,2026-10-04,40.00,USD,approved ,2026-10-04 09:00\n"
          "O5,A1,2026-10-05,50.00,USD,APPROVED,2026-10-05 09:00\n"
          "O6,A1,2026-10-06,60.00,USD,Approved,2026-10-06 09:00,extra\n"
          "O7,A1,2026-10-07,70.00,USD,Approved,2026-10-07 09:00\n")
DELTA = ("order_id,account_id,order_date,amount,currency,state,updated_at\n"
         "O4,A1,2026-10-04,45.00,USD,Approved,2026-10-20 09:00\n")
PROFILE = """name: approvals
tables:
  orders:
    files: [orders.csv, orders_*.csv]
    keep_when:
      - columns: [state]
        values: [Approved]
"""


@pytest.fixture()
def landed(tmp_path: Path):
    export = tmp_path / "export"
    export.mkdir()
    for name, text in {"accounts.csv": ACCOUNTS, "account_managers.csv": MANAGERS,
                       "orders.csv": ORDERS, "orders_2026-10.csv": DELTA}.items():
        (export / name).write_text(text, encoding="utf-8")
    profile = tmp_path / "approvals.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="r1", profile=profile)
    return warehouse, summary


def manifest(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select path, rows_read, rows, rows_filtered, filter_rule, rows_quarantined, "
            "rows_deduplicated from audit.load_manifest where table_name = 'orders' "
            "order by path").fetchall()


def test_each_file_reconciles_read_with_landed_filtered_quarantined_deduplicated(landed):
    warehouse, summary = landed
    # orders.csv: 7 read = 3 landed (O1, O5, O7) + 1 filtered (O2 Draft) + 2 quarantined
    # (O3's amount, O6 malformed) + 1 deduplicated (O4, superseded by the delta).
    # keep_when compares the export's own words, trimmed and case-insensitively
    # ("approved " and "APPROVED" are kept).
    assert manifest(warehouse) == [
        ("orders.csv", 7, 3, 1, "state in (Approved)", 2, 1),
        ("orders_2026-10.csv", 1, 1, 0, "state in (Approved)", 0, 0),
    ]
    orders = summary.table("orders")
    assert (orders.read_rows, orders.rows, orders.filtered_rows, orders.quarantined_rows,
            orders.superseded_rows) == (8, 4, 1, 2, 1)
    assert orders.summary_line() == (
        "orders: 8 read = 4 landed + 1 filtered + 2 quarantined + 1 deduplicated "
        "(kept: state in (Approved)); not provided: cost")
    assert summary.lines()[0] == "rows per table (profile approvals):"
    assert "  tickets: not provided" in summary.lines()


def _reconciliation_results(warehouse: Path, tmp_path: Path) -> list[tuple]:
    validate_warehouse(**THRESHOLDS, warehouse=warehouse, run_id="r1", month=MONTH,
                       evidence_dir=tmp_path / "evidence")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select table_name, severity, success, unexpected_count from "
            "audit.validation_results where column_name = 'reconciliation' and not success"
        ).fetchall()


def test_the_reconciliation_check_passes_when_every_row_is_accounted_for(landed, tmp_path):
    warehouse, _ = landed
    assert _reconciliation_results(warehouse, tmp_path) == []


def test_a_row_missing_from_raw_fails_the_blocking_reconciliation_check(landed, tmp_path):
    warehouse, _ = landed
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from raw.orders where order_id = 'O5'")
    assert _reconciliation_results(warehouse, tmp_path) == [("orders", "blocking", False, 1)]
    summary = validate_warehouse(**THRESHOLDS, warehouse=warehouse, run_id="r1", month=MONTH,
                                 evidence_dir=tmp_path / "again")
    assert not summary.success
    finding = summary.blocking_failures[0]
    assert (finding.source_file, finding.column) == ("orders.csv", "reconciliation")
    assert finding.value == ("read 7 = landed 3 + filtered 1 + quarantined 2 + "
                             "deduplicated 1; rows in the table: 2")


def test_a_manifest_that_does_not_add_up_fails_the_check(landed, tmp_path):
    warehouse, _ = landed
    with duckdb.connect(str(warehouse)) as con:  # a row counted nowhere
        con.execute("update audit.load_manifest set rows_filtered = 0 "
                    "where path = 'orders.csv'")
    assert _reconciliation_results(warehouse, tmp_path) == [("orders", "blocking", False, 1)]
