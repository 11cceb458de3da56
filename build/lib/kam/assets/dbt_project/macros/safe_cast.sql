{#
    dbt-duckdb leaves dbt.safe_cast as a plain cast, which fails on text that is not a
    number; DuckDB's try_cast returns null instead, as safe_cast does on other adapters.
    Models call dbt.safe_cast; the dispatch search order in dbt_project.yml finds this.
#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
