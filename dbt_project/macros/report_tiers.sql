{#
    True when `tier_column` is one of var('report_tiers') (docs/metrics.md, Key accounts).
    The var is a list; a comma-separated string is accepted too, as typed on a command line.
    Only known tier names pass (kam.checked_report_tiers), so no var text reaches the SQL.
#}
{% macro is_report_tier(tier_column) -%}
    {%- set tiers = kam.checked_report_tiers() -%}
    {{ tier_column }} in ({%- for tier in tiers -%}'{{ tier }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}
