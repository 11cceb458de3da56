with

orders as (

    select * from {{ ref('stg_crm__orders') }}

),

fx_rates as (

    select * from {{ ref('stg_crm__fx_rates') }}

),

reporting_currency as (

    select * from {{ ref('int_reporting_currency') }}

),

orders_as_of_month as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month
    from orders
    where order_date <= {{ kam.reporting_month_end() }}

),

rated as (

    -- each row converts at its own month's rate; the reporting currency itself is 1
    select
        orders_as_of_month.*,
        reporting_currency.reporting_currency,
        case
            when orders_as_of_month.currency = reporting_currency.reporting_currency
                then cast(1 as decimal(18, 8))
            else fx_rates.rate_to_reporting
        end as fx_rate
    from orders_as_of_month
    cross join reporting_currency
    left join fx_rates
        on orders_as_of_month.order_month = fx_rates.month
        and orders_as_of_month.currency = fx_rates.currency

),

final as (

    select
        order_id,
        account_id,
        order_date,
        order_month,
        product_line,
        status,
        status = 'completed' as is_completed,
        reporting_currency as currency,
        currency as original_currency,
        amount as original_amount,
        cost as original_cost,
        fx_rate,
        {{ kam.convert_money('amount', 'fx_rate') }} as amount,
        {{ kam.convert_money('cost', 'fx_rate') }} as cost,
        {{ kam.convert_money('amount', 'fx_rate') }}
            - {{ kam.convert_money('cost', 'fx_rate') }} as margin,
        source_file,
        source_line
    from rated

)

select * from final
