{#
    The median of `expression` in an aggregate; with an even count, the mean of the two
    middle values (docs/metrics.md). DuckDB has median(); the default is the SQL standard
    ordered-set aggregate.
#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'kam')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}
