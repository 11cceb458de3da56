"""Phase 1 marts on the hand-made export of tests/dbt/export_fixture.py (M = 2026-10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from export_fixture import FULL_EXPORT
from marts_fixture import create_warehouse, dbt_build, query

from kam.transform.dbt import build_month

M = "2026-10-01"


def test_every_node_builds_and_passes(built_warehouse):
    _, statuses = built_warehouse
    assert statuses
    assert [s for s in statuses if s[1] not in ("success", "pass")] == []


def test_reporting_currency_is_the_rate_one_currency(warehouse):
    assert query(warehouse, "select * from staging.int_reporting_currency") == [
        ("EUR", "fx_rate_one")
    ]


def test_orders_are_converted_at_their_own_months_rate_and_as_of_m(warehouse):
    rows = query(
        warehouse,
        "select order_id, amount, cost, margin, is_completed from staging.int_orders_converted "
        "where order_id in ('O-05', 'O-08', 'O-09', 'O-02', 'O-15') order by order_id",
    )
    # O-05 is after M, O-15 is quarantined in this run
    assert rows == [
        ("O-02", D("1700"), None, None, True),
        ("O-08", D("300"), D("200"), D("100"), True),  # 375 / 250 USD at 0.8
        ("O-09", D("90"), D("45"), D("45"), True),  # 100 / 50 USD at 0.9
    ]


def test_tiers_for_m_follow_the_definition(warehouse):
    rows = query(
        warehouse,
        "select account_id, t12m_revenue, tier_rank, computed_tier, tier, tier_source, "
        "previous_tier, tier_change from marts.account_tier where month = ? order by tier_rank",
        M,
    )
    assert rows == [
        ("ACC-1", D("2600"), 1, "strategic", "strategic", "computed", "strategic", "same"),
        # the tie at 300 goes to ACC-2 (lower id): 2600/3300 above -> strategic,
        # ACC-3 has 2900/3300 = 0.879 above -> key
        ("ACC-2", D("300"), 2, "strategic", "strategic", "computed", "key", "up"),
        ("ACC-3", D("300"), 3, "key", "key", "computed", "strategic", "down"),
        ("ACC-6", D("60"), 4, "standard", "standard", "computed", None, "new"),
        ("ACC-4", D("40"), 5, "standard", "strategic", "override", "strategic", "same"),
        ("ACC-7", D("0"), 6, "standard", "standard", "computed", "standard", "same"),
        ("ACC-8", D("-50"), 7, "standard", "standard", "computed", "standard", "same"),
    ]


def test_shares_are_of_the_positive_total(warehouse):
    rows = query(
        warehouse,
        "select account_id, share, cum_share_before from marts.account_tier "
        "where month = ? order by tier_rank",
        M,
    )
    expected = {
        "ACC-1": (2600 / 3300, 0.0),
        "ACC-2": (300 / 3300, 2600 / 3300),
        "ACC-3": (300 / 3300, 2900 / 3300),
        "ACC-6": (60 / 3300, 3200 / 3300),
        "ACC-4": (40 / 3300, 3260 / 3300),
        "ACC-7": (0.0, 1.0),
        "ACC-8": (-50 / 3300, 1.0),
    }
    for account_id, share, cum_share_before in rows:
        assert (share, cum_share_before) == pytest.approx(expected[account_id], abs=1e-12)


def test_account_monthly_covers_existing_accounts_from_the_first_data_month(warehouse):
    # 2025-03 .. 2026-10 is 20 months x 6 accounts created 2025-01, plus ACC-6 in M only
    assert query(
        warehouse, "select count(*), min(month), max(month) from marts.account_monthly"
    ) == [(121, date(2025, 3, 1), date(2026, 10, 1))]
    assert query(
        warehouse, "select count(*) from marts.account_monthly where account_id = 'ACC-5'"
    ) == [(0,)]


def test_account_monthly_figures(warehouse):
    rows = query(
        warehouse,
        "select account_id, cast(month as varchar), revenue, gross_margin, margin_coverage, orders "
        "from marts.account_monthly where (account_id, month) in "
        "(('ACC-1', '2026-10-01'), ('ACC-1', '2026-03-01'), ('ACC-2', '2026-10-01'), "
        "('ACC-6', '2026-10-01'), ('ACC-4', '2026-02-01')) order by 1, 2",
    )
    assert rows == [
        # 1000 - 100 refund; margin 400 + (-100 - -60); both rows have cost
        ("ACC-1", "2026-03-01", D("1700"), D("0"), 0.0, 1),
        ("ACC-1", "2026-10-01", D("900"), D("360"), 1.0, 2),
        ("ACC-2", "2026-10-01", D("0"), D("0"), None, 0),  # cancelled + quarantined only
        ("ACC-4", "2026-02-01", D("40"), D("-10"), 1.0, 1),
        ("ACC-6", "2026-10-01", D("60"), D("0"), 0.0, 1),
    ]


def test_account_review_for_m(warehouse):
    rows = query(
        warehouse,
        "select account_id, status, manager_name, manager_locale, is_key_account, revenue, "
        "revenue_ytd, revenue_t12m_prior, revenue_t12m_change, orders, reporting_currency "
        "from marts.account_review where month = ? order by account_id",
        M,
    )
    assert rows == [
        ("ACC-1", "active", "Mei Lin", "zh-CN", True, D("900"), D("2600"), D("2000"), 0.3, 2,
         "EUR"),
        ("ACC-2", "active", "Max Roe", None, True, D("0"), D("300"), D("0"), None, 0, "EUR"),
        ("ACC-3", "active", "Mei Lin", "zh-CN", True, D("0"), D("300"), D("90"),
         pytest.approx(210 / 90), 0, "EUR"),
        ("ACC-4", "inactive", "Mei Lin", "zh-CN", True, D("0"), D("40"), D("0"), None, 0,
         "EUR"),
        ("ACC-6", "active", "Mei Lin", "zh-CN", False, D("60"), D("60"), D("0"), None, 1,
         "EUR"),
        ("ACC-7", "active", "Mei Lin", "zh-CN", False, D("0"), D("0"), D("0"), None, 0, "EUR"),
        ("ACC-8", "active", "Mei Lin", "zh-CN", False, D("0"), D("-50"), D("300"),
         pytest.approx(-350 / 300), 0, "EUR"),
    ]


def test_marts_for_m_do_not_depend_on_earlier_runs(tmp_path, warehouse):
    """A warehouse that first ran 2026-09 keeps that month and gets the same 2026-10 rows."""
    replayed = create_warehouse(tmp_path / "kam.duckdb", FULL_EXPORT)
    dbt_build(replayed, tmp_path / "target", month="2026-09")
    september = query(replayed, "select * from marts.account_tier order by account_id")
    dbt_build(replayed, tmp_path / "target", month="2026-10")

    for mart in ("account_tier", "account_review", "account_monthly"):
        sql = f"select * from marts.{mart} where month = ? order by account_id"
        assert query(replayed, sql, M) == query(warehouse, sql, M), mart
    assert (
        query(replayed, "select * from marts.account_tier where month = '2026-09-01' "
              "order by account_id") == september
    )
    # September had ACC-3 strategic (390 T12M incl. the 2025-10 USD order) and no ACC-6
    assert [(r[0], r[7]) for r in september] == [
        ("ACC-1", "strategic"), ("ACC-2", "key"), ("ACC-3", "strategic"),
        ("ACC-4", "strategic"), ("ACC-7", "standard"), ("ACC-8", "standard"),
    ]
    # the tier snapshot is the one history kept: a version per change of tier
    history = query(
        replayed,
        "select account_id, list(tier order by dbt_valid_from), count(dbt_valid_to) "
        "from snapshots.account_tier_snapshot where account_id in ('ACC-1', 'ACC-2', 'ACC-6') "
        "group by account_id order by account_id",
    )
    assert history == [
        ("ACC-1", ["strategic"], 0),
        ("ACC-2", ["key", "strategic"], 1),
        ("ACC-6", ["standard"], 0),
    ]


def test_a_missing_fx_rate_fails_the_build_by_name(tmp_path):
    export = {**FULL_EXPORT, "fx_rates": [
        rate for rate in FULL_EXPORT["fx_rates"] if rate["month"] != "2026-08"
    ]}
    warehouse = create_warehouse(tmp_path / "kam.duckdb", export)
    statuses = dict(dbt_build(warehouse, tmp_path / "target", month="2026-10"))
    # O-08 (USD, 2026-08) has no rate: one named failure, not silently zero revenue
    assert statuses["every_order_has_an_fx_rate_for_its_currency_and_month"] == "fail"
    assert [name for name, status in statuses.items() if status in ("fail", "error")] == [
        "every_order_has_an_fx_rate_for_its_currency_and_month"
    ]


def test_a_null_in_a_checked_column_fails_the_models_not_null_test_with_its_row(tmp_path):
    # One not-null test checks all the checked columns of stg_crm__orders in one scan; the
    # failure still names the model (and the columns) and counts the offending rows.
    orders = [{**order, "amount": None} if order["order_id"] == "O-03" else order
              for order in FULL_EXPORT["orders"]]
    warehouse = create_warehouse(tmp_path / "kam.duckdb", {**FULL_EXPORT, "orders": orders})
    results = build_month(warehouse, {"run_id": "test", "month": "2026-10"},
                          tmp_path / "target", check=False)
    failed = [(r.node.name, r.failures) for r in results if str(r.status) in ("fail", "error")]
    assert failed == [("kam_not_null_columns_stg_crm__orders_order_id__account_id__currency__"
                       "status__amount__order_date", 1)]


def test_a_rerun_rewrites_month_m_of_account_monthly_and_no_earlier_month(tmp_path):
    """Once history exists, monthly runs write month M only (issue: incremental where it pays)."""
    replayed = create_warehouse(tmp_path / "kam.duckdb", FULL_EXPORT)
    dbt_build(replayed, tmp_path / "target", month="2026-10")
    months = query(replayed, "select count(distinct month) from marts.account_monthly")[0][0]
    assert months > 1  # a fresh warehouse gets every month of the data
    # Mark one earlier month and month M: a rerun must leave the first and replace the second.
    query(replayed, "update marts.account_monthly set orders = -99 "
                    "where month in ('2026-09-01', '2026-10-01')")
    dbt_build(replayed, tmp_path / "target", month="2026-10")
    marked = query(replayed, "select month, count(*) from marts.account_monthly "
                             "where orders = -99 group by month")
    assert [(m.isoformat(), n > 0) for m, n in marked] == [("2026-09-01", True)]
    distinct_months = "select count(distinct month) from marts.account_monthly"
    assert query(replayed, distinct_months)[0][0] == months
