{#
    The run's vars that are pasted into SQL, each checked against a strict pattern first.
    The flow validates them before calling dbt; these checks make a deployment or a person
    calling dbt directly with a malformed var (a quote, a function call) fail at compile
    time instead of running what the var holds.
#}

{% macro var_patterns() -%}
    {{ return({
        'month': '\\d{4}-(0[1-9]|1[0-2])',
        'run_id': '[A-Za-z0-9_-]{1,64}',
        'reporting_currency': '([A-Z]{3})?',
        'timezone': '[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}',
    }) }}
{%- endmacro %}

{# var(name), refused unless it fully matches its pattern in var_patterns(). #}
{% macro checked_var(name) -%}
    {%- set value = var(name) -%}
    {%- if name == 'reporting_currency' -%}
        {%- set value = (value or '') | string | trim | upper -%}
    {%- endif -%}
    {%- if value is not string or not modules.re.fullmatch(kam.var_patterns()[name], value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " = " ~ (value | tojson) ~ " is malformed (expected "
            ~ kam.var_patterns()[name] ~ ")") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{# var('report_tiers') as a list of known tier names (a comma-separated string works too). #}
{% macro checked_report_tiers() -%}
    {%- set tiers = var('report_tiers') -%}
    {%- if tiers is string -%}{%- set tiers = tiers.split(',') -%}{%- endif -%}
    {%- set checked = [] -%}
    {%- for tier in tiers -%}
        {%- set name = (tier | string | trim | lower) -%}
        {%- if name not in ['strategic', 'key', 'standard'] -%}
            {{ exceptions.raise_compiler_error(
                "var report_tiers holds " ~ (tier | tojson)
                ~ " (expected strategic, key or standard)") }}
        {%- endif -%}
        {%- do checked.append(name) -%}
    {%- endfor -%}
    {%- if not checked -%}
        {{ exceptions.raise_compiler_error("var report_tiers is empty") }}
    {%- endif -%}
    {{ return(checked) }}
{%- endmacro %}

{# A number var (rates, thresholds), refused unless it is a number. #}
{% macro checked_number(name) -%}
    {%- set value = var(name) -%}
    {%- if value is string or value is not number -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " = " ~ (value | tojson) ~ " is not a number") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{# Run first by every dbt invocation (on-run-start): every var of the run is checked, also
   those (timezone) that no model pastes into SQL. #}
{% macro check_run_vars() -%}
    {%- for name in ['month', 'run_id', 'reporting_currency', 'timezone'] -%}
        {%- do kam.checked_var(name) -%}
    {%- endfor -%}
    {%- do kam.checked_report_tiers() -%}
    {%- do kam.checked_number('clv_discount_rate') -%}
    {%- do kam.checked_number('clv_min_repeat_accounts') -%}
    select 1
{%- endmacro %}
