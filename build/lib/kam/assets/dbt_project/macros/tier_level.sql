{# Orders tiers for tier_change: strategic (3) above key (2) above standard (1). #}
{% macro tier_level(tier_column) -%}
    case {{ tier_column }} when 'strategic' then 3 when 'key' then 2 else 1 end
{%- endmacro %}
