{#
    The contract figures of each account for M, one row per account existing at the end
    of M (zeros without contracts): what the risk rules read and the review's header shows.
#}
with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

fulfillment as (

    select * from {{ ref('contract_fulfillment') }}
    where month = {{ kam.reporting_month_start() }}

),

renewals as (

    select * from {{ ref('contract_renewals') }}
    where month = {{ kam.reporting_month_start() }}

),

fulfillment_per_account as (

    select
        account_id,
        count(*) as contracts_in_force,
        sum(case when under_fulfilled then 1 else 0 end) as under_fulfilled_contracts,
        sum(committed_to_date) as committed_to_date,
        sum(revenue_to_date) as revenue_to_date_of_contracts
    from fulfillment
    group by account_id

),

renewals_per_account as (

    select
        account_id,
        count(*) as renewals_due,
        sum(case when renewal_at_risk then 1 else 0 end) as renewals_at_risk,
        sum(case when not renewed then committed_value else 0 end) as committed_value_up_for_renewal,
        min(end_date) as next_contract_end_date
    from renewals
    group by account_id

),

final as (

    select
        tiers.account_id,
        tiers.month,
        coalesce(fulfillment_per_account.contracts_in_force, 0) as contracts_in_force,
        coalesce(fulfillment_per_account.under_fulfilled_contracts, 0) as under_fulfilled_contracts,
        coalesce(fulfillment_per_account.committed_to_date, 0) as committed_to_date,
        coalesce(fulfillment_per_account.revenue_to_date_of_contracts, 0)
            as revenue_to_date_of_contracts,
        coalesce(renewals_per_account.renewals_due, 0) as renewals_due,
        coalesce(renewals_per_account.renewals_at_risk, 0) as renewals_at_risk,
        coalesce(renewals_per_account.committed_value_up_for_renewal, 0)
            as committed_value_up_for_renewal,
        renewals_per_account.next_contract_end_date
    from tiers
    left join fulfillment_per_account on tiers.account_id = fulfillment_per_account.account_id
    left join renewals_per_account on tiers.account_id = renewals_per_account.account_id

)

select * from final
