"""The CLV fit step of a run, between its two dbt builds (docs/models.md, Lifetime value).

dbt builds the fit's inputs first (int_clv_transactions, int_clv_accounts and what they read);
this step reads them through the target's engine, fits the models with kam.clv and writes
the source tables clv_fit.fitted_models and clv_fit.account_predictions; the second dbt
build makes the marts clv_model_fit and account_clv from them. Running the fit here rather
than in a dbt Python model keeps it the same on every engine (dbt-spark runs no Python
models outside Databricks).
"""

from __future__ import annotations

from dataclasses import dataclass

from kam.clv.relations import account_predictions, history_summary, model_fit
from kam.transform.engines import Warehouse

FIT_SCHEMA_NAME = "clv"
FITTED_MODELS = "fitted_models"
ACCOUNT_PREDICTIONS = "account_predictions"

# One row per account and day, summed exactly in SQL; a fixed order all the same.
ORDERS_SQL = (
    "select account_id, order_date, amount from staging.int_clv_transactions"
    " order by account_id, order_date"
)
ACCOUNTS_SQL = (
    "select account_id, known_cost_revenue, known_cost_margin from staging.int_clv_accounts"
    " order by account_id"
)


@dataclass(frozen=True)
class ClvFitOutcome:
    month: str
    model: str
    accounts: int
    message: str


def fit_clv_month(warehouse: Warehouse, variables: dict[str, object]) -> ClvFitOutcome:
    """Fit month `variables['month']` on `warehouse` and write the fit's two tables."""
    month, run_id = str(variables["month"]), str(variables["run_id"])
    orders = warehouse.read(ORDERS_SQL)
    accounts = warehouse.read(ACCOUNTS_SQL)
    summary = history_summary(orders, month=month)
    fit, fit_table = model_fit(
        summary, month=month, run_id=run_id,
        min_repeat_accounts=int(variables["clv_min_repeat_accounts"]),
    )
    predictions = account_predictions(
        summary, accounts, fit, month=month,
        discount_rate=float(variables["clv_discount_rate"]),
    )
    warehouse.write(FIT_SCHEMA_NAME, FITTED_MODELS, fit_table)
    warehouse.write(FIT_SCHEMA_NAME, ACCOUNT_PREDICTIONS, predictions)
    return ClvFitOutcome(month=month, model=fit.model, accounts=predictions.num_rows,
                         message=fit.message)
