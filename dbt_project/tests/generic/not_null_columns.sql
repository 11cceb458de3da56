{#
    No null in any of `columns`: the rows holding one. One scan of the model for all the
    columns, where a not_null test per column reads the whole model once per column.
#}
{% test not_null_columns(model, columns) %}

select *
from {{ model }}
where {% for column in columns -%}
    {{ column }} is null{% if not loop.last %} or {% endif %}
{%- endfor %}

{% endtest %}
