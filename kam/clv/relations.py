"""The CLV fit step's tables, computed from the rows the step reads through the engine.

The step (kam.transform.clv_fit) reads int_clv_transactions and int_clv_accounts, whatever the
engine, into frames; these functions turn them into the two tables it writes: the fit of
the month (clv_fit.fitted_models) and one prediction row per existing account
(clv_fit.account_predictions). Both are Arrow tables with fixed column types, so DuckDB
and Spark store the same types and a missing float is a null, never NaN.
"""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa

from kam.clv.bgnbd import BgNbdParams
from kam.clv.gamma_gamma import GammaGammaParams
from kam.clv.model import ClvFit, fit_clv, predict_clv
from kam.clv.rfm import summarise_transactions
from kam.clv.value import margin_ratios
from kam.month import Month

FIT_PARAMETERS = ("r", "alpha", "a", "b", "p", "q", "gamma")

FIT_SCHEMA = pa.schema(
    [
        ("month", pa.date32()),
        ("run_id", pa.string()),
        *((name, pa.float64()) for name in FIT_PARAMETERS),
        ("accounts", pa.int32()),
        ("repeat_accounts", pa.int32()),
        ("spend_accounts", pa.int32()),
        ("converged", pa.bool_()),
        ("model", pa.string()),
        ("message", pa.string()),
        ("bgnbd_log_likelihood", pa.float64()),
        ("gamma_gamma_log_likelihood", pa.float64()),
        ("min_repeat_accounts", pa.int32()),
    ]
)

PREDICTION_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("month", pa.date32()),
        ("p_alive", pa.float64()),
        ("expected_purchases_12m", pa.float64()),
        ("expected_avg_order_value", pa.float64()),
        ("predicted_clv_12m", pa.float64()),
        ("repeat_transactions", pa.int32()),
        ("recency_weeks", pa.float64()),
        ("age_weeks", pa.float64()),
        ("margin_ratio", pa.float64()),
        ("margin_ratio_source", pa.string()),
    ]
)


def history_summary(orders: pd.DataFrame, *, month: str) -> pd.DataFrame:
    """Each account's purchase history up to the end of `month`, from `orders`
    (int_clv_transactions: account_id, order_date, amount): what the fit and the predictions
    both read."""
    return summarise_transactions(orders, Month.parse(month).last_day)


def model_fit(
    summary: pd.DataFrame, *, month: str, run_id: str, min_repeat_accounts: int
) -> tuple[ClvFit, pa.Table]:
    """Fit the month's models on `summary` (history_summary) and return the fit with its
    one-row table."""
    reporting = Month.parse(month)
    fit = fit_clv(summary, min_repeat_accounts)
    row = {
        "month": reporting.first_day,
        "run_id": run_id,
        **_parameters(fit),
        "accounts": fit.accounts,
        "repeat_accounts": fit.repeat_accounts,
        "spend_accounts": fit.spend_accounts,
        "converged": fit.converged,
        "model": fit.model,
        "message": fit.message,
        "bgnbd_log_likelihood": fit.bgnbd_log_likelihood,
        "gamma_gamma_log_likelihood": fit.gamma_gamma_log_likelihood,
        "min_repeat_accounts": min_repeat_accounts,
    }
    return fit, pa.Table.from_pylist([row], schema=FIT_SCHEMA)


def _parameters(fit: ClvFit) -> dict[str, float | None]:
    purchases, spending = fit.bgnbd, fit.gamma_gamma
    return {
        "r": purchases.r if purchases else None,
        "alpha": purchases.alpha if purchases else None,
        "a": purchases.a if purchases else None,
        "b": purchases.b if purchases else None,
        "p": spending.p if spending else None,
        "q": spending.q if spending else None,
        "gamma": spending.gamma if spending else None,
    }


def fit_from_row(row: dict) -> ClvFit:
    """Rebuild the fit stored in a clv_model_fit row (the parameters predictions need)."""

    def known(*names: str) -> bool:
        return all(row[n] is not None and not math.isnan(row[n]) for n in names)

    return ClvFit(
        model=row["model"],
        accounts=row["accounts"],
        repeat_accounts=row["repeat_accounts"],
        spend_accounts=row["spend_accounts"],
        bgnbd=BgNbdParams(*(row[n] for n in FIT_PARAMETERS[:4]))
        if known(*FIT_PARAMETERS[:4]) else None,
        gamma_gamma=GammaGammaParams(*(row[n] for n in FIT_PARAMETERS[4:]))
        if known(*FIT_PARAMETERS[4:]) else None,
        bgnbd_log_likelihood=row["bgnbd_log_likelihood"],
        gamma_gamma_log_likelihood=row["gamma_gamma_log_likelihood"],
        converged=row["converged"],
        message=row["message"],
    )


def account_predictions(
    summary: pd.DataFrame,
    accounts: pd.DataFrame,
    fit: ClvFit,
    *,
    month: str,
    discount_rate: float,
) -> pa.Table:
    """One row per account of `accounts` (int_clv_accounts: account_id, known_cost_revenue,
    known_cost_margin): its predictions under `fit` for the 12 months after `month` (null
    without orders), its history summary (`summary`, history_summary's) and its margin
    ratio."""
    reporting = Month.parse(month)
    money = accounts.set_index("account_id")
    margins = margin_ratios(money["known_cost_revenue"], money["known_cost_margin"])
    predictions = predict_clv(
        summary, fit, reporting.last_day, discount_rate, margins["margin_ratio"]
    ).merge(summary[["account_id", "x", "t_x", "T"]], on="account_id", how="left")
    rows = (
        margins.rename_axis("account_id")
        .reset_index()
        .merge(predictions, on="account_id", how="left")
        .rename(columns={"x": "repeat_transactions", "t_x": "recency_weeks", "T": "age_weeks"})
    )
    rows["month"] = reporting.first_day
    for name in PREDICTION_SCHEMA.names:
        if PREDICTION_SCHEMA.field(name).type == pa.float64():
            rows[name] = pd.to_numeric(rows[name], errors="raise").astype("float64")
    rows["repeat_transactions"] = rows["repeat_transactions"].astype("Int32")
    # from_pandas turns NaN into null: a missing prediction is null, as SQL expects
    return pa.Table.from_pandas(
        rows[PREDICTION_SCHEMA.names], schema=PREDICTION_SCHEMA, preserve_index=False
    )
