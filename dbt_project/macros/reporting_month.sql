{# The reporting month M and its boundaries, from var('month') = 'YYYY-MM'. Windows are
   half-open (docs/metrics.md, Windows): M is [month_start, next_month_start). #}

{% macro reporting_month_start() -%}
    cast('{{ kam.checked_var("month") }}-01' as date)
{%- endmacro %}

{% macro reporting_month_end() -%}
    {# last calendar day of M #}
    cast({{ dbt.dateadd('day', -1, kam.next_month_start()) }} as date)
{%- endmacro %}

{% macro next_month_start() -%}
    cast({{ dbt.dateadd('month', 1, kam.reporting_month_start()) }} as date)
{%- endmacro %}

{# The first day of the month `months` months before M (negative = before). #}
{% macro reporting_month_offset(months) -%}
    cast({{ dbt.dateadd('month', months, kam.reporting_month_start()) }} as date)
{%- endmacro %}

{# True when a timestamp falls in T12M, the 12 months ending with M: [M-11 start, M+1 start). #}
{% macro in_t12m(timestamp_column) -%}
    {{ timestamp_column }} >= cast({{ kam.reporting_month_offset(-11) }} as {{ dbt.type_timestamp() }})
    and {{ timestamp_column }} < cast({{ kam.next_month_start() }} as {{ dbt.type_timestamp() }})
{%- endmacro %}
