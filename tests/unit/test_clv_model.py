"""Choosing the model for a month, the fallback, and per-account predictions."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kam.clv import bgnbd
from kam.clv.model import BGNBD_GAMMA_GAMMA, HISTORICAL_RATE, fit_clv, predict_clv
from kam.clv.rfm import summarise_transactions

AS_OF = date(2026, 9, 30)
# days in October 2026 .. September 2027, the twelve months after M = 2026-09
MONTH_DAYS = [31, 30, 31, 31, 28, 31, 30, 31, 30, 31, 31, 30]


def history(rows):
    return summarise_transactions(
        pd.DataFrame(rows, columns=["account_id", "order_date", "amount"]), AS_OF
    )


def simulated_orders(accounts: int, seed: int = 3) -> list[tuple]:
    """Accounts buying every few weeks in 2026 with varied spend."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in range(accounts):
        day = pd.Timestamp("2026-01-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
        while day <= pd.Timestamp(AS_OF):
            rows.append((f"ACC-{n:03d}", day.date().isoformat(), float(rng.gamma(4, 25))))
            if rng.uniform() < 0.3:
                break
            day += pd.Timedelta(days=int(rng.integers(7, 90)))
    return rows


def test_too_few_repeat_accounts_fall_back_and_say_so():
    summary = history([("A", "2026-01-01", 150.0), ("A", "2026-03-10", 80.0),
                       ("B", "2026-09-01", 10.0)])
    fit = fit_clv(summary, min_repeat_accounts=30)
    assert fit.model == HISTORICAL_RATE
    assert (fit.accounts, fit.repeat_accounts, fit.spend_accounts) == (2, 1, 1)
    assert fit.converged is None and fit.bgnbd is None
    assert "1 repeat accounts, fewer than clv_min_repeat_accounts = 30" in fit.message


def test_historical_rate_predictions_by_hand():
    # A: x = 1 repeat over T = 272/7 weeks, so 7/272 purchases a week, i.e. days/272 a
    # month; mean transaction (150 + 80) / 2 = 115.
    summary = history([("A", "2026-01-01", 150.0), ("A", "2026-03-10", 80.0),
                       ("B", "2026-09-30", 10.0)])
    fit = fit_clv(summary, min_repeat_accounts=30)
    margin = pd.Series({"A": 0.5, "B": 0.2})
    predictions = predict_clv(summary, fit, AS_OF, 0.10, margin).set_index("account_id")

    a = predictions.loc["A"]
    assert np.isnan(a["p_alive"])
    assert a["expected_purchases_12m"] == round(365 / 272, 6)
    assert a["expected_avg_order_value"] == 115.0
    discounted = sum(d / 272 * 1.10 ** (-k / 12) for k, d in enumerate(MONTH_DAYS, start=1))
    assert a["predicted_clv_12m"] == round(0.5 * 115 * discounted, 2) == 73.30

    b = predictions.loc["B"]  # first order on the last day of M: T = 0, no rate yet
    assert (b["expected_purchases_12m"], b["predicted_clv_12m"]) == (0.0, 0.0)


def test_enough_repeat_accounts_use_bgnbd_gamma_gamma():
    summary = history(simulated_orders(300))
    fit = fit_clv(summary, min_repeat_accounts=30)
    assert fit.model == BGNBD_GAMMA_GAMMA
    assert fit.converged is True
    assert fit.repeat_accounts >= 30
    assert "BG/NBD converged" in fit.message and "Gamma-Gamma converged" in fit.message

    margin = pd.Series(1.0, index=summary["account_id"])
    predictions = predict_clv(summary, fit, AS_OF, 0.0, margin)
    x, t_x, T = (summary[c].to_numpy(float) for c in ("x", "t_x", "T"))
    # stored to a millionth
    assert predictions["p_alive"].to_numpy() == pytest.approx(
        bgnbd.p_alive(fit.bgnbd, x, t_x, T), rel=0, abs=5e-7
    )
    assert predictions["expected_purchases_12m"].to_numpy() == pytest.approx(
        bgnbd.expected_purchases(fit.bgnbd, 365 / 7, x, t_x, T), rel=0, abs=5e-7
    )
    # undiscounted at margin 1: value = spend per purchase x purchases; each figure is
    # rounded on its own, so the product of the stored two is off by at most their rounding
    spend, purchases, value = (
        predictions[c].to_numpy()
        for c in ("expected_avg_order_value", "expected_purchases_12m", "predicted_clv_12m")
    )
    rounding = 0.005 + 0.005 * purchases + 5e-7 * spend
    assert np.all(np.abs(value - spend * purchases) <= rounding + 1e-9)


def test_no_positive_repeat_spend_falls_back_after_fitting_bgnbd():
    # every repeat transaction is a refund: Gamma-Gamma has nothing to fit
    rows = []
    for n in range(40):
        rows += [(f"R{n}", "2026-01-05", 100.0), (f"R{n}", f"2026-0{2 + n % 7}-10", -20.0)]
    fit = fit_clv(history(rows), min_repeat_accounts=30)
    assert fit.model == HISTORICAL_RATE
    assert fit.spend_accounts == 0
    assert fit.bgnbd is not None and fit.gamma_gamma is None
    assert fit.converged is False
    assert "no repeat account with positive mean repeat spend" in fit.message


def test_no_repeat_accounts_never_fit_even_with_no_minimum():
    summary = history([("A", "2026-01-01", 150.0), ("B", "2026-09-01", 10.0)])
    fit = fit_clv(summary, min_repeat_accounts=0)
    assert fit.model == HISTORICAL_RATE and fit.bgnbd is None
    assert fit.message == "historical_rate: no repeat accounts; BG/NBD not fitted"
