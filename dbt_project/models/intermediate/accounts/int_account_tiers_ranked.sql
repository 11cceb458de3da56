{#
    Tiers (docs/metrics.md) for every month of the spine, each from its own month's T12M revenue,
    over the accounts that exist at that month's end.
#}
with

account_months as (

    select * from {{ ref('int_account_months_summarized') }}
    where account_exists

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

ranked as (

    select
        account_id,
        month,
        t12m_revenue,
        row_number() over (
            partition by month order by t12m_revenue desc, account_id asc
        ) as tier_rank,
        sum(case when t12m_revenue > 0 then t12m_revenue else 0 end) over (
            partition by month
        ) as total_positive_t12m_revenue,
        coalesce(sum(t12m_revenue) over (
            partition by month order by t12m_revenue desc, account_id asc
            rows between unbounded preceding and 1 preceding
        ), 0) as t12m_revenue_ranked_above
    from account_months

),

tiered as (

    -- thresholds compare exact sums: above < threshold x total, never rounded shares
    select
        *,
        case
            when t12m_revenue > 0
                and t12m_revenue_ranked_above
                < total_positive_t12m_revenue
                * cast({{ var('tier_strategic_threshold') }} as decimal(9, 6))
                then 'strategic'
            when t12m_revenue > 0
                and t12m_revenue_ranked_above
                < total_positive_t12m_revenue
                * cast({{ var('tier_key_threshold') }} as decimal(9, 6))
                then 'key'
            else 'standard'
        end as computed_tier
    from ranked

),

final as (

    select
        tiered.account_id,
        tiered.month,
        tiered.t12m_revenue,
        tiered.total_positive_t12m_revenue,
        tiered.t12m_revenue_ranked_above,
        tiered.tier_rank,
        {{ kam.safe_ratio('tiered.t12m_revenue', 'tiered.total_positive_t12m_revenue') }} as share,
        {{ kam.safe_ratio('tiered.t12m_revenue_ranked_above', 'tiered.total_positive_t12m_revenue') }}
            as cum_share_before,
        tiered.computed_tier,
        coalesce(accounts.tier_override, tiered.computed_tier) as tier,
        case when accounts.tier_override is null then 'computed' else 'override' end as tier_source
    from tiered
    inner join accounts on tiered.account_id = accounts.account_id

)

select * from final
