{#
    Per-tier business constants from vars, as SQL case expressions. Unknown tiers fall back
    to standard, which is also what an account that did not exist yet gets.
#}
{% macro sla_target_hours(tier_column, priority_column) -%}
    {%- set targets = var('sla_first_response_hours') -%}
    case
    {%- for tier, by_priority in targets.items() %}
        {%- for priority, hours in by_priority.items() %}
        when coalesce({{ tier_column }}, 'standard') = '{{ tier }}' and {{ priority_column }} = '{{ priority }}' then {{ hours }}
        {%- endfor %}
    {%- endfor %}
    end
{%- endmacro %}

{% macro engagement_standard(tier_column) -%}
    {%- set standards = var('engagement_standard') -%}
    case coalesce({{ tier_column }}, 'standard')
    {%- for tier, interactions in standards.items() %}
        when '{{ tier }}' then {{ interactions }}
    {%- endfor %}
    end
{%- endmacro %}

{% macro portfolio_tier_rows() -%}
    {#- The rows of a per-tier portfolio mart: each tier, then 'all' for the whole portfolio. -#}
    select 'strategic' as tier union all select 'key' union all select 'standard'
    union all select 'all'
{%- endmacro %}
