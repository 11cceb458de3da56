{#
    Lifecycle stage of every account existing at the end of M, and of M-1 for
    previous_stage, each as of its own month end. The first rule that holds wins:
      prospect  no completed order dated on or before the month's end
      lapsed    no completed order in the 12 months ending with the month
      formation the first completed order is in those 12 months
      decline   T12M revenue < lifecycle_decline_ratio x the T12M revenue of the 12 months
                before, when that earlier revenue is positive
      stable    otherwise
    Refunds are completed orders: they count as orders here, as everywhere.
#}
with

account_months as (

    select * from {{ ref('int_account_months_summarized') }}

),

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

windows as (

    -- the spine is dense per account, so row offsets are month offsets
    select
        account_id,
        month,
        months_before_m,
        account_exists,
        t12m_revenue,
        lag(t12m_revenue, 12) over (partition by account_id order by month)
            as previous_t12m_revenue,
        sum(orders) over (
            partition by account_id order by month
            rows between 11 preceding and current row
        ) as orders_t12m,
        min(case when orders > 0 then month end) over (
            partition by account_id order by month
            rows between unbounded preceding and current row
        ) as first_order_month
    from account_months

),

staged as (

    select
        *,
        case
            when first_order_month is null then 'prospect'
            when orders_t12m = 0 then 'lapsed'
            when first_order_month
                >= cast({{ dbt.dateadd('month', -11, 'month') }} as date) then 'formation'
            when previous_t12m_revenue > 0
                and t12m_revenue < previous_t12m_revenue
                * cast({{ var('lifecycle_decline_ratio') }} as decimal(9, 6)) then 'decline'
            else 'stable'
        end as stage
    from windows
    where months_before_m in (0, 1)

),

current_month as (

    select * from staged where months_before_m = 0 and account_exists

),

previous_month as (

    select * from staged where months_before_m = 1 and account_exists

),

final as (

    select
        current_month.account_id,
        current_month.month,
        tiers.tier,
        current_month.stage,
        previous_month.stage as previous_stage,
        coalesce(previous_month.stage <> current_month.stage, false) as stage_changed,
        current_month.first_order_month,
        current_month.orders_t12m,
        current_month.t12m_revenue,
        current_month.previous_t12m_revenue
    from current_month
    inner join tiers on current_month.account_id = tiers.account_id
    left join previous_month on current_month.account_id = previous_month.account_id

)

select * from final
