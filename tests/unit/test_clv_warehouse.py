"""The dbt Python models account_clv and clv_model_fit, run on a small DuckDB fixture.

The model files are loaded as dbt-duckdb loads them and called with a stand-in for the
`dbt` object (ref() and config.meta_get()), on tables shaped like int_orders_converted
and stg_crm__accounts.
"""

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

MODELS = Path(__file__).parents[2] / "dbt_project" / "models" / "marts" / "clv"


def load_model(name: str):
    spec = importlib.util.spec_from_file_location(name, MODELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.model


class StandInDbt:
    def __init__(self, session, meta: dict):
        self._session = session
        self.config = type("Config", (), {"meta_get": staticmethod(meta.get)})

    def ref(self, name: str):
        return self._session.table(name)


@pytest.fixture()
def session():
    con = duckdb.connect()
    con.execute(
        """
        create table int_orders_converted as
        select order_id, account_id, cast(order_date as date) as order_date,
            status, status = 'completed' as is_completed,
            cast(amount as decimal(18, 4)) as amount, cast(cost as decimal(18, 4)) as cost,
            cast(amount as decimal(18, 4)) - cast(cost as decimal(18, 4)) as margin
        from (values
            ('o1', 'A', '2026-01-01', 'completed', 100.10, 60.05),
            ('o2', 'A', '2026-01-01', 'completed', 50.20, null),
            ('o3', 'A', '2026-03-10', 'completed', 80.00, 40.00),
            ('o4', 'A', '2026-04-02', 'completed', -30.30, null),
            ('o5', 'A', '2026-05-01', 'cancelled', 999.00, 1.00),
            ('o6', 'B', '2026-09-30', 'completed', 10.00, 6.00),
            ('o7', 'B', '2026-10-01', 'completed', 10.00, 6.00),
            ('o8', 'D', '2026-09-15', 'completed', 500.00, 1.00)
        ) as t(order_id, account_id, order_date, status, amount, cost)
        """
    )
    con.execute(
        """
        create table stg_crm__accounts as
        select account_id, cast(created_at as date) as created_at
        from (values ('A', '2025-01-01'), ('B', '2025-06-01'), ('C', '2026-09-30'),
                     ('D', '2026-10-01')) as t(account_id, created_at)
        """
    )
    return con


def run_month(session, month: str, run_id: str = "run-1"):
    meta = {"month": month, "run_id": run_id, "clv_min_repeat_accounts": "30",
            "clv_discount_rate": "0.10"}
    dbt = StandInDbt(session, meta)
    fit = load_model("clv_model_fit")(dbt, session)
    session.execute("create or replace table clv_model_fit as select * from fit")
    (values,) = fit.fetchall()
    fit_row = dict(zip(fit.columns, values, strict=True))
    return fit_row, load_model("account_clv")(dbt, session)


def test_one_row_per_existing_account_with_exact_historical_clv(session):
    _, clv = run_month(session, "2026-09")
    rows = {r[0]: r for r in clv.project(
        "account_id, month, historical_clv, historical_clv_cost_unknown, model"
    ).fetchall()}

    # D was created after September: it does not exist for M (its order is ignored too).
    assert sorted(rows) == ["A", "B", "C"]
    assert {r[1] for r in rows.values()} == {date(2026, 9, 1)}
    # A: (100.10 - 60.05) + 50.20 (cost unknown) + (80 - 40) - 30.30 (refund, cost unknown)
    assert rows["A"][2] == Decimal("99.95")
    assert rows["A"][3] is True
    # B: only the 30 September order counts
    assert (rows["B"][2], rows["B"][3]) == (Decimal("4"), False)
    assert (rows["C"][2], rows["C"][3]) == (Decimal("0"), False)
    assert {r[4] for r in rows.values()} == {"historical_rate"}


def test_fallback_fit_row_and_predictions(session):
    fit, clv = run_month(session, "2026-09")
    assert fit["month"] == date(2026, 9, 1)
    assert (fit["accounts"], fit["repeat_accounts"]) == (2, 1)
    assert fit["model"] == "historical_rate"
    assert "fewer than clv_min_repeat_accounts = 30" in fit["message"]
    assert fit["r"] is None and fit["converged"] is None  # not fitted

    rows = clv.df().set_index("account_id")
    a = rows.loc["A"]
    # A: transactions 1 Jan (150.30), 10 Mar (80.00), 2 Apr (-30.30): x = 2 over 272/7 weeks
    assert a["repeat_transactions"] == 2
    assert a["age_weeks"] == pytest.approx(272 / 7)
    assert a["expected_purchases_12m"] == pytest.approx(2 * 365 / 272)
    assert a["expected_avg_order_value"] == pytest.approx(200.0 / 3)
    # margin ratio over known-cost rows: (40.05 + 40) / (100.10 + 80)
    assert a["margin_ratio"] == pytest.approx(80.05 / 180.10)
    assert a["margin_ratio_source"] == "account"
    c = rows.loc["C"]  # no orders: no prediction, portfolio margin ratio
    assert c[["p_alive", "expected_purchases_12m", "predicted_clv_12m"]].isna().all()
    assert c["margin_ratio"] == pytest.approx((80.05 + 4) / (180.10 + 10))
    assert c["margin_ratio_source"] == "portfolio"


def test_the_month_decides_what_is_history(session):
    _, clv = run_month(session, "2026-10")
    rows = clv.df().set_index("account_id")
    assert sorted(rows.index) == ["A", "B", "C", "D"]
    assert rows.loc["B", "historical_clv"] == 8
    assert rows.loc["B", "repeat_transactions"] == 1
    assert rows.loc["D", "age_weeks"] == pytest.approx(46 / 7)


def test_account_clv_needs_the_months_fit(session):
    meta = {"month": "2026-09", "run_id": "r", "clv_discount_rate": "0.10"}
    session.execute("create table clv_model_fit (month date, model varchar)")
    with pytest.raises(ValueError, match="clv_model_fit has 0 rows for 2026-09"):
        load_model("account_clv")(StandInDbt(session, meta), session)
