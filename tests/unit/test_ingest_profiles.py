"""Every built-in profile lands the same canonical rows from its own vendor's export.

The fixtures are written from each profile's own header names (first alias: the vendor's
documented label, cited in the profile), derived columns (HubSpot's First Name and Last
Name), file name patterns, vocabularies and row filters, in several encodings and file
types, so the test follows the profiles as they change. A column the vendor does not
export is left out of its export and compared as empty (or the profile's default).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from vendor_export import expected_rows, exported_columns, write_export

from kam.extract import check_profile, list_profiles, load_profile
from kam.extract.landing import extract_export
from kam.schema import METRIC_INPUTS, TABLES

MANAGER = "Ann Lee"  # the same in manager_id and name: HubSpot names owners by their name
CANONICAL_ROWS: dict[str, list[dict[str, str]]] = {
    "accounts": [
        {"account_id": "A1", "account_name": "Acme, Inc.", "industry": "Retail",
         "region": "East", "country": "US", "account_manager_id": MANAGER,
         "created_at": "2025-01-02", "status": "active", "tier_override": ""},
        {"account_id": "A2", "account_name": "上海甲乙有限公司", "industry": "制造",
         "region": "华东", "country": "CN", "account_manager_id": MANAGER,
         "created_at": "2025-03-04", "status": "inactive", "tier_override": "key"},
    ],
    "account_managers": [
        {"manager_id": MANAGER, "name": MANAGER, "email": "ann@example.com", "team": "East",
         "locale": "en"},
    ],
    "orders": [
        {"order_id": "O1", "account_id": "A1", "order_date": "2026-01-02",
         "product_line": "Hardware", "quantity": "2", "amount": "1234.50", "cost": "",
         "currency": "USD", "status": "completed"},
        {"order_id": "O2", "account_id": "A2", "order_date": "2026-02-03",
         "product_line": "Service", "quantity": "1", "amount": "-20.25", "cost": "5.10",
         "currency": "CNY", "status": "cancelled"},
    ],
    "tickets": [
        {"ticket_id": "T1", "account_id": "A1", "opened_at": "2026-01-05 09:30:00",
         "first_response_at": "2026-01-05 10:00:00", "resolved_at": "",
         "priority": "urgent", "category": "complaint", "status": "open",
         "subject": "Delivery delayed again / 物流延误"},
    ],
    "surveys": [
        {"response_id": "S1", "account_id": "A2", "submitted_at": "2026-02-01 08:00:00",
         "survey_type": "NPS", "score": "9", "comment": "很好"},
    ],
    "interactions": [
        {"interaction_id": "I1", "account_id": "A1", "occurred_at": "2026-02-10 15:00:00",
         "interaction_type": "visit", "manager_id": MANAGER},
    ],
    "contracts": [
        {"contract_id": "C1", "account_id": "A1", "start_date": "2026-01-01",
         "end_date": "2026-12-31", "committed_value": "120000.00", "currency": "USD",
         "status": "active", "renewal_of": "", "signed_date": "2025-12-15"},
        {"contract_id": "C2", "account_id": "A2", "start_date": "2026-03-01",
         "end_date": "2027-02-28", "committed_value": "50000", "currency": "CNY",
         "status": "cancelled", "renewal_of": "C1", "signed_date": ""},
    ],
    "fx_rates": [
        {"month": "2026-01", "currency": "CNY", "rate_to_reporting": "0.14"},
    ],
}


def landed(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"select * exclude (_source_file, _source_line) from raw.{t} "
                               "order by all").fetchall() for t in TABLES}


@pytest.fixture(scope="module")
def canonical_rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple]]:
    folder = tmp_path_factory.mktemp("canonical")
    export = write_export(folder / "export", load_profile("canonical"), "utf-8", CANONICAL_ROWS)
    warehouse = folder / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="canonical")
    assert summary.quarantined == 0
    return landed(warehouse)


def test_canonical_rows_are_typed(canonical_rows: dict[str, list[tuple]]) -> None:
    from datetime import date, datetime
    from decimal import Decimal

    assert canonical_rows["orders"][0][:9] == (
        "O1", "A1", date(2026, 1, 2), "Hardware", 2.0, Decimal("1234.5000"), None, "USD",
        "completed")
    assert canonical_rows["tickets"][0][2] == datetime(2026, 1, 5, 9, 30)
    assert canonical_rows["fx_rates"] == [("2026-01", "CNY", Decimal("0.14000000"))]
    assert canonical_rows["tickets"][0][-1] == "Delivery delayed again / 物流延误"
    assert canonical_rows["contracts"] == [
        ("C1", "A1", date(2026, 1, 1), date(2026, 12, 31), Decimal("120000.0000"), "USD",
         "active", None, date(2025, 12, 15)),
        ("C2", "A2", date(2026, 3, 1), date(2027, 2, 28), Decimal("50000.0000"), "CNY",
         "cancelled", "C1", None),
    ]


VENDORS = ["salesforce", "hubspot", "zoho", "fxiaoke"]
KINDS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "xlsx", "zip"]


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[tuple]]]:
    """Per vendor: the canonical rows as its export carries them, landed canonically."""
    landed_twins = {}
    for vendor in VENDORS:
        profile = load_profile(vendor)
        rows = {t: [{c: v or "" for c, v in expected_rows(profile, t, r).items()} for r in rs]
                for t, rs in CANONICAL_ROWS.items()}
        folder = tmp_path_factory.mktemp(f"twin-{vendor}")
        export = write_export(folder / "export", load_profile("canonical"), "utf-8", rows)
        extract_export(export, folder / "w.duckdb", run_id="twin")
        landed_twins[vendor] = landed(folder / "w.duckdb")
    return landed_twins


def test_vendor_exports_carry_the_metric_inputs_their_vendors_document() -> None:
    """HubSpot exports the first agent response and close dates; Salesforce Cases and
    Zoho have no first-response timestamp, so their tickets leave it empty (and warn)."""
    tickets = {v: exported_columns(load_profile(v), "tickets") for v in VENDORS}
    assert {v: "first_response_at" in c for v, c in tickets.items()} == {
        "salesforce": False, "hubspot": True, "zoho": False, "fxiaoke": True}
    assert all("resolved_at" in c for c in tickets.values())
    assert load_profile("hubspot").tables["tickets"].columns["first_response_at"][0] == (
        "First agent email response date")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("vendor", VENDORS)
def test_vendor_export_lands_the_canonical_rows(vendor: str, kind: str, tmp_path: Path,
                                                twins: dict[str, dict[str, list[tuple]]]
                                                ) -> None:
    profile = load_profile(vendor)
    export = write_export(tmp_path / "export", profile, kind, CANONICAL_ROWS)
    summary = extract_export(export, tmp_path / "w.duckdb", run_id="r", profile=vendor)
    assert summary.quarantined == 0
    assert landed(tmp_path / "w.duckdb") == twins[vendor]
    filtered = sum(t.filtered_rows for t in summary.tables)
    assert filtered == sum(len(s.keep_when) for s in profile.tables.values())
    for load in summary.tables:
        assert load.read_rows == (load.rows + load.filtered_rows + load.quarantined_rows
                                  + load.superseded_rows)
        carried = exported_columns(profile, load.table)
        assert load.columns_not_provided == [
            c for c in METRIC_INPUTS.get(load.table, {}) if c not in carried
            and c not in profile.tables[load.table].defaults]


def test_list_profiles_names_the_built_ins() -> None:
    assert [p["name"] for p in list_profiles()] == [
        "canonical", "fxiaoke", "hubspot", "salesforce", "zoho"]


def test_check_profile_reports_matches_and_missing(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", load_profile("salesforce"), "utf-8", CANONICAL_ROWS)
    opportunities = export / "Opportunity.csv"
    opportunities.write_text(opportunities.read_text().replace("CloseDate", "Close_Dt"))
    report = check_profile(export, "salesforce")
    orders = next(t for t in report.tables if t.table == "orders")
    assert orders.files[0].matched["amount"] == "Amount"
    assert orders.files[0].missing_required == {"order_date": "Close_Dt"}
    assert not report.ok
    assert report.lines()[-1] == ("NOT OK: Opportunity.csv: required column "
                                  "'order_date' not found (closest match: 'Close_Dt')")
    assert "    order_date: MISSING (required); closest match: 'Close_Dt'" in report.lines()


def test_check_profile_reports_a_missing_filter_column(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", load_profile("salesforce"), "utf-8", CANONICAL_ROWS)
    opportunities = export / "Opportunity.csv"
    opportunities.write_text(opportunities.read_text().replace("IsWon", "Is_Won_Flag"))
    report = check_profile(export, "salesforce")
    orders = next(t for t in report.tables if t.table == "orders")
    assert orders.files[0].missing_filters == {"IsWon": "Is_Won_Flag"}
    assert orders.problems == ["Opportunity.csv: column 'IsWon' needed to select rows "
                               "not found (closest match: 'Is_Won_Flag')"]
    assert "    IsWon: MISSING (selects rows); closest match: 'Is_Won_Flag'" in report.lines()


def test_other_objects_of_a_salesforce_data_export_are_not_read(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export", load_profile("salesforce"), "utf-8", CANONICAL_ROWS)
    for other in ["AccountHistory.csv", "OpportunityLineItem.csv", "CaseComment.csv",
                  "UserRole.csv"]:
        (export / other).write_text("Id,Field\n1,x\n")
    (export / "Opportunity_2026-10.csv").write_text((export / "Opportunity.csv").read_text())
    report = check_profile(export, "salesforce")
    assert report.unmatched_files == ["AccountHistory.csv", "CaseComment.csv",
                                      "OpportunityLineItem.csv", "UserRole.csv"]
    orders = next(t for t in report.tables if t.table == "orders")
    assert [f.path for f in orders.files] == ["Opportunity.csv", "Opportunity_2026-10.csv"]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def test_fxiaoke_legacy_xls_with_typed_and_text_cells(tmp_path: Path) -> None:
    """销售订单.xls was written with xlwt 1.3.0: a date cell, text dates and amounts, and
    an Excel serial stored as a plain number."""
    from datetime import date
    from decimal import Decimal

    export = tmp_path / "export"
    export.mkdir()
    (export / "销售订单.xls").write_bytes((FIXTURES / "fxiaoke_xls" / "销售订单.xls").read_bytes())
    (export / "客户.csv").write_text("客户名称,负责人,创建时间\n上海甲乙,张三,2025-01-02\n"
                                     "北京丙丁,张三,2025-02-03\n", encoding="gb18030")
    (export / "员工.csv").write_text("姓名,邮箱\n张三,zhang@example.cn\n", encoding="utf-8-sig")
    summary = extract_export(export, tmp_path / "w.duckdb", run_id="r", profile="fxiaoke")
    assert summary.quarantined == 0
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select order_id, account_id, order_date, amount, currency, status,"
                           " _source_line from raw.orders order by 1").fetchall() == [
            ("SO-001", "上海甲乙", date(2026, 10, 1), Decimal("1234.5000"), "CNY", "completed", 2),
            ("SO-002", "上海甲乙", date(2026, 10, 2), Decimal("1234.5000"), "CNY", "cancelled", 3),
            ("SO-003", "北京丙丁", date(2026, 10, 5), Decimal("99.0000"), "CNY", "completed", 4),
        ]
        assert con.execute("select manager_id, name, locale from raw.account_managers"
                           ).fetchall() == [("张三", "张三", "zh-CN")]
