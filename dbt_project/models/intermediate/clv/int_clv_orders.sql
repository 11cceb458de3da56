{#
    The purchase history the CLV fit reads (kam's fit step, between the two dbt builds of a
    run): the completed rows, refunds included, of the accounts existing at the end of M,
    dated on or before its last day. Amounts are floats because the fitted models work on
    floats; money sums stay exact in int_clv_accounts.
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

final as (

    select
        account_id,
        order_date,
        cast(amount as {{ kam.type_fraction() }}) as amount,
        source_file,
        source_line
    from orders
    where account_id in (select account_id from existing_accounts)

)

select * from final
