{#
    True when `tier_column` is one of var('report_tiers') (docs/metrics.md, Key accounts).
    The var is a list; a comma-separated string is accepted too, as typed on a command line.
#}
{% macro is_report_tier(tier_column) -%}
    {%- set tiers = var('report_tiers') -%}
    {%- if tiers is string -%}{%- set tiers = tiers.split(',') -%}{%- endif -%}
    {{ tier_column }} in ({%- for tier in tiers -%}'{{ tier | trim | lower }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
