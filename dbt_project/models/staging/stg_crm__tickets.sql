{#
    A table, not a view like the other staging models: this fact table is read by several
    models and by every test on its columns (not_null, unique, relationships, accepted
    values). As a view each of those reads would trim, cast and anti-join the raw rows again;
    as a table that is done once per run and the tests scan only the columns they check.
#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('crm', 'tickets') }} as raw_row
    where {{ kam.not_quarantined('tickets') }}

),

renamed as (

    select
        -- ids
        trim(ticket_id) as ticket_id,
        trim(account_id) as account_id,

        -- text
        lower(trim(priority)) as priority,
        nullif(lower(trim(category)), '') as category,
        nullif(lower(trim(status)), '') as status,
        -- free text as written (themes read it); null when blank
        case when trim(subject) = '' then null else subject end as subject,

        -- timestamps (naive, in the configured timezone)
        opened_at,
        first_response_at,
        resolved_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
