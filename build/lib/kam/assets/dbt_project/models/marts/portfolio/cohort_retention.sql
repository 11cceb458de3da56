{#
    The cohort matrix as of M: cohort = month of an account's first completed order;
    cell (cohort, k) = share of the cohort with a completed order (refunds included) in
    month cohort + k, for every k up to M.
#}
with

orders as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed

),

months as (

    select * from {{ ref('int_months_generated') }}

),

existing_accounts as (

    select account_id from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

active_months as (

    select distinct orders.account_id, orders.order_month as active_month
    from orders
    inner join existing_accounts on orders.account_id = existing_accounts.account_id

),

cohorts as (

    select account_id, min(active_month) as cohort
    from active_months
    group by account_id

),

cohort_sizes as (

    select cohort, count(*) as cohort_size
    from cohorts
    group by cohort

),

cells as (

    select
        cohort_sizes.cohort,
        cohort_sizes.cohort_size,
        months.month as active_month,
        {{ dbt.datediff('cohort_sizes.cohort', 'months.month', 'month') }} as k
    from cohort_sizes
    inner join months on months.month >= cohort_sizes.cohort

),

active_counts as (

    select cohorts.cohort, active_months.active_month, count(*) as active_accounts
    from active_months
    inner join cohorts on active_months.account_id = cohorts.account_id
    group by cohorts.cohort, active_months.active_month

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        cells.cohort,
        cells.k,
        cells.active_month,
        cells.cohort_size,
        coalesce(active_counts.active_accounts, 0) as active_accounts,
        {{ kam.safe_ratio('coalesce(active_counts.active_accounts, 0)', 'cells.cohort_size') }}
            as share
    from cells
    left join active_counts
        on cells.cohort = active_counts.cohort
        and cells.active_month = active_counts.active_month

)

select * from final
