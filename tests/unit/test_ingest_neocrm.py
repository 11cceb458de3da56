"""The worked example of docs/profiles.md loads: a 销售易 (Neocrm) export with Chinese
headers, merged title rows, name-keyed records, `-¥5,012.10` and `2026/12/31 19:22`."""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from kam.extract.landing import extract_export
from kam.extract.parse import timestamp_value

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "exports" / "neocrm"
DOC_BLOCK = re.compile(r"<!-- neocrm.yaml: begin -->\n```yaml\n(.*?)```\n<!-- neocrm.yaml: end -->",
                       re.S)


def test_the_documented_profile_is_the_fixture_s_profile() -> None:
    documented = DOC_BLOCK.search((ROOT / "docs" / "profiles.md").read_text(encoding="utf-8"))
    assert documented is not None
    assert documented.group(1) == (FIXTURE / "neocrm.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def neocrm(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("neocrm")
    export = folder / "export"
    export.mkdir()
    for workbook in FIXTURE.glob("*.xlsx"):
        shutil.copy(workbook, export / workbook.name)
    warehouse = folder / "w.duckdb"
    summary = extract_export(export, warehouse, run_id="r", profile=FIXTURE / "neocrm.yaml",
                             timezone="Asia/Shanghai")
    return warehouse, summary


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_orders_keyed_by_customer_name_land_with_the_customer_number(neocrm) -> None:
    warehouse, summary = neocrm
    assert query(warehouse, "select order_id, account_id, order_date, amount, currency, "
                            "product_line, _source_line from raw.orders order by 1") == [
        ("DD-9001", "KH-0001", date(2026, 12, 1), Decimal("12000.0000"), "CNY", "硬件", 3),
        ("DD-9003", "KH-0001", date(2026, 12, 31), Decimal("-5012.1000"), "CNY", "硬件", 5),
    ]
    orders = summary.table("orders")
    assert orders.summary_line() == (
        "orders: 4 read = 2 landed + 2 filtered + 0 quarantined + 0 deduplicated "
        "(kept: 审批状态 in (已通过)); not provided: cost")
    assert summary.quarantined == 0


def test_owners_named_by_the_employee_land_with_the_employee_number(neocrm) -> None:
    warehouse, _ = neocrm
    assert query(warehouse, "select account_id, account_name, account_manager_id, status, "
                            "created_at, _source_line from raw.accounts order by 1") == [
        ("KH-0001", "上海甲乙有限公司", "E-101", "active", date(2025, 3, 4), 3),
        ("KH-0002", "北京丙丁科技", "E-102", "active", date(2025, 6, 18), 4),
    ]
    assert query(warehouse, "select manager_id, name, locale from raw.account_managers "
                            "order by 1") == [("E-101", "张伟", "zh-CN"),
                                              ("E-102", "李娜", "zh-CN")]


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-31T19:22:05.5", datetime(2026, 12, 31, 19, 22, 5, 500000)),
    ("2026/12/31 19:22", datetime(2026, 12, 31, 19, 22)),
    ("2026年12月31日 19时22分", datetime(2026, 12, 31, 19, 22)),
    ("12/31/2026 7:22 PM", datetime(2026, 12, 31, 19, 22)),
    ("31 Dec 2026", datetime(2026, 12, 31)),
    ("2026-12-31 11:22:00Z", datetime(2026, 12, 31, 19, 22)),  # UTC -> Asia/Shanghai
    ("2026-12-31 19:22:00+08:00", datetime(2026, 12, 31, 19, 22)),
])
def test_the_documented_timestamp_forms_are_read(text: str, expected: datetime) -> None:
    sql = timestamp_value("v", timezone="Asia/Shanghai", day_first=False)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")  # as extract sets it
        assert con.execute(f"select {sql} from (select ?::VARCHAR as v)", [text]
                           ).fetchone()[0] == expected
