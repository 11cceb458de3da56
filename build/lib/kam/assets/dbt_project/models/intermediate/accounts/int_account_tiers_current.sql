{# The tiers of month M alone, one row per account: what the tier snapshot records. #}
with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}

),

final as (

    select
        account_id,
        month,
        t12m_revenue,
        share,
        computed_tier,
        tier,
        tier_source
    from tiers
    where month = {{ kam.reporting_month_start() }}

)

select * from final
