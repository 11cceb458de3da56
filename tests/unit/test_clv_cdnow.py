"""The acceptance check: the CDNOW sample reproduces Fader, Hardie & Lee's published fits.

The sample's calibration purchases (tests/fixtures/cdnow/README.md) go through the same
code as the CLV fit step: rows shaped like int_clv_transactions (the completed orders of the
existing accounts), month 1997-09 (so T is measured to 1997-09-30, the end of the
39-week calibration period).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kam.clv.relations import history_summary, model_fit

CALIBRATION_ORDERS = Path(__file__).parents[1] / "fixtures" / "cdnow" / "calibration_orders.csv"

# "Counting your customers the easy way" (BG/NBD) and "RFM and CLV" (Gamma-Gamma)
PUBLISHED = {
    "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426,
    "p": 6.25, "q": 3.74, "gamma": 15.44,
}


def load_orders(session: duckdb.DuckDBPyConnection, copies: int = 1) -> None:
    """Tables shaped like int_orders_converted and stg_crm__accounts, the sample `copies` times."""
    session.execute(
        f"""
        create table orders as
        select
            copy || '-' || account_id as account_id, order_date,
            cast(amount as decimal(18, 4)) as amount,
            cast(null as decimal(18, 4)) as cost,
            true as is_completed
        from read_csv('{CALIBRATION_ORDERS}', types = {{'account_id': 'VARCHAR'}}),
            range({copies}) as copies(copy)
        """
    )
    session.execute(
        "create table accounts as select account_id, min(order_date) as created_at"
        " from orders group by account_id"
    )


def fit_row(session: duckdb.DuckDBPyConnection) -> dict:
    orders = session.sql(
        "select account_id, order_date, cast(amount as double) as amount from orders"
        " where is_completed and account_id in (select account_id from accounts)"
    ).df()
    summary = history_summary(orders, month="1997-09")
    _, table = model_fit(summary, month="1997-09", run_id="cdnow", min_repeat_accounts=30)
    return table.to_pylist()[0]


def test_cdnow_matches_the_published_estimates_within_one_percent():
    session = duckdb.connect()
    load_orders(session)
    row = fit_row(session)

    assert row["model"] == "bgnbd_gamma_gamma"
    assert row["converged"]
    assert (row["accounts"], row["repeat_accounts"], row["spend_accounts"]) == (2357, 946, 946)
    for name, published in PUBLISHED.items():
        assert row[name] == pytest.approx(published, rel=0.01), name
    assert row["bgnbd_log_likelihood"] == pytest.approx(-9582.4, abs=0.05)


def test_fit_of_ten_thousand_accounts():
    # The sample five times over, cut to 10,000 accounts: the same customers repeated, so
    # the estimates barely move while the work is that of 10,000 real histories.
    session = duckdb.connect()
    load_orders(session, copies=5)
    session.execute(
        "delete from accounts where account_id not in"
        " (select account_id from accounts order by account_id limit 10000)"
    )
    row = fit_row(session)

    assert row["accounts"] == 10_000
    assert row["converged"]
    assert row["r"] == pytest.approx(PUBLISHED["r"], rel=0.05)


# Fits the sample and prints the stored fit beside where L-BFGS-B alone ends for BG/NBD.
FIT_UNDER_A_KERNEL = """
import json, sys
import duckdb, numpy as np
from scipy.optimize import minimize
sys.path.insert(0, sys.argv[1])
from test_clv_cdnow import fit_row, load_orders
from kam.clv import bgnbd
from kam.clv.relations import history_summary

session = duckdb.connect()
load_orders(session)
row = fit_row(session)
orders = session.sql("select account_id, order_date, cast(amount as double) amount from orders")
summary = history_summary(orders.df(), month="1997-09")
x, t_x, T = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
search = minimize(
    lambda v: -np.sum(bgnbd.log_likelihood(bgnbd.BgNbdParams(*np.exp(v)), x, t_x, T)) / len(x),
    np.log([1.0, np.mean(T), 1.0, 1.0]), method="L-BFGS-B", bounds=[(-20, 20)] * 4,
)
fit = {k: row[k] for k in ("r", "alpha", "a", "b", "p", "q", "gamma",
                           "bgnbd_log_likelihood", "gamma_gamma_log_likelihood")}
print(json.dumps({"fit": fit, "search_end": search.x.tolist()}))
"""


def test_the_fit_is_the_same_whichever_blas_kernel_the_cpu_picks():
    # OpenBLAS picks its kernels by CPU; OPENBLAS_CORETYPE makes it pick another model's.
    outcomes = []
    for core in ("Prescott", "Sandybridge", "Haswell"):
        env = {**os.environ, "OPENBLAS_CORETYPE": core}
        done = subprocess.run(
            [sys.executable, "-c", FIT_UNDER_A_KERNEL, str(Path(__file__).parent)],
            env=env, capture_output=True, text=True, check=True,
        )
        outcomes.append(json.loads(done.stdout.splitlines()[-1]))
    if len({tuple(o["search_end"]) for o in outcomes}) == 1:
        pytest.skip("this machine's BLAS kernels all end the search at the same point")
    assert all(o["fit"] == outcomes[0]["fit"] for o in outcomes)
    assert outcomes[0]["fit"]["r"] == 0.242595
