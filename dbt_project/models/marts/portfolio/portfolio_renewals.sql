{#
    The renewals calendar of the key accounts per manager: the contracts of key accounts
    (tier at M in var report_tiers) ending within the renewal window after M
    (contract_renewals), counted and summed per manager of the account. Managers without a
    renewal due have no row. A run for M replaces month M only.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

renewals as (

    select * from {{ ref('contract_renewals') }}
    where month = {{ kam.reporting_month_start() }}

),

managers as (

    select * from {{ ref('stg_crm__account_managers') }}

),

key_account_renewals as (

    select * from renewals
    where {{ kam.is_report_tier('renewals.tier') }}

),

per_manager as (

    select
        manager_id,
        count(*) as renewals_due,
        sum(committed_value) as committed_value_due,
        sum(case when not renewed then 1 else 0 end) as renewals_open,
        coalesce(sum(case when not renewed then committed_value end), 0)
            as committed_value_open,
        sum(case when renewal_at_risk then 1 else 0 end) as renewals_at_risk,
        coalesce(sum(case when renewal_at_risk then committed_value end), 0)
            as committed_value_at_risk,
        min(end_date) as next_end_date
    from key_account_renewals
    group by manager_id

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        per_manager.manager_id,
        managers.manager_name,
        per_manager.renewals_due,
        per_manager.committed_value_due,
        per_manager.renewals_open,
        per_manager.committed_value_open,
        per_manager.renewals_at_risk,
        per_manager.committed_value_at_risk,
        per_manager.next_end_date
    from per_manager
    left join managers on per_manager.manager_id = managers.manager_id

)

select * from final
