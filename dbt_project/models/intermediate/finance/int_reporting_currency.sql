{#
    The reporting currency (docs/metrics.md, Money): the configured currency; otherwise the single currency found
    in the orders (as of M); otherwise the currency fx_rates lists at rate 1 in every month.
#}
with

orders as (

    select * from {{ ref('stg_crm__orders') }}

),

fx_rates as (

    select * from {{ ref('stg_crm__fx_rates') }}

),

order_currencies as (

    select distinct currency
    from orders
    where order_date <= {{ kam.reporting_month_end() }}

),

single_order_currency as (

    select max(currency) as currency
    from order_currencies
    having count(*) = 1

),

rate_one_currencies as (

    select currency
    from fx_rates
    where rate_to_reporting = 1
    group by currency
    having count(distinct month) = (select count(distinct month) from fx_rates)

),

single_rate_one_currency as (

    select max(currency) as currency
    from rate_one_currencies
    having count(*) = 1

),

final as (

    select
        coalesce(
            nullif('{{ kam.checked_var("reporting_currency") }}', ''),
            (select currency from single_order_currency),
            (select currency from single_rate_one_currency)
        ) as reporting_currency,
        case
            when '{{ kam.checked_var("reporting_currency") }}' != '' then 'configured'
            when (select currency from single_order_currency) is not null then 'single_currency'
            when (select currency from single_rate_one_currency) is not null then 'fx_rate_one'
        end as resolved_by

)

select * from final
