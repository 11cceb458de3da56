{#
    The themes across the key accounts (tier at M in var report_tiers) for M, summing
    account_themes (texts of T12M): accounts mentioning the theme, mentions, negative and
    complaint mentions. Ranked like an account's themes: most negative plus complaint
    mentions, then most mentions, then theme. A run for M replaces month M only.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

themes as (

    select * from {{ ref('account_themes') }}
    where month = {{ kam.reporting_month_start() }}

),

tiers as (

    select * from {{ ref('account_tier') }}
    where month = {{ kam.reporting_month_start() }}

),

per_theme as (

    select
        themes.theme,
        count(*) as accounts,
        sum(themes.mentions) as mentions,
        sum(themes.negative_mentions) as negative_mentions,
        sum(themes.complaint_mentions) as complaint_mentions
    from themes
    inner join tiers on themes.account_id = tiers.account_id
    where {{ kam.is_report_tier('tiers.tier') }}
    group by themes.theme

),

final as (

    select
        {{ kam.reporting_month_start() }} as month,
        theme,
        accounts,
        mentions,
        negative_mentions,
        complaint_mentions,
        row_number() over (
            order by negative_mentions + complaint_mentions desc, mentions desc, theme
        ) as theme_rank
    from per_theme

)

select * from final
