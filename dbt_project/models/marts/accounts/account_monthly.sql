{#
    A fresh warehouse gets every month from the first month of the data to M (docs/metrics.md,
    "Which rows a mart has"). Once the table exists a run writes month M only (a rerun replaces it),
    so monthly runs do not rewrite all history; months left by other runs are kept.
#}
with

account_months as (

    select * from {{ ref('int_account_months_summarized') }}

),

reporting_currency as (

    select * from {{ ref('int_reporting_currency') }}

),

final as (

    select
        account_months.account_id,
        account_months.month,
        account_months.revenue,
        account_months.gross_margin,
        account_months.margin_coverage,
        account_months.orders,
        account_months.t12m_revenue,
        reporting_currency.reporting_currency
    from account_months
    cross join reporting_currency
    where account_months.account_exists
        and account_months.is_data_month
        {% if is_incremental() %}
            and account_months.month = {{ kam.reporting_month_start() }}
        {% endif %}

)

select * from final
