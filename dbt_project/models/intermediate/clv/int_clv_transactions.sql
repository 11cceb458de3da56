{#
    The purchase history the CLV fit reads (kam's fit step, between the two dbt builds of a
    run): one transaction per account and day, the exact sum of that day's completed rows
    (refunds included) of an account existing at the end of M, dated on or before its last
    day. The sum is exact (DECIMAL) and only then a float for the fitted models, so the
    fit's input does not depend on the order in which an engine adds up same-day rows.
#}
with

orders as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed
        and order_date <= {{ kam.reporting_month_end() }}

),

existing_accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}
    where created_at <= {{ kam.reporting_month_end() }}

),

daily as (

    select
        account_id,
        order_date,
        sum(amount) as amount,
        count(*) as order_rows
    from orders
    where account_id in (select account_id from existing_accounts)
    group by account_id, order_date

),

final as (

    select
        account_id,
        order_date,
        cast(amount as {{ kam.type_fraction() }}) as amount,
        order_rows
    from daily

)

select * from final
