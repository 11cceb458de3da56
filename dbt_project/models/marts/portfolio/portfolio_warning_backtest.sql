{#
    The churn warning's track record: for each base month B from M-23 to M-12 (leaving
    out months before the month of the earliest completed order), did the accounts that
    churn_risk flagged as of B stop buying within a year?
      active         accounts existing at the end of B with positive T12M revenue as of B
      flagged        active accounts whose churn_risk as of B is true (the same rule as
                     account_retention, computed from the completed order dates up to B;
                     the median gap is only needed, and only computed, for accounts with
                     enough order dates and more than churn_min_days since the last one)
      lapsed         active accounts whose T12M revenue as of B+12 is <= 0
      flagged_lapsed both
      precision = flagged_lapsed / flagged, recall = flagged_lapsed / lapsed (null on 0)
    Plus one row with base_month null summing the counts over the base months (account-
    months, not distinct accounts), its precision and recall from the sums.
#}
with

account_months as (

    select * from {{ ref('int_account_months_summarized') }}

),

orders as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed

),

first_completed as (

    select min(order_month) as first_order_month from orders

),

base_months as (

    select distinct
        account_months.month as base_month,
        account_months.month_end as base_month_end
    from account_months
    cross join first_completed
    where account_months.months_before_m between 12 and 23
        and account_months.month >= first_completed.first_order_month

),

order_dates as (

    -- order_month is the month of order_date: carried along, not computed again
    select distinct account_id, order_month, order_date
    from orders

),

dates_per_month as (

    select
        account_id,
        order_month as month,
        count(*) as order_dates,
        max(order_date) as last_order_date
    from order_dates
    group by account_id, order_month

),

order_dates_to_date as (

    -- per account and month of the dense spine: order dates so far and the latest one
    select
        account_months.account_id,
        account_months.month,
        account_months.month_end,
        sum(coalesce(dates_per_month.order_dates, 0)) over (
            partition by account_months.account_id order by account_months.month
            rows between unbounded preceding and current row
        ) as order_dates,
        max(dates_per_month.last_order_date) over (
            partition by account_months.account_id order by account_months.month
            rows between unbounded preceding and current row
        ) as last_order_date
    from account_months
    left join dates_per_month
        on account_months.account_id = dates_per_month.account_id
        and account_months.month = dates_per_month.month

),

could_be_flagged as (

    -- the flag needs enough order dates and more than churn_min_days since the last one
    -- whatever the median gap; only these accounts need their gaps' median at B
    select
        order_dates_to_date.account_id,
        base_months.base_month,
        base_months.base_month_end,
        order_dates_to_date.order_dates,
        order_dates_to_date.last_order_date,
        {{ dbt.datediff('order_dates_to_date.last_order_date', 'base_months.base_month_end', 'day') }}
            as days_since_last_order
    from order_dates_to_date
    inner join base_months on order_dates_to_date.month = base_months.base_month
    where order_dates_to_date.order_dates >= {{ var('churn_min_order_dates') }}
        and {{ dbt.datediff('order_dates_to_date.last_order_date', 'base_months.base_month_end', 'day') }}
        > {{ var('churn_min_days') }}

),

order_dates_of_candidates as (

    -- an account's gaps depend on its own dates only, so the others can be left out
    select * from order_dates
    where account_id in (select account_id from could_be_flagged)

),

gaps as (

    {{ kam.order_date_gaps('order_dates_of_candidates') }}

),

median_gap_as_of_base as (

    -- the gaps between the order dates up to B are the gaps of the dates up to B
    select
        could_be_flagged.account_id,
        could_be_flagged.base_month,
        could_be_flagged.order_dates,
        could_be_flagged.days_since_last_order,
        {{ kam.median('gaps.gap_days') }} as median_gap_days
    from could_be_flagged
    inner join gaps
        on could_be_flagged.account_id = gaps.account_id
        and gaps.order_date <= could_be_flagged.base_month_end
    group by could_be_flagged.account_id, could_be_flagged.base_month,
        could_be_flagged.order_dates, could_be_flagged.days_since_last_order

),

churn_risk_as_of_base as (

    -- the rule of account_retention, as of B
    select
        account_id,
        base_month,
        {{ kam.churn_risk('order_dates', 'days_since_last_order', 'median_gap_days') }}
            as churn_risk
    from median_gap_as_of_base

),

active_at_base as (

    select
        base.account_id,
        base.month as base_month,
        a_year_later.t12m_revenue <= 0 as has_lapsed
    from account_months as base
    inner join base_months on base.month = base_months.base_month
    inner join account_months as a_year_later
        on base.account_id = a_year_later.account_id
        and a_year_later.months_before_m = base.months_before_m - 12
    where base.account_exists
        and base.t12m_revenue > 0

),

outcomes as (

    select
        active_at_base.base_month,
        active_at_base.account_id,
        coalesce(churn_risk_as_of_base.churn_risk, false) as is_flagged,
        active_at_base.has_lapsed
    from active_at_base
    left join churn_risk_as_of_base
        on active_at_base.account_id = churn_risk_as_of_base.account_id
        and active_at_base.base_month = churn_risk_as_of_base.base_month

),

per_base_month as (

    select
        base_months.base_month,
        count(outcomes.account_id) as active,
        coalesce(sum(case when outcomes.is_flagged then 1 else 0 end), 0) as flagged,
        coalesce(sum(case when outcomes.has_lapsed then 1 else 0 end), 0) as lapsed,
        coalesce(sum(case when outcomes.is_flagged and outcomes.has_lapsed then 1 else 0 end), 0)
            as flagged_lapsed
    from base_months
    left join outcomes on base_months.base_month = outcomes.base_month
    group by base_months.base_month

),

with_summary as (

    select base_month, 1 as base_months, active, flagged, lapsed, flagged_lapsed
    from per_base_month
    union all
    select
        cast(null as date) as base_month,
        count(*) as base_months,
        coalesce(sum(active), 0) as active,
        coalesce(sum(flagged), 0) as flagged,
        coalesce(sum(lapsed), 0) as lapsed,
        coalesce(sum(flagged_lapsed), 0) as flagged_lapsed
    from per_base_month

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        base_month,
        base_months,
        active,
        flagged,
        lapsed,
        flagged_lapsed,
        {{ kam.safe_ratio('flagged_lapsed', 'flagged') }} as precision,
        {{ kam.safe_ratio('flagged_lapsed', 'lapsed') }} as recall
    from with_summary

)

select * from final
