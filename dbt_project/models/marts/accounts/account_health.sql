{#
    Health score 0-100 (docs/metrics.md): the weighted mean of the component scores present,
    weights from var health_weights; a missing component's weight is redistributed over
    the others and the component is listed in missing_components. Component scores:
      revenue_trend: 50 + 50 x growth of T3M revenue (M-2..M) over the same months a year
                     earlier, clipped to 0..100 (flat = 50, doubled = 100, halved = 25);
                     missing when the earlier T3M is <= 0.
      nps:           (NPS over T12M + 100) / 2; missing without responses.
      sla:           sla_compliance over T12M (already a percentage); missing without
                     answered or missed tickets.
      engagement:    100 x interactions_90d / the tier's standard, capped at 100; missing
                     when no interactions were provided at all.
      p_alive:       100 x p_alive from account_clv; missing when null.
#}
{%- set weights = var('health_weights') -%}
{%- set components = ['revenue_trend', 'nps', 'sla', 'engagement', 'p_alive'] -%}
{%- set missing_labels = [] -%}
{%- for component in components -%}
    {%- do missing_labels.append(
        "case when " ~ component ~ "_score is null then ', " ~ component ~ "' else '' end") -%}
{%- endfor %}

with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

account_months as (

    select * from {{ ref('int_account_months_summarized') }}

),

satisfaction as (

    select * from {{ ref('account_satisfaction') }}
    where month = {{ kam.reporting_month_start() }}

),

service as (

    select * from {{ ref('account_service') }}
    where month = {{ kam.reporting_month_start() }}

),

engagement as (

    select * from {{ ref('account_engagement') }}
    where month = {{ kam.reporting_month_start() }}

),

clv as (

    select * from {{ ref('account_clv') }}
    where month = {{ kam.reporting_month_start() }}

),

revenue_trend as (

    select
        account_id,
        sum(case when months_before_m between 0 and 2 then revenue else 0 end) as t3m_revenue,
        sum(case when months_before_m between 12 and 14 then revenue else 0 end)
            as t3m_revenue_year_earlier
    from account_months
    group by account_id

),

raw_scores as (

    select
        tiers.account_id,
        tiers.month,
        revenue_trend.t3m_revenue,
        revenue_trend.t3m_revenue_year_earlier,
        case when revenue_trend.t3m_revenue_year_earlier > 0
            then 50 + 50 * {{ kam.safe_ratio(
                'revenue_trend.t3m_revenue - revenue_trend.t3m_revenue_year_earlier',
                'revenue_trend.t3m_revenue_year_earlier') }}
        end as unclipped_revenue_trend_score,
        (satisfaction.nps + 100) / 2.0 as nps_score,
        service.sla_compliance_t12m as sla_score,
        case
            when not engagement.interactions_provided then null
            when engagement.engagement_ratio >= 1 then 100.0
            else 100.0 * engagement.engagement_ratio
        end as engagement_score,
        100.0 * clv.p_alive as p_alive_score
    from tiers
    left join revenue_trend on tiers.account_id = revenue_trend.account_id
    left join satisfaction on tiers.account_id = satisfaction.account_id
    left join service on tiers.account_id = service.account_id
    left join engagement on tiers.account_id = engagement.account_id
    left join clv on tiers.account_id = clv.account_id

),

scores as (

    select
        *,
        case
            when unclipped_revenue_trend_score < 0 then 0.0
            when unclipped_revenue_trend_score > 100 then 100.0
            else unclipped_revenue_trend_score
        end as revenue_trend_score
    from raw_scores

),

weighted as (

    select
        *,
        {%- for component in components %}
        case when {{ component }}_score is null then 0 else {{ weights[component] }} end
            as {{ component }}_weight,
        {%- endfor %}
        -- the names of the missing components, ', '-separated (the leading ', ' cut off)
        nullif(substr({{ dbt.concat(missing_labels) }}, 3), '') as missing_components
    from scores

),

combined as (

    select
        *,
        (
            {%- for component in components %}
            coalesce({{ component }}_score * {{ component }}_weight, 0)
            {{- ' +' if not loop.last }}
            {%- endfor %}
        ) / nullif(
            {%- for component in components %}
            {{ component }}_weight{{ ' +' if not loop.last }}
            {%- endfor %}, 0) as health_score
    from weighted

),

final as (

    select
        account_id,
        month,
        health_score,
        case
            when health_score >= {{ var('health_green_from') }} then 'green'
            when health_score >= {{ var('health_amber_from') }} then 'amber'
            when health_score is not null then 'red'
        end as health_status,
        t3m_revenue,
        t3m_revenue_year_earlier,
        {%- for component in components %}
        {{ component }}_score,
        {{ component }}_weight,
        {%- endfor %}
        missing_components
    from combined

)

select * from final
