{#
    The median of `expression` in an aggregate; with an even count, the mean of the two
    middle values (docs/metrics.md). DuckDB has median(); the default is the SQL standard
    ordered-set aggregate. Both keep a DECIMAL exact; Spark's percentile functions answer in
    DOUBLE, so Spark picks the middle values from the sorted list of the group's values and
    halves their sum in the values' own type (money stays exact).
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

{% macro spark__median(expression) -%}
    {%- set sorted_values = 'array_sort(collect_list(' ~ expression ~ '))' -%}
    case when count({{ expression }}) > 0 then
        (element_at({{ sorted_values }}, cast(floor((count({{ expression }}) + 1) / 2) as int))
        + element_at({{ sorted_values }}, cast(ceil((count({{ expression }}) + 1) / 2) as int))) / 2
    end
{%- endmacro %}
