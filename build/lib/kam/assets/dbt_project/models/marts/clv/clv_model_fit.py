"""clv_model_fit: one row per run of month M with the fitted CLV parameters.

The logic lives in kam.clv (tested there); this file only wires dbt to it. Vars reach a
Python model through its config (meta) in _clv__models.yml.
"""

from kam.clv.relations import model_fit


def model(dbt, session):
    return model_fit(
        session,
        dbt.ref("int_orders_converted"),
        dbt.ref("stg_crm__accounts"),
        month=dbt.config.meta_get("month"),
        run_id=dbt.config.meta_get("run_id"),
        min_repeat_accounts=int(dbt.config.meta_get("clv_min_repeat_accounts")),
    )
