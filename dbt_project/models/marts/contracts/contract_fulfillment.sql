{#
    Contract fulfillment for month M: one row per contract in force at the end of M
    (start_date <= last day of M <= end_date) among the contracts that exist for M. The
    commitment to date is the committed value pro rata of the days elapsed; revenue to
    date is the account's completed revenue dated from start_date to the last day of M.
    Several contracts of one account each measure against all of its revenue in their own
    window. A run for M replaces month M only (months without a contract in force have no
    rows, so the month is deleted first).
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

contracts as (

    select * from {{ ref('int_contracts_converted') }}

),

orders as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed

),

in_force as (

    select
        *,
        {{ dbt.datediff('start_date', kam.reporting_month_end(), 'day') }} + 1 as elapsed_days
    from contracts
    where start_date <= {{ kam.reporting_month_end() }}
        and end_date >= {{ kam.reporting_month_end() }}

),

revenue_in_window as (

    -- every completed row (refunds too) of the account dated in the contract's window so far
    select
        in_force.contract_id,
        sum(orders.amount) as revenue_to_date
    from in_force
    inner join orders
        on in_force.account_id = orders.account_id
        and orders.order_date >= in_force.start_date
        and orders.order_date <= {{ kam.reporting_month_end() }}
    group by in_force.contract_id

),

measured as (

    select
        in_force.*,
        -- pro rata of the term; the division is the only inexact step (12 decimals kept)
        {{ kam.pro_rata('in_force.committed_value', 'in_force.elapsed_days', 'in_force.term_days') }}
            as committed_to_date,
        coalesce(revenue_in_window.revenue_to_date, 0) as revenue_to_date,
        {{ kam.safe_ratio('in_force.elapsed_days', 'in_force.term_days') }} as elapsed_share
    from in_force
    left join revenue_in_window on in_force.contract_id = revenue_in_window.contract_id

),

final as (

    select
        contract_id,
        {{ kam.reporting_month_start() }} as month,
        account_id,
        manager_id,
        renewal_of,
        start_date,
        end_date,
        signed_date,
        term_days,
        elapsed_days,
        elapsed_share,
        currency,
        original_currency,
        original_committed_value,
        fx_rate,
        committed_value,
        committed_to_date,
        revenue_to_date,
        {{ kam.safe_ratio('revenue_to_date', 'committed_to_date') }} as fulfillment,
        coalesce(
            {{ kam.safe_ratio('revenue_to_date', 'committed_to_date') }}
                < {{ var('contract_under_fulfilled_below') }}
            and elapsed_share >= {{ var('contract_min_elapsed_share') }},
            false
        ) as under_fulfilled
    from measured

)

select * from final
