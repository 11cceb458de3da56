{#
    Retention for M (docs/metrics.md): the base is the accounts with positive T12M revenue as
    of M-12, grouped by their tier as of M-12 (current override applied), plus 'all'.
#}
with

tiers_a_year_ago as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_offset(-12) }}

),

account_months as (

    select * from {{ ref('int_account_months_summarized') }}
    where month = {{ kam.reporting_month_start() }}

),

portfolio_tiers as (

    {{ kam.portfolio_tier_rows() }}

),

base as (

    select
        tiers_a_year_ago.account_id,
        tiers_a_year_ago.tier,
        tiers_a_year_ago.t12m_revenue as base_t12m_revenue,
        coalesce(account_months.t12m_revenue, 0) as t12m_revenue,
        case
            when coalesce(account_months.t12m_revenue, 0) < tiers_a_year_ago.t12m_revenue
                then coalesce(account_months.t12m_revenue, 0)
            else tiers_a_year_ago.t12m_revenue
        end as retained_t12m_revenue
    from tiers_a_year_ago
    left join account_months on tiers_a_year_ago.account_id = account_months.account_id
    where tiers_a_year_ago.t12m_revenue > 0

),

per_tier as (

    select
        portfolio_tiers.tier,
        count(base.account_id) as base_accounts,
        sum(case when base.t12m_revenue > 0 then 1 else 0 end) as retained_accounts,
        sum(base.base_t12m_revenue) as base_t12m_revenue,
        sum(base.retained_t12m_revenue) as retained_t12m_revenue,
        sum(base.t12m_revenue) as current_t12m_revenue
    from portfolio_tiers
    left join base
        on portfolio_tiers.tier = base.tier
        or portfolio_tiers.tier = 'all'
    group by portfolio_tiers.tier

),

final as (

    -- a tier with an empty base has null rates; GRR and NRR are not clipped
    select
        {{ kam.reporting_month_start() }} as month,
        tier,
        base_accounts,
        coalesce(retained_accounts, 0) as retained_accounts,
        coalesce(base_t12m_revenue, 0) as base_t12m_revenue,
        coalesce(retained_t12m_revenue, 0) as retained_t12m_revenue,
        coalesce(current_t12m_revenue, 0) as current_t12m_revenue,
        {{ kam.safe_ratio('retained_accounts', 'base_accounts') }} as logo_retention,
        {{ kam.safe_ratio('retained_t12m_revenue', 'base_t12m_revenue') }} as grr,
        {{ kam.safe_ratio('current_t12m_revenue', 'base_t12m_revenue') }} as nrr
    from per_tier

)

select * from final
