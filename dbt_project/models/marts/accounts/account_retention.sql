with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

orders as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed

),

order_dates as (

    -- refunds are completed orders, so their dates count
    select distinct account_id, order_date
    from orders

),

gaps as (

    {{ kam.order_date_gaps('order_dates') }}

),

per_account as (

    select
        account_id,
        count(*) as order_dates,
        max(order_date) as last_order_date,
        {{ kam.median('gap_days') }} as median_gap_days
    from gaps
    group by account_id

),

final as (

    select
        tiers.account_id,
        tiers.month,
        per_account.last_order_date,
        {{ dbt.datediff('per_account.last_order_date', kam.reporting_month_end(), 'day') }}
            as days_since_last_order,
        coalesce(per_account.order_dates, 0) as order_dates,
        case
            when per_account.order_dates >= {{ var('churn_min_order_dates') }}
                then per_account.median_gap_days
        end as median_gap_days,
        {{ kam.churn_risk(
            'per_account.order_dates',
            dbt.datediff('per_account.last_order_date', kam.reporting_month_end(), 'day'),
            'per_account.median_gap_days') }} as churn_risk
    from tiers
    left join per_account on tiers.account_id = per_account.account_id

)

select * from final
