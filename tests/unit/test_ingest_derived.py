"""Derived columns, name-keyed links and per-table formats, declared in a profile."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kam.errors import DataQualityError, UsageError
from kam.extract import check_profile, load_profile
from kam.extract.landing import extract_export
from kam.month import Month
from kam.validate.validation import validate_warehouse

# A HubSpot export as the product writes it: users with User ID, First Name and Last
# Name; companies naming their owner; tickets with the first agent email response date.
HUBSPOT = {
    "hubspot-crm-exports-all-companies-2026-10-31.csv":
        "Record ID,Company name,Company owner,Create Date\n"
        "101,Acme,Ann Lee,2025-01-02\n"
        "102,Beta,Bo Chen,2025-02-03\n"
        "103,Gamma,Nobody Known,2025-03-04\n",
    "users.csv":
        "User ID,First Name,Last Name,Email,Last login date,Assigned teams\n"
        "9001,Ann,Lee,ann@example.com,2026-10-30,East\n"
        "9002,Bo,Chen,bo@example.com,2026-10-29,West\n",
    "hubspot-crm-exports-all-deals-2026-10-31.csv":
        "Record ID,Associated Company IDs (Primary),Close Date,Amount,Deal Stage\n"
        "5001,101,2026-10-02,100,Closed Won\n"
        "5002,102,2026-10-03,200,Appointment Scheduled\n",
    "hubspot-crm-exports-all-tickets-2026-10-31.csv":
        "Record ID,Associated Company IDs (Primary),Create date,"
        "First agent email response date,Close date,Priority\n"
        "7001,101,2026-10-05 09:00,2026-10-05 10:30,2026-10-06 12:00,HIGH\n",
}


def write(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_hubspot_users_get_their_name_and_owners_are_matched_by_name(tmp_path: Path) -> None:
    export = write(tmp_path / "export", HUBSPOT)
    profile = tmp_path / "usd.yaml"  # HubSpot exports no currency for a one-currency portal
    profile.write_text("name: hubspot-usd\nextends: hubspot\ntables:\n  orders:\n"
                       "    files: ['*deal*.csv']\n    defaults: {currency: USD}\n"
                       "    columns: {order_id: [Record ID], account_id: "
                       "[Associated Company IDs (Primary)], order_date: [Close Date], "
                       "amount: [Amount], status: [Deal Stage]}\n"
                       "    values: {status: {completed: [Closed Won]}}\n"
                       "    keep_when: [{columns: [Deal Stage], values: [Closed Won]}]\n")
    summary = extract_export(export, tmp_path / "w.duckdb", run_id="r", profile=profile)
    warehouse = tmp_path / "w.duckdb"
    assert query(warehouse, "select manager_id, name, email, team from raw.account_managers "
                            "order by 1") == [("9001", "Ann Lee", "ann@example.com", "East"),
                                              ("9002", "Bo Chen", "bo@example.com", "West")]
    # Owners named by a user resolve to the user's ID; an unknown name stays as written
    # for the foreign-key check to report.
    assert query(warehouse, "select account_id, account_manager_id from raw.accounts "
                            "order by 1") == [("101", "9001"), ("102", "9002"),
                                              ("103", "Nobody Known")]
    assert query(warehouse, "select ticket_id, first_response_at::VARCHAR, "
                            "resolved_at::VARCHAR from raw.tickets") == [
        ("7001", "2026-10-05 10:30:00", "2026-10-06 12:00:00")]
    assert summary.table("tickets").columns_not_provided == []
    assert summary.table("orders").filtered_rows == 1


def test_check_reports_the_derived_column_and_both_counts(tmp_path: Path) -> None:
    report = check_profile(write(tmp_path / "export", HUBSPOT), "hubspot")
    managers = next(t for t in report.tables if t.table == "account_managers").files[0]
    assert managers.matched["name"] == "First Name + Last Name"
    deals = next(t for t in report.tables if t.table == "orders").files[0]
    assert (deals.rows, deals.kept_rows) == (2, 1)
    assert ("  orders: hubspot-crm-exports-all-deals-2026-10-31.csv (2 rows read, 1 kept by "
            "Deal Stage in (true, Yes, Closed Won, closedwon), utf-8, delimiter ',')"
            ) in report.lines()


def test_a_users_export_without_any_name_part_names_what_it_looked_for(tmp_path: Path):
    files = {**HUBSPOT, "users.csv": "User ID,Email\n9001,ann@example.com\n"}
    with pytest.raises(DataQualityError, match=r"users.csv: required column 'name' "
                                               r"\(looked for: First Name, Last Name\)"):
        extract_export(write(tmp_path / "export", files), tmp_path / "w.duckdb", run_id="r",
                       profile="hubspot")


def test_first_of_takes_the_first_non_empty_column_per_row(tmp_path: Path) -> None:
    export = write(tmp_path / "export", {
        "accounts.csv": "id,name,owner,created,region_override,state\n"
                        "A1,Acme,M1,2025-01-02,North,NY\nA2,Beta,M1,2025-01-03,,CA\n"
                        "A3,Gamma,M1,2025-01-04, ,\n",
        "account_managers.csv": "manager_id,name,email\nM1,Ann,ann@example.com\n",
        "orders.csv": "order_id,account_id,order_date,amount,currency\nO1,A1,2026-01-02,1,USD\n",
    })
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\ntables:\n  accounts:\n    files: [accounts.csv]\n"
                       "    columns: {account_id: [id], account_name: [name], "
                       "account_manager_id: [owner], created_at: [created]}\n"
                       "    derived:\n      region: {first_of: [region_override, state]}\n")
    extract_export(export, tmp_path / "w.duckdb", run_id="r", profile=profile)
    assert query(tmp_path / "w.duckdb", "select account_id, region from raw.accounts "
                                        "order by 1") == [("A1", "North"), ("A2", "CA"),
                                                          ("A3", None)]


def test_a_table_sets_its_own_delimiter_decimal_and_day_order(tmp_path: Path) -> None:
    export = write(tmp_path / "export", {
        "accounts.csv": "account_id,account_name,account_manager_id,created_at\n"
                        "A1,Acme,M1,01/02/2025\n",
        "account_managers.csv": "manager_id,name,email\nM1,Ann,ann@example.com\n",
        "orders.csv": "order_id;account_id;order_date;amount;currency\n"
                      "O1;A1;03/04/2026;1.234,50;EUR\n",
    })
    profile = tmp_path / "p.yaml"
    profile.write_text("name: p\nformats: {delimiter: ',', decimal: '.'}\ntables:\n"
                       "  orders:\n    files: [orders.csv]\n"
                       "    formats: {delimiter: ';', decimal: ',', day_first: true}\n")
    extract_export(export, tmp_path / "w.duckdb", run_id="r", profile=profile)
    warehouse = tmp_path / "w.duckdb"
    # orders read day first with a decimal comma; accounts keep the profile's month first
    assert query(warehouse, "select order_date::VARCHAR, amount from raw.orders") == [
        ("2026-04-03", Decimal("1234.5000"))]
    assert query(warehouse, "select created_at::VARCHAR from raw.accounts") == [
        ("2025-01-02",)]
    assert load_profile(profile).formats_for("accounts").decimal == "."


def test_an_invalid_derived_or_link_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntables:\n  account_managers:\n    files: [u.csv]\n"
                   "    derived: {name: {join: [A], first_of: [B]}}\n")
    with pytest.raises(UsageError, match="exactly one of join or first_of"):
        load_profile(bad)
    bad.write_text("name: bad\ntables:\n  accounts:\n    files: [a.csv]\n"
                   "    links: {account_manager_id: {table: account_managers, by: nick}}\n")
    with pytest.raises(UsageError, match="unknown column 'account_managers.nick'"):
        load_profile(bad)


def test_a_metric_input_no_column_provides_warns_once_named_after_the_metric(
        tmp_path: Path) -> None:
    files = {**HUBSPOT, "hubspot-crm-exports-all-tickets-2026-10-31.csv":
             "Record ID,Associated Company IDs (Primary),Create date,Priority\n"
             "7001,101,2026-10-05 09:00,HIGH\n7002,101,2026-10-06 09:00,LOW\n"}
    export = write(tmp_path / "export", files)
    profile = tmp_path / "usd.yaml"
    profile.write_text("name: hubspot-usd\nextends: hubspot\ntables:\n  orders:\n"
                       "    files: ['*deal*.csv']\n    defaults: {currency: USD}\n"
                       "    columns: {order_id: [Record ID], account_id: "
                       "[Associated Company IDs (Primary)], order_date: [Close Date], "
                       "amount: [Amount]}\n")
    warehouse = tmp_path / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="r", profile=profile)
    assert summary.table("tickets").columns_not_provided == ["first_response_at",
                                                             "resolved_at"]
    validation = validate_warehouse(warehouse, run_id="r", month=Month(2026, 10),
                                    evidence_dir=tmp_path / "evidence", max_volume_drop=0.5,
                                    freshness_grace_days=7)
    assert query(warehouse, "select table_name, expectation, column_name, severity, success "
                            "from audit.validation_results where expectation like "
                            "'%not_provided' order by all") == [
        ("orders", "gross_margin_not_provided", "cost", "warning", False),
        ("tickets", "first_response_sla_not_provided", "first_response_at", "warning", False),
        ("tickets", "resolution_time_not_provided", "resolved_at", "warning", False),
    ]
    assert validation.success  # a warning, not a blocking failure
    assert [f.expectation for f in validation.warnings].count(
        "first_response_sla_not_provided") == 1
