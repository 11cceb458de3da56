{# The tier mix of the portfolio for M: one row per tier, plus 'all'. #}
with

tiers as (

    select * from {{ ref('account_tier') }}
    where month = {{ kam.reporting_month_start() }}

),

portfolio_tiers as (

    {{ kam.portfolio_tier_rows() }}

),

per_tier as (

    select
        portfolio_tiers.tier,
        count(tiers.account_id) as accounts,
        sum(case when tiers.tier_source = 'override' then 1 else 0 end) as overridden_accounts,
        sum(case when tiers.tier_change = 'new' then 1 else 0 end) as new_accounts,
        sum(case when tiers.tier_change = 'up' then 1 else 0 end) as moved_up,
        sum(case when tiers.tier_change = 'down' then 1 else 0 end) as moved_down,
        coalesce(sum(tiers.t12m_revenue), 0) as t12m_revenue,
        coalesce(sum(case when tiers.t12m_revenue > 0 then tiers.t12m_revenue else 0 end), 0)
            as positive_t12m_revenue
    from portfolio_tiers
    left join tiers
        on portfolio_tiers.tier = tiers.tier
        or portfolio_tiers.tier = 'all'
    group by portfolio_tiers.tier

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        per_tier.tier,
        per_tier.accounts,
        per_tier.overridden_accounts,
        per_tier.new_accounts,
        per_tier.moved_up,
        per_tier.moved_down,
        per_tier.t12m_revenue,
        {{ kam.safe_ratio('per_tier.positive_t12m_revenue', 'portfolio.positive_t12m_revenue') }}
            as share
    from per_tier
    inner join per_tier as portfolio on portfolio.tier = 'all'

)

select * from final
