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

{# Spark's rlike finds the pattern anywhere in the text, like DuckDB's regexp_matches. #}
{% macro spark__regexp_matches(text, pattern) -%}
    ({{ text }} rlike {{ pattern }})
{%- endmacro %}

{# Every match of `pattern` in `text` replaced by `replacement` (all SQL expressions). #}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'kam')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{% macro snowflake__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{% macro bigquery__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}

{#
    True when the lower-cased `text` mentions the lower-cased `keyword` of a theme lexicon
    row in `language`: Chinese (zh-CN) keywords anywhere, English keywords only where the
    characters on both sides are not ASCII letters or digits (so 'delay' is found in
    '物流delay严重' and 're-delay' but not in 'delayed'). English keywords are plain words
    (letters, digits, spaces, hyphens, apostrophes; a test on the seed keeps them so).

    A single word is looked for, padded with spaces, in the text whose characters other
    than ASCII letters and digits are all turned into spaces: the same test, and much
    cheaper than a regular expression built per row. A phrase with a space, hyphen or
    apostrophe must match those characters exactly, which the padded text cannot tell,
    so phrases use the regular expression.
#}
{% macro mentions_keyword(text, keyword, language) -%}
    {%- set not_alphanumeric = "'[^a-z0-9]'" -%}
    (
        {{ dbt.position(keyword, text) }} > 0
        and (
            {{ language }} <> 'en'
            or case
                when {{ dbt.position("' '", kam.regexp_replace_all(keyword, not_alphanumeric, "' '")) }} = 0
                    then {{ dbt.position(
                        "' ' || " ~ keyword ~ " || ' '",
                        "' ' || " ~ kam.regexp_replace_all(text, not_alphanumeric, "' '") ~ " || ' '") }} > 0
                else {{ kam.regexp_matches(text, "'(^|[^a-z0-9])' || " ~ keyword ~ " || '([^a-z0-9]|$)'") }}
            end
        )
    )
{%- endmacro %}

{#
    Orders text by Unicode code point whatever the database's collation: DuckDB compares
    strings byte-wise (UTF-8 byte order is code point order), and so does Spark's default
    UTF8_BINARY collation; Postgres needs the C collation.
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

{% macro spark__code_point_order(column) -%}
    {{ column }}
{%- endmacro %}
