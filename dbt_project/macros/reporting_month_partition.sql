{#
    A pre-hook of the month-grain marts that may have no row for M (a month without fired
    risk rules, themes, contracts...): an incremental run first removes month M, so that
    rows an earlier run wrote for M never survive. DuckDB deletes the rows; Spark tables
    without a transaction log cannot, so Spark drops M's partition (these marts are
    partitioned by month there, see dbt_project.yml).
#}
{% macro clear_reporting_month() -%}
    {%- if is_incremental() -%}
        {{ return(adapter.dispatch('clear_reporting_month', 'kam')()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__clear_reporting_month() -%}
    delete from {{ this }} where month = {{ kam.reporting_month_start() }}
{%- endmacro %}

{% macro spark__clear_reporting_month() -%}
    alter table {{ this }} drop if exists partition (month = '{{ kam.checked_var("month") }}-01')
{%- endmacro %}
