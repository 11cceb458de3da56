"""The CLV chain on a small DuckDB fixture: the dbt models int_clv_transactions and
int_clv_accounts, the fit step between the builds, then the marts clv_model_fit and
account_clv, run for real on tables shaped like int_orders_converted and stg_crm__accounts.
"""

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from kam.transform.dbt import build_models, fit_clv

ORDERS = """
    create table staging.int_orders_converted as
    select order_id, account_id, cast(order_date as date) as order_date,
        status, status = 'completed' as is_completed,
        cast(amount as decimal(38, 12)) as amount, cast(cost as decimal(38, 12)) as cost,
        cast(amount as decimal(38, 12)) - cast(cost as decimal(38, 12)) as margin,
        'orders.csv' as source_file, line as source_line
    from (values
        ('o1', 'A', '2026-01-01', 'completed', 100.10, 60.05, 2),
        ('o2', 'A', '2026-01-01', 'completed', 50.20, null, 3),
        ('o3', 'A', '2026-03-10', 'completed', 80.00, 40.00, 4),
        ('o4', 'A', '2026-04-02', 'completed', -30.30, null, 5),
        ('o5', 'A', '2026-05-01', 'cancelled', 999.00, 1.00, 6),
        ('o6', 'B', '2026-09-30', 'completed', 10.00, 6.00, 7),
        ('o7', 'B', '2026-10-01', 'completed', 10.00, 6.00, 8),
        ('o8', 'D', '2026-09-15', 'completed', 500.00, 1.00, 9)
    ) as t(order_id, account_id, order_date, status, amount, cost, line)
"""
ACCOUNTS = """
    create table staging.stg_crm__accounts as
    select account_id, cast(created_at as date) as created_at
    from (values ('A', '2025-01-01'), ('B', '2025-06-01'), ('C', '2026-09-30'),
                 ('D', '2026-10-01')) as t(account_id, created_at)
"""


def build_clv_month(root, month: str, run_id: str = "run-1"):
    """The CLV chain of one month on a fresh fixture warehouse: (fit row, account rows)."""
    warehouse = root / f"clv-{month}.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute(ORDERS)
        con.execute(ACCOUNTS)
    variables = {"month": month, "run_id": run_id, "clv_min_repeat_accounts": 30,
                 "clv_discount_rate": 0.10}
    target = root / f"target-{month}"
    build_models(warehouse, variables, target, select="int_clv_transactions int_clv_accounts")
    fit_clv(warehouse, variables)
    build_models(warehouse, variables, target, select="clv_model_fit account_clv")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        fit = con.sql("select * from marts.clv_model_fit").df().to_dict("records")
        clv = con.sql("select * from marts.account_clv order by account_id").df()
    assert len(fit) == 1
    return fit[0], clv.set_index("account_id"), warehouse


@pytest.fixture(scope="module")
def september(tmp_path_factory):
    return build_clv_month(tmp_path_factory.mktemp("clv"), "2026-09")


def test_one_row_per_existing_account_with_exact_historical_clv(september):
    _, rows, _ = september
    # D was created after September: it does not exist for M (its order is ignored too).
    assert sorted(rows.index) == ["A", "B", "C"]
    assert set(rows["month"].dt.date) == {date(2026, 9, 1)}
    # A: (100.10 - 60.05) + 50.20 (cost unknown) + (80 - 40) - 30.30 (refund, cost unknown)
    assert Decimal(str(rows.loc["A", "historical_clv"])) == Decimal("99.95")
    assert bool(rows.loc["A", "historical_clv_cost_unknown"]) is True
    # B: only the 30 September order counts
    assert Decimal(str(rows.loc["B", "historical_clv"])) == Decimal("4")
    assert bool(rows.loc["B", "historical_clv_cost_unknown"]) is False
    assert (Decimal(str(rows.loc["C", "historical_clv"])), bool(
        rows.loc["C", "historical_clv_cost_unknown"])) == (Decimal("0"), False)
    assert set(rows["model"]) == {"historical_rate"}
    assert set(rows["run_id"]) == {"run-1"}


def test_fallback_fit_row_and_predictions(september):
    fit, rows, _ = september
    assert fit["month"].date() == date(2026, 9, 1)
    assert (fit["accounts"], fit["repeat_accounts"]) == (2, 1)
    assert fit["model"] == "historical_rate"
    assert "fewer than clv_min_repeat_accounts = 30" in fit["message"]
    assert pd_null(fit["r"]) and pd_null(fit["converged"])  # not fitted

    a = rows.loc["A"]
    # A: transactions 1 Jan (150.30), 10 Mar (80.00), 2 Apr (-30.30): x = 2 over 272/7 weeks
    assert a["repeat_transactions"] == 2
    assert a["age_weeks"] == pytest.approx(272 / 7)
    assert a["expected_purchases_12m"] == round(2 * 365 / 272, 6)
    assert a["expected_avg_order_value"] == 66.67  # 200 / 3, to the cent
    # margin ratio over known-cost rows: (40.05 + 40) / (100.10 + 80)
    assert a["margin_ratio"] == pytest.approx(80.05 / 180.10)
    assert a["margin_ratio_source"] == "account"
    c = rows.loc["C"]  # no orders: no prediction, portfolio margin ratio
    assert c[["p_alive", "expected_purchases_12m", "predicted_clv_12m"]].isna().all()
    assert c["margin_ratio"] == pytest.approx((80.05 + 4) / (180.10 + 10))
    assert c["margin_ratio_source"] == "portfolio"


def test_missing_predictions_are_nulls_not_nan(september):
    # p_alive under the fallback model is SQL null, so the health score redistributes its
    # weight instead of computing with NaN.
    warehouse = september[2]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        nulls, nans = con.sql(
            "select count(*) filter (where p_alive is null),"
            " count(*) filter (where isnan(p_alive)) from marts.account_clv"
        ).fetchone()
    assert (nulls, nans) == (3, 0)


def test_the_month_decides_what_is_history(tmp_path):
    _, rows, _ = build_clv_month(tmp_path, "2026-10")
    assert sorted(rows.index) == ["A", "B", "C", "D"]
    assert rows.loc["B", "historical_clv"] == 8
    assert rows.loc["B", "repeat_transactions"] == 1
    assert rows.loc["D", "age_weeks"] == pytest.approx(46 / 7)


def pd_null(value) -> bool:
    return value is None or value != value
