{#
    Money is exact (docs/metrics.md, Money). Raw money is DECIMAL(18, 4) and rates DECIMAL(18, 8);
    their product must be widened first or DuckDB keeps 18 digits and overflows above
    a million. The result has 12 decimals and is never rounded before aggregation.
#}
{% macro convert_money(amount, rate) -%}
    cast({{ amount }} as decimal(38, 4)) * cast({{ rate }} as decimal(38, 8))
{%- endmacro %}

{# A fraction of two exact sums; null when the denominator is zero. #}
{% macro safe_ratio(numerator, denominator) -%}
    case when {{ denominator }} = 0 then null
        else cast({{ numerator }} as {{ kam.type_fraction() }}) / cast({{ denominator }} as {{ kam.type_fraction() }})
    end
{%- endmacro %}

{#
    The type of fractions and rates. dbt.type_float() is a 4-byte FLOAT on DuckDB, too
    coarse for shares that are compared and summed, so DuckDB and Spark get DOUBLE.
#}
{% macro type_fraction() -%}
    {{ return(adapter.dispatch('type_fraction', 'kam')()) }}
{%- endmacro %}

{% macro default__type_fraction() -%}
    {{ dbt.type_float() }}
{%- endmacro %}

{% macro duckdb__type_fraction() -%}
    double
{%- endmacro %}

{% macro spark__type_fraction() -%}
    double
{%- endmacro %}

{#
    value x numerator / denominator as DECIMAL(38, 12): the pro-rata commitment of a
    contract. DuckDB divides a DECIMAL in DOUBLE; Spark divides decimals exactly, so Spark
    takes the same DOUBLE step. The two engines then turn a double into a decimal
    differently (DuckDB from its exact binary value, Spark from its shortest decimal text),
    so DuckDB goes through the shortest text too: the same double gives the same figure.
#}
{% macro pro_rata(value, numerator, denominator) -%}
    {{ return(adapter.dispatch('pro_rata', 'kam')(value, numerator, denominator)) }}
{%- endmacro %}

{% macro default__pro_rata(value, numerator, denominator) -%}
    cast({{ value }} * {{ numerator }} / {{ denominator }} as decimal(38, 12))
{%- endmacro %}

{% macro duckdb__pro_rata(value, numerator, denominator) -%}
    cast(cast({{ value }} * {{ numerator }} / {{ denominator }} as varchar) as decimal(38, 12))
{%- endmacro %}

{% macro spark__pro_rata(value, numerator, denominator) -%}
    cast(cast({{ value }} * {{ numerator }} as double) / {{ denominator }} as decimal(38, 12))
{%- endmacro %}
