"""Idempotent landing, delta exports, corrected exports, report footers, ZIP and Excel."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest

from kam.errors import DataQualityError
from kam.extract.landing import extract_export

ACCOUNTS = "account_id,account_name,account_manager_id,created_at\nA1,Acme,M1,2025-01-02\n"
MANAGERS = "manager_id,name,email\nM1,Ann,ann@example.com\n"
SNAPSHOT = ("order_id,account_id,order_date,amount,currency,updated_at\n"
            "O1,A1,2026-09-01,10.00,USD,2026-09-01 10:00:00\n"
            "O2,A1,2026-09-02,20.00,USD,2026-09-02 10:00:00\n")
DELTA = ("order_id,account_id,order_date,amount,currency,updated_at\n"
         "O1,A1,2026-09-01,15.00,USD,2026-10-05 09:00:00\n"
         "O3,A1,2026-10-03,30.00,USD,2026-10-03 12:00:00\n")


def export(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"accounts.csv": ACCOUNTS, "account_managers.csv": MANAGERS,
                       **files}.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


ORDERS_SQL = "select order_id, amount, _source_file, _source_line from raw.orders order by 1"


def test_delta_export_replaces_rows_by_key_keeping_the_latest(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT, "orders_2026-10.csv": DELTA})
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r1")
    assert rows(tmp_path / "w.duckdb", ORDERS_SQL) == [
        ("O1", Decimal("15.0000"), "orders_2026-10.csv", 2),
        ("O2", Decimal("20.0000"), "orders.csv", 3),
        ("O3", Decimal("30.0000"), "orders_2026-10.csv", 3),
    ]
    orders = summary.table("orders")
    assert (orders.rows, orders.superseded_rows) == (3, 1)
    assert [(f.path, f.rows) for f in orders.files] == [("orders.csv", 1),
                                                        ("orders_2026-10.csv", 2)]


def test_updated_at_beats_file_order(tmp_path: Path) -> None:
    stale = DELTA.replace("2026-10-05 09:00:00", "2026-08-01 00:00:00")
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT, "orders_2026-10.csv": stale})
    extract_export(folder, tmp_path / "w.duckdb", run_id="r1")
    assert rows(tmp_path / "w.duckdb", ORDERS_SQL)[0] == ("O1", Decimal("10.0000"),
                                                          "orders.csv", 2)


def test_loading_the_same_export_twice_changes_nothing(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT + "O9,A1,bad-date,1,USD,\n"})
    warehouse = tmp_path / "w.duckdb"
    extract_export(folder, warehouse, run_id="r1")
    snapshot_sql = ["select * from raw.orders order by all",
                    "select * from audit.load_manifest order by all",
                    "select * from audit.quarantine order by all"]
    before = [rows(warehouse, sql) for sql in snapshot_sql]
    extract_export(folder, warehouse, run_id="r1")
    assert [rows(warehouse, sql) for sql in snapshot_sql] == before
    assert len(before[2]) == 1  # the bad date, once


def test_corrected_export_replaces_that_exports_rows(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT, "orders_2026-10.csv": DELTA})
    warehouse = tmp_path / "w.duckdb"
    extract_export(folder, warehouse, run_id="r1")
    (folder / "orders_2026-10.csv").write_text(DELTA.replace("O3,A1,2026-10-03,30.00",
                                                             "O4,A1,2026-10-04,40.00"))
    extract_export(folder, warehouse, run_id="r2")
    assert [r[:2] for r in rows(warehouse, ORDERS_SQL)] == [
        ("O1", Decimal("15.0000")), ("O2", Decimal("20.0000")), ("O4", Decimal("40.0000"))]
    manifest = rows(warehouse, "select run_id, count(*) from audit.load_manifest "
                               "where table_name = 'orders' group by 1 order by 1")
    assert manifest == [("r1", 2), ("r2", 2)]


def test_fresh_warehouse_equals_one_with_history(tmp_path: Path) -> None:
    old = export(tmp_path / "old", {"orders.csv": SNAPSHOT})
    new = export(tmp_path / "new", {"orders.csv": SNAPSHOT, "orders_2026-10.csv": DELTA})
    extract_export(old, tmp_path / "history.duckdb", run_id="r-old")
    extract_export(new, tmp_path / "history.duckdb", run_id="r-new")
    extract_export(new, tmp_path / "fresh.duckdb", run_id="r-new")
    for table in ["accounts", "account_managers", "orders", "tickets"]:
        sql = f"select * from raw.{table} order by all"
        assert rows(tmp_path / "history.duckdb", sql) == rows(tmp_path / "fresh.duckdb", sql)


def test_report_footer_is_cut_and_malformed_rows_are_quarantined(tmp_path: Path) -> None:
    report = ('"order_id","account_id","order_date","amount","currency"\n'
              '"O1","A1","10/01/2026","$12,400.00","USD"\n'
              '"O2","A1","Sep 12, 2026"\n'
              '"O3","A1","46296","¥1,234.50","CNY"\n'
              "\n"
              '"Grand Totals (3 records)"\n'
              '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n')
    folder = export(tmp_path / "e", {"orders.csv": report})
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r1")
    assert rows(tmp_path / "w.duckdb", "select order_id, order_date, amount, _source_line "
                                       "from raw.orders order by 1") == [
        ("O1", date(2026, 10, 1), Decimal("12400.0000"), 2),
        ("O3", date(2026, 10, 1), Decimal("1234.5000"), 4),
    ]
    assert rows(tmp_path / "w.duckdb", "select source_line, value, reason from "
                                       "audit.quarantine") == [
        (3, '"O2","A1","Sep 12, 2026"', "malformed row: expected 5 fields, found 3")]
    assert summary.quarantined == 1


def test_zip_members_land_with_their_archive_path(tmp_path: Path) -> None:
    folder = tmp_path / "e"
    folder.mkdir()
    with zipfile.ZipFile(folder / "crm-export.zip", "w") as archive:
        archive.writestr("export/accounts.csv", ACCOUNTS)
        archive.writestr("export/account_managers.csv", MANAGERS)
        archive.writestr("export/orders.csv", SNAPSHOT)
        archive.writestr("__MACOSX/export/._orders.csv", "junk")
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r1")
    assert summary.table("orders").path == "crm-export.zip/export/orders.csv"
    assert rows(tmp_path / "w.duckdb", "select distinct _source_file from raw.orders") == [
        ("crm-export.zip/export/orders.csv",)]
    (folder / "orders.csv").write_text(SNAPSHOT)  # beside the archive, not in it
    given_directly = extract_export(folder / "crm-export.zip", tmp_path / "z.duckdb",
                                    run_id="r1")
    assert given_directly.table("orders").path == "crm-export.zip/export/orders.csv"


def test_excel_typed_cells_and_serial_dates(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT})
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ticket_id", "account_id", "opened_at", "priority", "first_response_at"])
    sheet.append(["T1", "A1", datetime(2026, 10, 1, 14, 3), "紧急", 46296.75])
    sheet.append([7, "A1", "2026-10-02T01:00:00Z", "High", None])
    workbook.save(folder / "tickets.xlsx")
    extract_export(folder, tmp_path / "w.duckdb", run_id="r1", timezone="Asia/Shanghai")
    assert rows(tmp_path / "w.duckdb", "select ticket_id, opened_at, priority, "
                                       "first_response_at, _source_line from raw.tickets "
                                       "order by 1") == [
        ("7", datetime(2026, 10, 2, 9, 0), "high", None, 3),
        ("T1", datetime(2026, 10, 1, 14, 3), "urgent", datetime(2026, 10, 1, 18, 0), 2),
    ]


def test_user_profile_with_decimal_comma_day_first_and_derived_managers(tmp_path: Path) -> None:
    profile = tmp_path / "mine.yaml"
    profile.write_text(
        "name: mine\n"
        "formats: {decimal: ',', day_first: true, encoding: cp1252}\n"
        "tables:\n"
        "  accounts:\n"
        "    files: ['kunden*.csv']\n"
        "    columns: {account_id: [Kundennr], account_name: [Name],"
        " account_manager_id: [Betreuer], created_at: [Angelegt am]}\n"
        "  account_managers:\n"
        "    files: ['kunden*.csv']\n"
        "    distinct: true\n"
        "    columns: {manager_id: [Betreuer], name: [Betreuer], email: [Betreuer E-Mail]}\n"
        "  orders:\n"
        "    files: ['auftraege*.csv']\n"
        "    columns: {order_id: [Auftrag], account_id: [Kundennr], order_date: [Datum],"
        " amount: [Netto], currency: [Währung]}\n", encoding="utf-8")
    folder = tmp_path / "e"
    folder.mkdir()
    (folder / "kunden.csv").write_text(
        "Kundennr;Name;Betreuer;Betreuer E-Mail;Angelegt am\n"
        "K1;Müller GmbH;Eva;eva@example.de;02/01/2025\n"
        "K2;Schmidt AG;Eva;eva@example.de;03/01/2025\n", encoding="cp1252")
    (folder / "auftraege.csv").write_text(
        "Auftrag;Kundennr;Datum;Netto;Währung\n"
        "A-1;K1;01/10/2026;1.234,50 €;EUR\n", encoding="utf-8-sig")  # the BOM wins
    summary = extract_export(folder, tmp_path / "w.duckdb", run_id="r1", profile=str(profile))
    warehouse = tmp_path / "w.duckdb"
    assert rows(warehouse, "select order_date, amount from raw.orders") == [
        (date(2026, 10, 1), Decimal("1234.5000"))]
    assert rows(warehouse, "select manager_id, name, email from raw.account_managers") == [
        ("Eva", "Eva", "eva@example.de")]
    assert rows(warehouse, "select account_name, created_at from raw.accounts order by 1") == [
        ("Müller GmbH", date(2025, 1, 2)), ("Schmidt AG", date(2025, 1, 3))]
    assert summary.profile == "mine" and summary.table("account_managers").superseded_rows == 1


def test_blank_line_inside_a_quoted_field_is_not_a_footer(tmp_path: Path) -> None:
    tickets = ("ticket_id,account_id,opened_at,priority,status\n"
               'T1,A1,2026-10-01 09:00:00,high,"line one\n\nthanks"\n')
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT, "tickets.csv": tickets})
    extract_export(folder, tmp_path / "w.duckdb", run_id="r1")
    assert rows(tmp_path / "w.duckdb", "select ticket_id, status from raw.tickets") == [
        ("T1", "line one\n\nthanks")]


def test_rerun_keeps_quarantine_rows_written_by_validation(tmp_path: Path) -> None:
    folder = export(tmp_path / "e", {"orders.csv": SNAPSHOT + "O9,A1,bad-date,1,USD,\n"})
    warehouse = tmp_path / "w.duckdb"
    extract_export(folder, warehouse, run_id="r1")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into audit.quarantine values ('r1', 'orders', 'O2', 'orders.csv', "
                    "3, 'status', 'x', 'expect_column_values_to_be_in_set', 'not in set')")
    extract_export(folder, warehouse, run_id="r1")
    assert rows(warehouse, "select expectation from audit.quarantine order by 1") == [
        ("expect_column_values_to_be_in_set",), ("parse_date",)]


def test_a_problem_in_a_later_file_leaves_the_warehouse_as_it_was(tmp_path: Path) -> None:
    """Tables are read and landed one at a time; a header-only orders.csv, found after the
    accounts have landed, still rolls everything back."""
    warehouse = tmp_path / "kam.duckdb"
    extract_export(export(tmp_path / "good", {"orders.csv": SNAPSHOT}), warehouse, run_id="r1")
    bad = export(tmp_path / "bad", {"orders.csv": SNAPSHOT.splitlines()[0] + "\n"})
    (bad / "accounts.csv").write_text(ACCOUNTS + "A2,Beta,M1,2025-02-03\n", encoding="utf-8")
    with pytest.raises(DataQualityError, match="orders.csv: has a header but no data rows"):
        extract_export(bad, warehouse, run_id="r2")
    assert rows(warehouse, "select account_id from raw.accounts") == [("A1",)]
    assert rows(warehouse, ORDERS_SQL) == [("O1", Decimal("10.0000"), "orders.csv", 2),
                                           ("O2", Decimal("20.0000"), "orders.csv", 3)]
    assert rows(warehouse, "select distinct run_id from audit.load_manifest") == [("r1",)]

    fresh = tmp_path / "fresh" / "kam.duckdb"
    with pytest.raises(DataQualityError):
        extract_export(bad, fresh, run_id="r2")
    assert not fresh.exists()  # a warehouse this load created is not left behind empty
