{#
    Every metric account_review shows, before the risk counts: account_risks reads these
    rows and account_review adds its counts to them, so neither reads the other's table.
    Ephemeral: it is inlined into both and never stored.
#}
{{ config(materialized='ephemeral') }}
with

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

managers as (

    select * from {{ ref('stg_crm__account_managers') }}

),

account_months as (

    select * from {{ ref('int_account_months_summarized') }}

),

tiers as (

    select * from {{ ref('account_tier') }}
    where month = {{ kam.reporting_month_start() }}

),

reporting_currency as (

    select * from {{ ref('int_reporting_currency') }}

),

{%- for section in ['account_retention', 'account_satisfaction', 'account_service',
                    'account_engagement', 'account_clv', 'account_health'] %}

{{ section | replace('account_', '') }} as (

    select * from {{ ref(section) }}
    where month = {{ kam.reporting_month_start() }}

),
{%- endfor %}

current_month as (

    select * from account_months
    where month = {{ kam.reporting_month_start() }}

),

revenue_history as (

    select
        account_id,
        sum(
            case when month >= cast({{ dbt.date_trunc('year', kam.reporting_month_start()) }} as date)
                then revenue else 0 end
        ) as revenue_ytd,
        sum(
            case when month = {{ kam.reporting_month_offset(-12) }} then t12m_revenue else 0 end
        ) as revenue_t12m_prior
    from account_months
    group by account_id

),

final as (

    select
        tiers.account_id,
        tiers.month,
        accounts.account_name,
        accounts.industry,
        accounts.region,
        accounts.country,
        accounts.status,
        accounts.manager_id,
        managers.manager_name,
        managers.manager_email,
        managers.locale as manager_locale,
        tiers.tier,
        tiers.computed_tier,
        tiers.tier_source,
        tiers.tier_change,
        tiers.previous_tier,
        {{ kam.is_report_tier('tiers.tier') }} as is_key_account,
        tiers.t12m_revenue,
        tiers.share,
        current_month.revenue,
        revenue_history.revenue_ytd,
        revenue_history.revenue_t12m_prior,
        case
            when revenue_history.revenue_t12m_prior > 0
                then {{ kam.safe_ratio(
                    'tiers.t12m_revenue - revenue_history.revenue_t12m_prior',
                    'revenue_history.revenue_t12m_prior') }}
        end as revenue_t12m_change,
        current_month.gross_margin,
        current_month.margin_coverage,
        current_month.orders,
        reporting_currency.reporting_currency,
        -- retention
        retention.days_since_last_order,
        retention.median_gap_days,
        retention.churn_risk,
        -- satisfaction (T12M)
        satisfaction.nps,
        satisfaction.nps_responses,
        satisfaction.csat,
        satisfaction.csat_responses,
        satisfaction.ces,
        satisfaction.ces_responses,
        -- service
        service.tickets_opened,
        service.sla_compliance,
        service.median_first_response_hours,
        service.median_resolution_hours,
        service.complaints,
        service.open_tickets,
        service.tickets_opened_t12m,
        service.sla_compliance_t12m,
        service.median_first_response_hours_t12m,
        service.median_resolution_hours_t12m,
        service.complaints_t12m,
        -- engagement
        engagement.interactions_90d,
        engagement.engagement_standard,
        engagement.days_since_last_visit_or_meeting,
        -- lifetime value
        clv.historical_clv,
        clv.historical_clv_cost_unknown,
        clv.p_alive,
        clv.expected_purchases_12m,
        clv.expected_avg_order_value,
        clv.predicted_clv_12m,
        clv.model as clv_model,
        -- health
        health.health_score,
        health.health_status,
        health.missing_components as health_missing_components
    from tiers
    inner join accounts on tiers.account_id = accounts.account_id
    left join managers on accounts.manager_id = managers.manager_id
    inner join current_month on tiers.account_id = current_month.account_id
    inner join revenue_history on tiers.account_id = revenue_history.account_id
    cross join reporting_currency
    left join retention on tiers.account_id = retention.account_id
    left join satisfaction on tiers.account_id = satisfaction.account_id
    left join service on tiers.account_id = service.account_id
    left join engagement on tiers.account_id = engagement.account_id
    left join clv on tiers.account_id = clv.account_id
    left join health on tiers.account_id = health.account_id

)

select * from final
