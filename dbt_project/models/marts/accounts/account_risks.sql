{#
    One row per risk rule (seed risk_rules) that fires for an account in month M. The
    metrics rules may read are unpivoted from the account marts for M into
    (account_id, metric, value); a rule fires when its operator holds between the value and
    its threshold. A null value never fires. Months without any fired rule have no rows, so
    the run first deletes month M itself instead of relying on delete+insert's keys.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

{#- metric -> the CTE (one row per account for M) whose column of that name it is -#}
{%- set metric_sources = {
    'health_score': 'health',
    'churn_risk': 'retention',
    'p_alive': 'clv',
    'revenue_t12m_change': 'review',
    'tier_change': 'review',
    'margin_coverage': 'review',
    'nps': 'satisfaction',
    'csat': 'satisfaction',
    'sla_compliance_t12m': 'service',
    'open_tickets': 'service',
    'open_escalations': 'service',
    'complaints_t12m': 'service',
    'meets_engagement_standard': 'engagement',
    'days_since_last_visit_or_meeting': 'engagement',
    'under_fulfilled_contracts': 'contracts',
    'renewals_at_risk': 'contracts',
} -%}

with

review as (

    select * from {{ ref('account_review_metrics') }}

),

{%- for section in ['account_health', 'account_clv', 'account_satisfaction',
                    'account_service', 'account_engagement', 'account_retention',
                    'account_contracts'] %}

{{ section | replace('account_', '') }} as (

    select * from {{ ref(section) }}
    where month = {{ kam.reporting_month_start() }}

),
{%- endfor %}

existing_accounts as (

    select account_id from review

),

rules as (

    select
        *,
        {{ dbt.safe_cast('threshold', dbt.type_float()) }} as numeric_threshold
    from {{ ref('risk_rules') }}

),

metric_values as (

    {%- for metric, source in metric_sources.items() %}
    select
        {{ source }}.account_id,
        '{{ metric }}' as metric,
        cast({{ source }}.{{ metric }} as {{ dbt.type_string() }}) as value,
        {{ dbt.safe_cast(source ~ '.' ~ metric, dbt.type_float()) }} as numeric_value
    from {{ source }}
    inner join existing_accounts on {{ source }}.account_id = existing_accounts.account_id
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

evaluated as (

    select
        metric_values.account_id,
        rules.rule_id,
        rules.severity,
        rules.metric,
        rules.operator,
        metric_values.value,
        metric_values.numeric_value,
        rules.threshold,
        rules.risk,
        rules.action,
        case rules.operator
            when 'lt' then metric_values.numeric_value < rules.numeric_threshold
            when 'le' then metric_values.numeric_value <= rules.numeric_threshold
            when 'gt' then metric_values.numeric_value > rules.numeric_threshold
            when 'ge' then metric_values.numeric_value >= rules.numeric_threshold
            when 'eq' then
                case
                    when metric_values.numeric_value is not null
                        and rules.numeric_threshold is not null
                        then metric_values.numeric_value = rules.numeric_threshold
                    else metric_values.value = rules.threshold
                end
            when 'is_true' then metric_values.value = 'true'
            when 'is_false' then metric_values.value = 'false'
        end as is_fired
    from rules
    inner join metric_values on rules.metric = metric_values.metric
    where metric_values.value is not null

),

final as (

    select
        account_id,
        {{ kam.reporting_month_start() }} as month,
        rule_id,
        severity,
        metric,
        operator,
        value,
        numeric_value,
        threshold,
        risk,
        action
    from evaluated
    where is_fired

)

select * from final
