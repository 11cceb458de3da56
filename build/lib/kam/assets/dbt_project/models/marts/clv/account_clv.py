"""account_clv: one row per account existing at the end of month M.

Predictions use the parameters stored in clv_model_fit for M, so the published fit and
the per-account values always agree. The logic lives in kam.clv.relations.
"""

from kam.clv.relations import account_clv


def model(dbt, session):
    return account_clv(
        session,
        dbt.ref("int_orders_converted"),
        dbt.ref("stg_crm__accounts"),
        dbt.ref("clv_model_fit"),
        month=dbt.config.meta_get("month"),
        run_id=dbt.config.meta_get("run_id"),
        discount_rate=float(dbt.config.meta_get("clv_discount_rate")),
    )
