{#
    Historical and predicted CLV of every account existing at the end of M. The exact
    historical figures come from int_clv_accounts; the predictions, the purchase history
    summary (x, t_x, T) and the margin ratio from kam's fit step (source
    clv_fit.account_predictions), made with the parameters published in clv_model_fit
    for M, so the published fit and the per-account values always agree.
#}
-- depends_on: {{ ref('int_clv_transactions') }}
with

accounts as (

    select * from {{ ref('int_clv_accounts') }}

),

predictions as (

    select * from {{ source('clv_fit', 'account_predictions') }}
    where month = {{ kam.reporting_month_start() }}

),

fit as (

    select * from {{ ref('clv_model_fit') }}
    where month = {{ kam.reporting_month_start() }}

),

final as (

    select
        accounts.account_id,
        {{ kam.reporting_month_start() }} as month,
        accounts.historical_clv,
        accounts.historical_clv_cost_unknown,
        predictions.p_alive,
        predictions.expected_purchases_12m,
        predictions.expected_avg_order_value,
        predictions.predicted_clv_12m,
        fit.model,
        predictions.repeat_transactions,
        predictions.recency_weeks,
        predictions.age_weeks,
        predictions.margin_ratio,
        predictions.margin_ratio_source,
        '{{ kam.checked_var("run_id") }}' as run_id
    from accounts
    cross join fit
    left join predictions on accounts.account_id = predictions.account_id

)

select * from final
