{#
    One row per account existing at the end of M with its money to date: the exact
    historical CLV that account_clv publishes, and the known-cost revenue and margin (as
    floats) from which the CLV fit step derives each account's margin ratio.
#}
with

existing_accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}
    where created_at <= {{ kam.reporting_month_end() }}

),

completed as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed
        and order_date <= {{ kam.reporting_month_end() }}
        and account_id in (select account_id from existing_accounts)

),

per_account as (

    select
        account_id,
        sum(case when cost is null then amount else amount - cost end) as historical_clv,
        {{ dbt.bool_or('cost is null') }} as historical_clv_cost_unknown,
        cast(coalesce(sum(case when cost is not null then amount end), 0)
            as {{ kam.type_fraction() }}) as known_cost_revenue,
        cast(coalesce(sum(case when cost is not null then amount - cost end), 0)
            as {{ kam.type_fraction() }}) as known_cost_margin
    from completed
    group by account_id

),

final as (

    select
        existing_accounts.account_id,
        coalesce(per_account.historical_clv, 0) as historical_clv,
        coalesce(per_account.historical_clv_cost_unknown, false) as historical_clv_cost_unknown,
        coalesce(per_account.known_cost_revenue, 0) as known_cost_revenue,
        coalesce(per_account.known_cost_margin, 0) as known_cost_margin
    from existing_accounts
    left join per_account on existing_accounts.account_id = per_account.account_id

)

select * from final
