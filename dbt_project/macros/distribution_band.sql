{#
    The bands of one measure of portfolio_distribution from var distribution_bands:
    {from, to, width, bands}, each a number (checked), `to` above `from` and a whole number
    of widths between them.
#}
{% macro distribution_band(measure) -%}
    {%- set spec = var('distribution_bands')[measure] -%}
    {%- for key in ['from', 'to', 'width'] -%}
        {%- if spec[key] is string or spec[key] is not number -%}
            {{ exceptions.raise_compiler_error(
                "var distribution_bands." ~ measure ~ "." ~ key ~ " = "
                ~ (spec[key] | tojson) ~ " is not a number") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set count = ((spec['to'] - spec['from']) / spec['width']) | round | int -%}
    {%- if spec['width'] <= 0 or count < 1
          or (spec['from'] + count * spec['width']) != spec['to'] -%}
        {{ exceptions.raise_compiler_error(
            "var distribution_bands." ~ measure ~ " needs `to` above `from` by a whole "
            ~ "number of widths") }}
    {%- endif -%}
    {{ return({'from': spec['from'], 'to': spec['to'], 'width': spec['width'],
               'bands': count}) }}
{%- endmacro %}
