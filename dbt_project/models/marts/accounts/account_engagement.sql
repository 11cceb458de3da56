with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

interactions as (

    select
        *,
        cast(occurred_at as date) as occurred_on
    from {{ ref('stg_crm__interactions') }}
    where occurred_at < cast({{ kam.next_month_start() }} as {{ dbt.type_timestamp() }})

),

provided as (

    -- no interactions at all means interactions.csv was not provided: not a zero score
    select count(*) > 0 as interactions_provided
    from {{ ref('stg_crm__interactions') }}

),

per_account as (

    -- the 90 calendar days ending on the last day of M
    select
        account_id,
        sum(
            case when occurred_at >= cast(
                {{ dbt.dateadd('day', -89, kam.reporting_month_end()) }} as {{ dbt.type_timestamp() }})
                then 1 else 0 end
        ) as interactions_90d,
        max(
            case when interaction_type in ('visit', 'meeting', 'business_review')
                then occurred_on end
        ) as last_visit_or_meeting_on
    from interactions
    group by account_id

),

final as (

    select
        tiers.account_id,
        tiers.month,
        tiers.tier,
        coalesce(per_account.interactions_90d, 0) as interactions_90d,
        {{ kam.engagement_standard('tiers.tier') }} as engagement_standard,
        cast(coalesce(per_account.interactions_90d, 0) as {{ kam.type_fraction() }})
            / nullif({{ kam.engagement_standard('tiers.tier') }}, 0) as engagement_ratio,
        coalesce(per_account.interactions_90d, 0)
            >= {{ kam.engagement_standard('tiers.tier') }} as meets_engagement_standard,
        per_account.last_visit_or_meeting_on,
        provided.interactions_provided,
        {{ dbt.datediff('per_account.last_visit_or_meeting_on', kam.reporting_month_end(), 'day') }}
            as days_since_last_visit_or_meeting
    from tiers
    left join per_account on tiers.account_id = per_account.account_id
    cross join provided

)

select * from final
