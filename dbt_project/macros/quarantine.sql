{#
    Rows that validation rejected in this run (audit.quarantine, run_id = var('run_id'))
    are counted nowhere (docs/metrics.md, Bad rows). Used as a where-clause predicate in
    staging, on the raw row aliased `raw_row`.
#}
{% macro not_quarantined(table_name) -%}
    not exists (
        select 1
        from {{ source('audit', 'quarantine') }} as quarantined
        where quarantined.run_id = '{{ kam.checked_var("run_id") }}'
            and quarantined.table_name = '{{ table_name }}'
            and quarantined.source_line = raw_row._source_line
            and coalesce(quarantined.source_file, raw_row._source_file) = raw_row._source_file
    )
{%- endmacro %}
