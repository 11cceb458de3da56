{#
    The moves between lifecycle stages since M-1 (account_lifecycle): one row per
    (previous_stage, stage) pair that at least one account took, over all accounts
    existing at both month ends. A run for M replaces month M.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

lifecycle as (

    select * from {{ ref('account_lifecycle') }}
    where month = {{ kam.reporting_month_start() }}

),

moves as (

    select
        previous_stage,
        stage,
        count(*) as accounts,
        sum(case when {{ kam.is_report_tier('tier') }} then 1 else 0 end) as key_accounts
    from lifecycle
    where stage_changed
    group by previous_stage, stage

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        previous_stage,
        stage,
        accounts,
        key_accounts
    from moves

)

select * from final
