{#
    Accounts per lifecycle stage and tier for M (account_lifecycle): every tier (and
    'all') crossed with every stage, so an empty cell is a row with 0. moved_in counts the
    accounts whose stage changed since M-1 into this stage. A run for M replaces month M.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

lifecycle as (

    select * from {{ ref('account_lifecycle') }}
    where month = {{ kam.reporting_month_start() }}

),

portfolio_tiers as (

    {{ kam.portfolio_tier_rows() }}

),

stages as (

    select 'prospect' as stage, 1 as stage_order
    union all select 'formation', 2
    union all select 'stable', 3
    union all select 'decline', 4
    union all select 'lapsed', 5

),

cells as (

    select
        portfolio_tiers.tier,
        stages.stage,
        stages.stage_order,
        count(lifecycle.account_id) as accounts,
        coalesce(sum(case when lifecycle.stage_changed then 1 else 0 end), 0) as moved_in
    from portfolio_tiers
    cross join stages
    left join lifecycle
        on lifecycle.stage = stages.stage
        and (lifecycle.tier = portfolio_tiers.tier or portfolio_tiers.tier = 'all')
    group by portfolio_tiers.tier, stages.stage, stages.stage_order

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        tier,
        stage,
        stage_order,
        accounts,
        moved_in
    from cells

)

select * from final
