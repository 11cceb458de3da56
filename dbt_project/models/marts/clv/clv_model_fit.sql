{#
    The CLV fit of month M as kam's fit step wrote it (source clv_fit.fitted_models, one
    row), published month by month. The fit reads int_clv_transactions; the depends_on line
    below records that in dbt's lineage, since the step runs outside dbt.
#}
-- depends_on: {{ ref('int_clv_transactions') }}
with

fitted as (

    select * from {{ source('clv_fit', 'fitted_models') }}
    where month = {{ kam.reporting_month_start() }}

),

final as (

    select
        month,
        run_id,
        r,
        alpha,
        a,
        b,
        p,
        q,
        gamma,
        accounts,
        repeat_accounts,
        spend_accounts,
        converged,
        model,
        message,
        bgnbd_log_likelihood,
        gamma_gamma_log_likelihood,
        min_repeat_accounts
    from fitted

)

select * from final
