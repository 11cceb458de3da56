"""The CLV marts' logic on DuckDB relations, called by the dbt Python models.

dbt-duckdb runs Python models in-process: `dbt.ref()` gives DuckDB relations and the model
returns one. Money sums (historical_clv) stay in SQL so they are exact DECIMALs
(docs/metrics.md, Money); the fitted models work on floats.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pandas as pd

from kam.clv.bgnbd import BgNbdParams
from kam.clv.gamma_gamma import GammaGammaParams
from kam.clv.model import ClvFit, fit_clv, predict_clv
from kam.clv.rfm import summarise_transactions
from kam.clv.value import margin_ratios
from kam.month import Month

FIT_PARAMETERS = ("r", "alpha", "a", "b", "p", "q", "gamma")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def existing_accounts(
    accounts: duckdb.DuckDBPyRelation, month_end: date
) -> duckdb.DuckDBPyRelation:
    """Accounts created on or before the last day of M: the accounts that exist for M."""
    return accounts.filter(f"created_at <= DATE '{month_end.isoformat()}'").project("account_id")


def completed_orders(
    orders: duckdb.DuckDBPyRelation, accounts: duckdb.DuckDBPyRelation, month_end: date
) -> duckdb.DuckDBPyRelation:
    """Completed rows (refunds included) of existing accounts dated on or before M's end."""
    return orders.filter(
        f"is_completed and order_date <= DATE '{month_end.isoformat()}'"
    ).join(existing_accounts(accounts, month_end), "account_id", how="semi")


def account_history(
    orders: duckdb.DuckDBPyRelation, accounts: duckdb.DuckDBPyRelation, month_end: date
) -> pd.DataFrame:
    """The purchase history (kam.clv.rfm) of every existing account to the end of M."""
    rows = completed_orders(orders, accounts, month_end).project(
        "account_id, order_date, cast(amount as double) as amount"
    )
    return summarise_transactions(rows.df(), month_end)


def model_fit(
    session: duckdb.DuckDBPyConnection,
    orders: duckdb.DuckDBPyRelation,
    accounts: duckdb.DuckDBPyRelation,
    *,
    month: str,
    run_id: str,
    min_repeat_accounts: int,
) -> duckdb.DuckDBPyRelation:
    """clv_model_fit: one row for the run of `month`."""
    reporting = Month.parse(month)  # a dbt var: text
    month_start, month_end = reporting.first_day, reporting.last_day
    fit = fit_clv(account_history(orders, accounts, month_end), min_repeat_accounts)
    row = {
        "month": month_start,
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
    frame = pd.DataFrame([row]).astype(
        {name: "float64" for name in (*FIT_PARAMETERS, "bgnbd_log_likelihood",
                                      "gamma_gamma_log_likelihood")}
        | {"converged": "boolean"}
    )
    return session.from_df(frame).project(
        "cast(month as date) as month, run_id, "
        + ", ".join(FIT_PARAMETERS)
        + ", cast(accounts as integer) as accounts,"
        " cast(repeat_accounts as integer) as repeat_accounts,"
        " cast(spend_accounts as integer) as spend_accounts,"
        " converged, model, message, bgnbd_log_likelihood, gamma_gamma_log_likelihood,"
        " cast(min_repeat_accounts as integer) as min_repeat_accounts"
    )


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


def account_clv(
    session: duckdb.DuckDBPyConnection,
    orders: duckdb.DuckDBPyRelation,
    accounts: duckdb.DuckDBPyRelation,
    model_fits: duckdb.DuckDBPyRelation,
    *,
    month: str,
    run_id: str,
    discount_rate: float,
) -> duckdb.DuckDBPyRelation:
    """account_clv: one row per account existing at the end of `month`."""
    reporting = Month.parse(month)  # a dbt var: text
    month_start, month_end = reporting.first_day, reporting.last_day
    fit_rows = model_fits.filter(f"month = DATE '{month_start.isoformat()}'")
    fit_records = fit_rows.df().to_dict("records")
    if len(fit_records) != 1:
        raise ValueError(f"clv_model_fit has {len(fit_records)} rows for {month}, expected 1")
    fit = fit_from_row(fit_records[0])

    completed = completed_orders(orders, accounts, month_end)
    historical = completed.aggregate(
        "account_id,"
        " sum(case when cost is null then amount else amount - cost end) as historical_clv,"
        " bool_or(cost is null) as historical_clv_cost_unknown,"
        " cast(coalesce(sum(amount) filter (where cost is not null), 0) as double)"
        "   as known_cost_revenue,"
        " cast(coalesce(sum(amount - cost) filter (where cost is not null), 0) as double)"
        "   as known_cost_margin",
        "account_id",
    )
    existing = existing_accounts(accounts, month_end)
    money = existing.join(historical, "account_id", how="left").df().set_index("account_id")
    margins = margin_ratios(
        money["known_cost_revenue"].fillna(0.0), money["known_cost_margin"].fillna(0.0)
    )

    summary = account_history(orders, accounts, month_end)
    predictions = predict_clv(summary, fit, month_end, discount_rate, margins["margin_ratio"])
    predictions = predictions.merge(
        summary[["account_id", "x", "t_x", "T"]], on="account_id", how="left"
    )
    scored = session.from_df(
        predictions.astype({c: "float64" for c in predictions.columns if c != "account_id"})
    )
    margin_rel = session.from_df(margins.rename_axis("account_id").reset_index())
    return (
        existing.join(historical, "account_id", how="left")
        .join(scored, "account_id", how="left")
        .join(margin_rel, "account_id", how="left")
        .project(
            f"account_id, DATE '{month_start.isoformat()}' as month,"
            " coalesce(historical_clv, 0) as historical_clv,"
            " coalesce(historical_clv_cost_unknown, false) as historical_clv_cost_unknown,"
            " p_alive, expected_purchases_12m, expected_avg_order_value, predicted_clv_12m,"
            f" {_sql_string(fit.model)} as model,"
            " cast(x as integer) as repeat_transactions, t_x as recency_weeks, T as age_weeks,"
            " margin_ratio, margin_ratio_source,"
            f" {_sql_string(run_id)} as run_id"
        )
        .order("account_id")
    )
