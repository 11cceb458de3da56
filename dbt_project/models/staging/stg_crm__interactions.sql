{#
    A table, not a view like the other staging models: this fact table is read by several
    models and by every test on its columns (not_null, unique, relationships, accepted
    values). As a view each of those reads would trim, cast and anti-join the raw rows again;
    as a table that is done once per run and the tests scan only the columns they check.
#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('crm', 'interactions') }} as raw_row
    where {{ kam.not_quarantined('interactions') }}

),

renamed as (

    select
        -- ids
        trim(interaction_id) as interaction_id,
        trim(account_id) as account_id,
        nullif(trim(manager_id), '') as manager_id,

        -- text
        lower(trim(interaction_type)) as interaction_type,

        -- timestamps (naive, in the configured timezone)
        occurred_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
