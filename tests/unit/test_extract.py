"""Landing the canonical layout: typed raw tables, lineage, audit rows, one transaction."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

import kam.extract.landing
from kam.errors import DataQualityError, UsageError
from kam.extract.landing import extract_export, input_fingerprint, profile_fingerprint

ACCOUNTS = (
    "account_id,account_name,account_manager_id,created_at,status\n"
    "A1,Acme,M1,2025-01-02,active\n"
    'A2,"Beta\nCo",M1,2025-03-04,inactive\n'
    "A3,Gamma,M1,2025-13-01,active\n"
)
MANAGERS = "manager_id,name,email,team\nM1,Ann Lee,ann@example.com,East\n"
ORDERS = (
    "order_id,account_id,order_date,amount,currency,cost\n"
    "O1,A1,2026-01-02,12.50,USD,\n"
    "O2,A1,2026-01-03,-3.25,USD,1.10\n"
    "O3,A2,2026-01-04,abc,USD,x\n"
)
TICKETS = (
    "ticket_id,account_id,opened_at,priority\n"
    "T1,A1,2026-10-01T06:03:00Z,urgent\n"
    "T2,A1,2026-10-01 14:03:00,high\n"
    "T3,A1,2026-10-01 08:00:00+0200,low\n"
)


def write_export(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export", accounts=ACCOUNTS, account_managers=MANAGERS,
                        orders=ORDERS, tickets=TICKETS)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_lands_typed_rows_with_lineage(export: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    extract_export(export, warehouse, run_id="r1")
    assert query(warehouse, "select * from raw.accounts order by _source_line") == [
        ("A1", "Acme", None, None, None, "M1", date(2025, 1, 2), "active", None,
         "accounts.csv", 2),
        # the quoted name spans lines 3-4, so A3 (quarantined) starts on line 5
        ("A2", "Beta\nCo", None, None, None, "M1", date(2025, 3, 4), "inactive", None,
         "accounts.csv", 3),
    ]
    assert query(warehouse, "select order_id, amount, cost from raw.orders order by 1") == [
        ("O1", Decimal("12.5000"), None),
        ("O2", Decimal("-3.2500"), Decimal("1.1000")),
    ]
    types = dict(query(warehouse, "select column_name, data_type from information_schema.columns "
                                  "where table_schema = 'raw' and table_name = 'orders'"))
    assert types["amount"] == "DECIMAL(18,4)" and types["order_date"] == "DATE"


def test_offsets_convert_to_configured_timezone(export: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    extract_export(export, warehouse, run_id="r1", timezone="Asia/Shanghai")
    assert query(warehouse, "select ticket_id, opened_at from raw.tickets order by 1") == [
        ("T1", datetime(2026, 10, 1, 14, 3)),  # 06:03 UTC is 14:03 in Shanghai
        ("T2", datetime(2026, 10, 1, 14, 3)),  # no offset: already local wall time
        ("T3", datetime(2026, 10, 1, 14, 0)),  # 08:00 at +02:00 is 06:00 UTC
    ]


def test_unparseable_values_are_quarantined_not_landed(export: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="r1")
    rows = query(warehouse, "select table_name, row_key, source_file, source_line, column_name,"
                            " value, reason from audit.quarantine order by 1, 4, 5")
    assert rows == [
        ("accounts", "A3", "accounts.csv", 5, "created_at", "2025-13-01",
         "not a date (expected YYYY-MM-DD)"),
        ("orders", "O3", "orders.csv", 4, "amount", "abc",
         "not an amount (expected a decimal number such as -1234.50)"),
        ("orders", "O3", "orders.csv", 4, "cost", "x",
         "not an amount (expected a decimal number such as -1234.50)"),
    ]
    assert summary.quarantined == 3
    assert summary.table("orders").rows == 2
    assert summary.table("orders").quarantined_rows == 1


def test_manifest_and_summary_cover_every_canonical_file(export: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="r1")
    orders_sha = hashlib.sha256(ORDERS.encode()).hexdigest()
    manifest = query(warehouse, "select table_name, path, sha256, rows, provided, profile "
                                "from audit.load_manifest order by table_name")
    assert manifest == [
        ("account_managers", "account_managers.csv",
         hashlib.sha256(MANAGERS.encode()).hexdigest(), 1, True, "canonical"),
        ("accounts", "accounts.csv", hashlib.sha256(ACCOUNTS.encode()).hexdigest(), 2, True,
         "canonical"),
        ("contracts", "contracts.csv", None, 0, False, "canonical"),
        ("fx_rates", "fx_rates.csv", None, 0, False, "canonical"),
        ("interactions", "interactions.csv", None, 0, False, "canonical"),
        ("orders", "orders.csv", orders_sha, 2, True, "canonical"),
        ("surveys", "surveys.csv", None, 0, False, "canonical"),
        ("tickets", "tickets.csv", hashlib.sha256(TICKETS.encode()).hexdigest(), 3, True,
         "canonical"),
    ]
    assert summary.table("orders").sha256 == orders_sha
    assert summary.table("surveys").provided is False
    assert query(warehouse, "select count(*) from raw.surveys") == [(0,)]
    assert ("orders.csv", orders_sha) in input_fingerprint(export, "canonical")
    assert len(input_fingerprint(export, "canonical")) == 4


def test_missing_required_column_names_file_columns_and_closest_match(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", accounts=ACCOUNTS, account_managers=MANAGERS,
                          orders="order_id,account_id,order_date,amout,currency\n")
    with pytest.raises(DataQualityError) as failure:
        extract_export(export, tmp_path / "w.duckdb", run_id="r1")
    assert failure.value.message == (
        "orders.csv: required column 'amount' not found; columns found: order_id, "
        "account_id, order_date, amout, currency; closest match: 'amout'")
    assert failure.value.exit_code == 3


def test_missing_required_file_is_named(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", accounts=ACCOUNTS, account_managers=MANAGERS,
                          order=ORDERS)
    with pytest.raises(DataQualityError) as failure:
        extract_export(export, tmp_path / "w.duckdb", run_id="r1")
    assert failure.value.message == (
        f"orders.csv: required file not found in {export}; files found: "
        "account_managers.csv, accounts.csv, order.csv; closest match: 'order.csv'")


def test_usage_errors(export: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="^unknown profile 'sap'; built-in profiles: canonical,"):
        extract_export(export, tmp_path / "w.duckdb", run_id="r1", profile="sap")
    with pytest.raises(UsageError) as failure:
        extract_export(tmp_path / "nope", tmp_path / "w.duckdb", run_id="r1")
    assert failure.value.message == f"input folder not found: {tmp_path / 'nope'}"


def test_failed_load_leaves_warehouse_as_it_was(export: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    warehouse = tmp_path / "w.duckdb"
    extract_export(export, warehouse, run_id="r1")
    before = query(warehouse, "select * from raw.accounts order by 1")
    real_typed_sql = kam.extract.landing.typed_sql

    def fail_on_orders(read, *args):
        if read.table.name == "orders":  # accounts were already replaced by then
            raise RuntimeError("disk full")
        return real_typed_sql(read, *args)

    monkeypatch.setattr(kam.extract.landing, "typed_sql", fail_on_orders)
    (export / "accounts.csv").write_text(ACCOUNTS.replace("Acme", "Changed"), encoding="utf-8")
    with pytest.raises(RuntimeError, match="disk full"):
        extract_export(export, warehouse, run_id="r2")
    assert query(warehouse, "select * from raw.accounts order by 1") == before
    assert query(warehouse, "select distinct run_id from audit.load_manifest") == [("r1",)]


def test_unknown_timezone_is_a_usage_error(export: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as failure:
        extract_export(export, tmp_path / "w.duckdb", run_id="r1", timezone="Not/AZone")
    assert failure.value.message == "unknown timezone 'Not/AZone'"


def test_profile_fingerprint_follows_the_profile_content(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\ntables:\n  orders:\n    files: [o.csv]\n", encoding="utf-8")
    first = profile_fingerprint(mine)
    assert first == profile_fingerprint(mine)
    mine.write_text("name: mine\ntables:\n  orders:\n    files: [x.csv]\n", encoding="utf-8")
    assert profile_fingerprint(mine) != first
    assert profile_fingerprint("canonical") != first
