"""Fit the CLV models for a month and predict per account, with the stated fallback.

Model "bgnbd_gamma_gamma": BG/NBD (kam.clv.bgnbd) for the number and timing of
purchases and Gamma-Gamma (kam.clv.gamma_gamma) for spend per transaction, both fitted
by maximum likelihood on every account's history to the end of M. Gamma-Gamma needs a
positive mean spend, so it is fitted on repeat accounts whose mean repeat spend is
positive; a repeat account whose repeats net to zero or less is valued at the population
mean spend.

Fallback "historical_rate" (used when fewer than `min_repeat_accounts` accounts have a
repeat transaction, or a fit does not converge or gives an unusable estimate): each
account keeps buying at its own historical repeat rate x / T per week (0 when T = 0),
at its own mean transaction value (first transaction included). It has no dropout
process, so p_alive is null.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from kam.clv import bgnbd, gamma_gamma
from kam.clv._mle import MleResult
from kam.clv.value import discounted_purchases, month_end_offsets_weeks

BGNBD_GAMMA_GAMMA = "bgnbd_gamma_gamma"
HISTORICAL_RATE = "historical_rate"

# Predictions are kept to a millionth (p_alive, purchases) and to the cent (money): far finer
# than the model can tell apart, and coarse enough that the last bits of floating-point
# arithmetic, which differ between CPUs, never reach a stored figure.
COUNT_DECIMALS = 6
MONEY_DECIMALS = 2

PREDICTION_COLUMNS = [
    "account_id", "p_alive", "expected_purchases_12m", "expected_avg_order_value",
    "predicted_clv_12m",
]


@dataclass(frozen=True)
class ClvFit:
    """The outcome of fitting one month: the model used, its estimates and why."""

    model: str
    accounts: int
    repeat_accounts: int
    spend_accounts: int
    bgnbd: bgnbd.BgNbdParams | None
    gamma_gamma: gamma_gamma.GammaGammaParams | None
    bgnbd_log_likelihood: float | None
    gamma_gamma_log_likelihood: float | None
    converged: bool | None
    message: str


def fit_clv(summary: pd.DataFrame, min_repeat_accounts: int) -> ClvFit:
    """Fit both models on `summary` (kam.clv.rfm.summarise_transactions) or fall back."""
    repeat = summary[summary["x"] > 0]
    spend = repeat[repeat["mean_repeat_spend"] > 0]
    counts = {
        "accounts": len(summary),
        "repeat_accounts": len(repeat),
        "spend_accounts": len(spend),
    }
    if repeat.empty or len(repeat) < min_repeat_accounts:
        return ClvFit(
            model=HISTORICAL_RATE, **counts, bgnbd=None, gamma_gamma=None,
            bgnbd_log_likelihood=None, gamma_gamma_log_likelihood=None, converged=None,
            message=(
                f"{HISTORICAL_RATE}: {len(repeat)} repeat accounts, fewer than "
                f"clv_min_repeat_accounts = {min_repeat_accounts}; BG/NBD not fitted"
                if len(repeat) < min_repeat_accounts
                else f"{HISTORICAL_RATE}: no repeat accounts; BG/NBD not fitted"
            ),
        )

    purchases, purchases_fit = bgnbd.fit(summary["x"], summary["t_x"], summary["T"])
    if spend.empty:
        spending, spend_fit = None, None
    else:
        spending, spend_fit = gamma_gamma.fit(spend["x"], spend["mean_repeat_spend"])
    problems = _fit_problems(purchases, purchases_fit, spending, spend_fit)
    converged = purchases_fit.converged and spend_fit is not None and spend_fit.converged
    fitted = (
        f"BG/NBD {_outcome(purchases_fit)}; Gamma-Gamma "
        + (_outcome(spend_fit) if spend_fit else "not fitted")
        + f" on {len(spend)} accounts"
    )
    return ClvFit(
        model=HISTORICAL_RATE if problems else BGNBD_GAMMA_GAMMA,
        **counts,
        bgnbd=purchases,
        gamma_gamma=spending,
        bgnbd_log_likelihood=purchases_fit.log_likelihood,
        gamma_gamma_log_likelihood=spend_fit.log_likelihood if spend_fit else None,
        converged=converged,
        message=(f"{HISTORICAL_RATE}: {'; '.join(problems)} ({fitted})" if problems else fitted),
    )


def _outcome(result: MleResult) -> str:
    state = "converged" if result.converged else "did not converge"
    return f"{state} in {result.iterations} iterations, log-likelihood {result.log_likelihood:.4f}"


def _fit_problems(
    purchases: bgnbd.BgNbdParams,
    purchases_fit: MleResult,
    spending: gamma_gamma.GammaGammaParams | None,
    spend_fit: MleResult | None,
) -> list[str]:
    problems = []
    if not purchases_fit.converged:
        problems.append(f"BG/NBD did not converge ({purchases_fit.message})")
    elif abs(purchases.a - 1) < 1e-6:
        problems.append("BG/NBD a = 1: expected purchases undefined")
    if spend_fit is None:
        problems.append("no repeat account with positive mean repeat spend for Gamma-Gamma")
    elif not spend_fit.converged:
        problems.append(f"Gamma-Gamma did not converge ({spend_fit.message})")
    elif spending.q <= 1:
        problems.append(f"Gamma-Gamma q = {spending.q:.4f} <= 1: mean spend unbounded")
    return problems


def predict_clv(
    summary: pd.DataFrame,
    fit: ClvFit,
    as_of: date,
    annual_discount_rate: float,
    margin_ratio: pd.Series,
) -> pd.DataFrame:
    """Per-account predictions for the 12 months after `as_of` (the last day of M).

    `margin_ratio` is indexed by account_id (kam.clv.value.margin_ratios). Accounts
    absent from `summary` (no transaction yet) get no prediction.
    """
    if summary.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PREDICTION_COLUMNS})
    x, t_x, T = (summary[c].to_numpy(dtype=float) for c in ("x", "t_x", "T"))
    horizons = month_end_offsets_weeks(as_of)
    if fit.model == BGNBD_GAMMA_GAMMA:
        alive = bgnbd.p_alive(fit.bgnbd, x, t_x, T)
        cumulative = np.column_stack(
            [bgnbd.expected_purchases(fit.bgnbd, t, x, t_x, T) for t in horizons]
        )
        own_spend = summary["mean_repeat_spend"].to_numpy(dtype=float)
        usable = (x > 0) & (own_spend > 0)
        spend = np.where(
            usable,
            gamma_gamma.expected_spend(fit.gamma_gamma, x, np.where(usable, own_spend, 0.0)),
            gamma_gamma.population_mean_spend(fit.gamma_gamma),
        )
    else:
        alive = np.full_like(x, np.nan)
        weekly_rate = np.divide(x, T, out=np.zeros_like(x), where=T > 0)
        cumulative = np.outer(weekly_rate, horizons)
        spend = summary["mean_spend"].to_numpy(dtype=float)

    margin = margin_ratio.reindex(summary["account_id"]).to_numpy(dtype=float)
    clv = margin * spend * discounted_purchases(cumulative, annual_discount_rate)
    return pd.DataFrame(
        {
            "account_id": summary["account_id"].to_numpy(),
            "p_alive": np.round(alive, COUNT_DECIMALS),
            "expected_purchases_12m": np.round(cumulative[:, -1], COUNT_DECIMALS),
            "expected_avg_order_value": np.round(spend, MONEY_DECIMALS),
            "predicted_clv_12m": np.round(clv, MONEY_DECIMALS),
        }
    )
