{#
    Cross-sell whitespace for month M: one row per (account, product line) opportunity.
    An account buys a line when its T12M revenue on the line is positive (rows without a
    product line are no line). Peers of an account are the other accounts existing at M
    with positive T12M revenue and the same tier, and the same non-empty industry
    (peer_group industry_tier); with fewer than whitespace_min_peers of those, the other
    accounts of the same tier (peer_group tier); with fewer again, the account gets no row.
    A line the account does not buy is an opportunity when the share of peers buying it
    is at least whitespace_min_penetration.

    Computed per group, not per pair of accounts: an account never buys a line it is
    offered, so the peers buying that line are exactly the group's buyers, and the peer
    count is the group's size less the account itself when it belongs to the group.
    A run for M replaces month M only.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

orders as (

    select * from {{ ref('int_orders_converted') }}
    where is_completed
        and product_line is not null
        and order_month >= {{ kam.reporting_month_offset(-11) }}

),

existing_accounts as (

    select
        tiers.account_id,
        tiers.tier,
        accounts.industry,
        tiers.t12m_revenue > 0 as is_candidate_peer
    from tiers
    inner join accounts on tiers.account_id = accounts.account_id

),

line_revenue as (

    select
        account_id,
        product_line,
        sum(amount) as line_t12m_revenue
    from orders
    group by account_id, product_line

),

bought_lines as (

    select
        line_revenue.account_id,
        line_revenue.product_line,
        line_revenue.line_t12m_revenue,
        existing_accounts.tier,
        existing_accounts.industry
    from line_revenue
    inner join existing_accounts on line_revenue.account_id = existing_accounts.account_id
    where line_revenue.line_t12m_revenue > 0
        and existing_accounts.is_candidate_peer

),

industry_tier_sizes as (

    select industry, tier, count(*) as group_size
    from existing_accounts
    where is_candidate_peer and industry is not null
    group by industry, tier

),

tier_sizes as (

    select tier, count(*) as group_size
    from existing_accounts
    where is_candidate_peer
    group by tier

),

peer_groups as (

    -- each account's peer group: industry_tier when large enough, else tier, else none
    select
        existing_accounts.account_id,
        existing_accounts.tier,
        existing_accounts.industry,
        case
            when coalesce(industry_tier_sizes.group_size, 0)
                - case when existing_accounts.is_candidate_peer then 1 else 0 end
                >= {{ var('whitespace_min_peers') }} then 'industry_tier'
            when coalesce(tier_sizes.group_size, 0)
                - case when existing_accounts.is_candidate_peer then 1 else 0 end
                >= {{ var('whitespace_min_peers') }} then 'tier'
        end as peer_group,
        coalesce(industry_tier_sizes.group_size, 0)
            - case when existing_accounts.is_candidate_peer then 1 else 0 end
            as industry_tier_peers,
        coalesce(tier_sizes.group_size, 0)
            - case when existing_accounts.is_candidate_peer then 1 else 0 end as tier_peers
    from existing_accounts
    left join industry_tier_sizes
        on existing_accounts.industry = industry_tier_sizes.industry
        and existing_accounts.tier = industry_tier_sizes.tier
    left join tier_sizes on existing_accounts.tier = tier_sizes.tier

),

industry_tier_lines as (

    select
        'industry_tier' as peer_group,
        industry,
        tier,
        product_line,
        count(*) as buying_peers,
        {{ kam.median('line_t12m_revenue') }} as peer_median_revenue
    from bought_lines
    where industry is not null
    group by industry, tier, product_line

),

tier_lines as (

    select
        'tier' as peer_group,
        cast(null as {{ dbt.type_string() }}) as industry,
        tier,
        product_line,
        count(*) as buying_peers,
        {{ kam.median('line_t12m_revenue') }} as peer_median_revenue
    from bought_lines
    group by tier, product_line

),

group_lines as (

    select * from industry_tier_lines
    union all
    select * from tier_lines

),

offered as (

    select
        peer_groups.account_id,
        peer_groups.tier,
        peer_groups.industry,
        peer_groups.peer_group,
        case when peer_groups.peer_group = 'industry_tier'
            then peer_groups.industry_tier_peers else peer_groups.tier_peers end as peers,
        group_lines.product_line,
        group_lines.buying_peers,
        group_lines.peer_median_revenue
    from peer_groups
    inner join group_lines
        on peer_groups.peer_group = group_lines.peer_group
        and peer_groups.tier = group_lines.tier
        and (peer_groups.peer_group = 'tier' or peer_groups.industry = group_lines.industry)
    left join line_revenue
        on peer_groups.account_id = line_revenue.account_id
        and group_lines.product_line = line_revenue.product_line
    -- lines the account already buys are not whitespace
    where coalesce(line_revenue.line_t12m_revenue, 0) <= 0

),

opportunities as (

    select
        *,
        {{ kam.safe_ratio('buying_peers', 'peers') }} as peer_penetration
    from offered

),

final as (

    select
        account_id,
        {{ kam.reporting_month_start() }} as month,
        product_line,
        tier,
        industry,
        peer_group,
        peers,
        buying_peers,
        peer_penetration,
        peer_median_revenue,
        row_number() over (
            partition by account_id
            order by peer_penetration desc, peer_median_revenue desc,
                {{ kam.code_point_order('product_line') }} asc
        ) as rank
    from opportunities
    where peer_penetration >= {{ var('whitespace_min_penetration') }}

)

select * from final
