with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

months as (

    select * from {{ ref('int_months_generated') }}

),

orders as (

    select * from {{ ref('int_orders_converted') }}

),

monthly_orders as (

    -- cancelled rows count nowhere; refunds are completed rows
    select
        account_id,
        order_month as month,
        sum(amount) as revenue,
        sum(case when cost is not null then margin end) as gross_margin,
        sum(case when cost is not null then amount end) as revenue_with_known_cost,
        count(*) as orders
    from orders
    where is_completed
    group by account_id, order_month

),

account_months as (

    -- every account in every month, also before it existed, so windows see all revenue
    select
        accounts.account_id,
        months.month,
        months.month_end,
        months.months_before_m,
        months.is_data_month,
        accounts.created_at <= months.month_end as account_exists,
        coalesce(monthly_orders.revenue, 0) as revenue,
        coalesce(monthly_orders.gross_margin, 0) as gross_margin,
        coalesce(monthly_orders.revenue_with_known_cost, 0) as revenue_with_known_cost,
        coalesce(monthly_orders.orders, 0) as orders
    from accounts
    cross join months
    left join monthly_orders
        on accounts.account_id = monthly_orders.account_id
        and months.month = monthly_orders.month

),

final as (

    select
        *,
        {{ kam.safe_ratio('revenue_with_known_cost', 'revenue') }} as margin_coverage,
        -- the spine is dense per account, so 12 rows are the 12 months ending here
        sum(revenue) over (
            partition by account_id order by month
            rows between 11 preceding and current row
        ) as t12m_revenue
    from account_months

)

select * from final
