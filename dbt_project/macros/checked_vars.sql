{#
    The run's vars that are pasted into SQL, each checked against a strict pattern first.
    The flow validates them before calling dbt; these checks make a deployment or a person
    calling dbt directly with a malformed var (a quote, a function call) fail at compile
    time instead of running what the var holds.

    A refusal is one line, `invalid var: {"allowed": ..., "value": ..., "var": ...}`, the
    JSON escaping whatever the value holds; kam reads it back to report the var, the value
    as given and what is allowed in one line of its own (kam/transform/dbt.py).
#}

{% macro var_patterns() -%}
    {{ return({
        'month': '\\d{4}-(0[1-9]|1[0-2])',
        'run_id': '[A-Za-z0-9_-]{1,64}',
        'reporting_currency': '([A-Z]{3})?',
        'timezone': '[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,2}',
    }) }}
{%- endmacro %}

{# What each checked var may hold, in words, for the refusal. #}
{% macro var_allowed() -%}
    {{ return({
        'month': 'a month as YYYY-MM, such as 2026-10',
        'run_id': '1 to 64 letters, digits, _ or -',
        'reporting_currency': 'three letters of an ISO 4217 code, such as EUR, or nothing',
        'timezone': 'an IANA time zone name, such as UTC or Asia/Shanghai',
        'report_tiers': 'strategic, key or standard (a list, or one comma-separated text)',
        'number': 'a number',
    }) }}
{%- endmacro %}

{# Stop compiling: `var`'s `value` is not what `allowed` says. #}
{% macro refuse_var(var_name, value, allowed) -%}
    {{ exceptions.raise_compiler_error(
        "invalid var: " ~ ({'var': var_name, 'value': value, 'allowed': allowed} | tojson)) }}
{%- endmacro %}

{# var(name), refused unless it fully matches its pattern in var_patterns(). #}
{% macro checked_var(name) -%}
    {%- set given = var(name) -%}
    {%- set value = given -%}
    {%- if name == 'reporting_currency' -%}
        {%- set value = (value or '') | string | trim | upper -%}
    {%- endif -%}
    {%- if value is not string or not modules.re.fullmatch(kam.var_patterns()[name], value) -%}
        {%- do kam.refuse_var(name, given, kam.var_allowed()[name]) -%}
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
            {%- do kam.refuse_var('report_tiers', tier, kam.var_allowed()['report_tiers']) -%}
        {%- endif -%}
        {%- do checked.append(name) -%}
    {%- endfor -%}
    {%- if not checked -%}
        {%- do kam.refuse_var('report_tiers', var('report_tiers'),
                              'at least one of ' ~ kam.var_allowed()['report_tiers']) -%}
    {%- endif -%}
    {{ return(checked) }}
{%- endmacro %}

{# A number var (rates, thresholds), refused unless it is a number. #}
{% macro checked_number(name) -%}
    {%- set value = var(name) -%}
    {%- if value is string or value is not number -%}
        {%- do kam.refuse_var(name, value, kam.var_allowed()['number']) -%}
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
