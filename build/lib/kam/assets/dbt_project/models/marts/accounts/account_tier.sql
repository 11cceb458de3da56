with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}

),

current_month as (

    select * from tiers
    where month = {{ kam.reporting_month_start() }}

),

previous_month as (

    -- M-1 computed from the inputs as of its own month end, not from earlier runs
    select * from tiers
    where month = {{ kam.reporting_month_offset(-1) }}

),

final as (

    select
        current_month.account_id,
        current_month.month,
        current_month.t12m_revenue,
        current_month.share,
        current_month.cum_share_before,
        current_month.tier_rank,
        current_month.computed_tier,
        current_month.tier,
        current_month.tier_source,
        previous_month.tier as previous_tier,
        case
            when previous_month.account_id is null then 'new'
            when {{ kam.tier_level('current_month.tier') }} > {{ kam.tier_level('previous_month.tier') }}
                then 'up'
            when {{ kam.tier_level('current_month.tier') }} < {{ kam.tier_level('previous_month.tier') }}
                then 'down'
            else 'same'
        end as tier_change
    from current_month
    left join previous_month on current_month.account_id = previous_month.account_id

)

select * from final
