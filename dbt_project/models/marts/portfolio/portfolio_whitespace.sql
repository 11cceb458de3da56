{#
    The cross-sell opportunity of the key accounts per product line (account_whitespace,
    every rank): how many key accounts (tier at M in var report_tiers) have the line as an
    opportunity, and the sum of their peers' median revenue on it - what the line would
    bring if each of them bought like its typical peer. Ranked by that sum descending,
    then accounts descending, then product_line. A run for M replaces month M only.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

whitespace as (

    select * from {{ ref('account_whitespace') }}
    where month = {{ kam.reporting_month_start() }}

),

per_line as (

    select
        product_line,
        count(*) as accounts,
        sum(case when rank <= 3 then 1 else 0 end) as accounts_in_top_three,
        sum(peer_median_revenue) as opportunity_revenue
    from whitespace
    where {{ kam.is_report_tier('tier') }}
    group by product_line

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        product_line,
        accounts,
        accounts_in_top_three,
        opportunity_revenue,
        row_number() over (
            order by opportunity_revenue desc, accounts desc, product_line
        ) as product_line_rank
    from per_line

)

select * from final
