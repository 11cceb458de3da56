{#
    Renewals due after M: one row per contract that exists for M and ends in the
    renewal_window_days (default 90) days after the last day of M, that is end_date in
    (last day of M, last day of M + 90 days]. `renewed` when another contract that exists
    for M (of any account, possibly starting after M) names it in renewal_of; a contract
    naming itself does not count. At risk when not renewed and the account's health
    status for M is amber or red. A run for M replaces month M only.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

contracts as (

    select * from {{ ref('int_contracts_converted') }}

),

health as (

    select * from {{ ref('account_health') }}
    where month = {{ kam.reporting_month_start() }}

),

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

due as (

    select *
    from contracts
    where end_date > {{ kam.reporting_month_end() }}
        and end_date <= cast(
            {{ dbt.dateadd('day', var('renewal_window_days'), kam.reporting_month_end()) }}
            as date)

),

renewals as (

    -- the earliest-starting renewal of each renewed contract, ties by contract_id
    select
        renewal_of as renewed_contract_id,
        contract_id as renewed_by,
        start_date as renewal_start_date,
        row_number() over (
            partition by renewal_of order by start_date, contract_id
        ) as renewal_rank
    from contracts
    where renewal_of is not null
        and renewal_of <> contract_id

),

final as (

    select
        due.contract_id,
        {{ kam.reporting_month_start() }} as month,
        due.account_id,
        due.manager_id,
        tiers.tier,
        due.start_date,
        due.end_date,
        {{ dbt.datediff(kam.reporting_month_end(), 'due.end_date', 'day') }} as days_to_end,
        due.currency,
        due.original_currency,
        due.original_committed_value,
        due.committed_value,
        renewals.renewed_by is not null as renewed,
        renewals.renewed_by,
        renewals.renewal_start_date,
        health.health_status,
        renewals.renewed_by is null
            and coalesce(health.health_status in ('red', 'amber'), false) as renewal_at_risk
    from due
    left join renewals
        on due.contract_id = renewals.renewed_contract_id
        and renewals.renewal_rank = 1
    left join health on due.account_id = health.account_id
    left join tiers on due.account_id = tiers.account_id

)

select * from final
