{#
    True when `text` matches the regular expression `pattern` (both SQL expressions).
    Engines spell regex matching differently; the default is the POSIX operator of
    Postgres and Redshift.
#}
{% macro regexp_matches(text, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'kam')(text, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches(text, pattern) -%}
    ({{ text }} ~ {{ pattern }})
{%- endmacro %}

{% macro duckdb__regexp_matches(text, pattern) -%}
    regexp_matches({{ text }}, {{ pattern }})
{%- endmacro %}

{% macro snowflake__regexp_matches(text, pattern) -%}
    regexp_like({{ text }}, '.*' || {{ pattern }} || '.*', 's')
{%- endmacro %}

{% macro bigquery__regexp_matches(text, pattern) -%}
    regexp_contains({{ text }}, {{ pattern }})
{%- endmacro %}

{#
    True when the lower-cased `text` mentions the lower-cased `keyword` of a theme lexicon
    row in `language`: Chinese (zh-CN) keywords anywhere, English keywords only where the
    characters on both sides are not ASCII letters or digits (so 'delay' is found in
    '物流delay严重' and 're-delay' but not in 'delayed'). English keywords are plain words
    (letters, digits, spaces, hyphens, apostrophes; a test on the seed keeps them so), so
    they need no escaping inside the pattern. The substring test first keeps the regular
    expression for the few texts that can match at all.
#}
{% macro mentions_keyword(text, keyword, language) -%}
    (
        {{ dbt.position(keyword, text) }} > 0
        and (
            {{ language }} <> 'en'
            or {{ kam.regexp_matches(text, "'(^|[^a-z0-9])' || " ~ keyword ~ " || '([^a-z0-9]|$)'") }}
        )
    )
{%- endmacro %}

{#
    Orders text by Unicode code point whatever the database's collation: DuckDB compares
    strings byte-wise (UTF-8 byte order is code point order); Postgres needs the C collation.
#}
{% macro code_point_order(column) -%}
    {{ return(adapter.dispatch('code_point_order', 'kam')(column)) }}
{%- endmacro %}

{% macro default__code_point_order(column) -%}
    {{ column }} collate "C"
{%- endmacro %}

{% macro duckdb__code_point_order(column) -%}
    {{ column }}
{%- endmacro %}
