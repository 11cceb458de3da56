{#
    A table, not a view like the other staging models: this fact table is read by several
    models and by every test on its columns (not_null, unique, relationships, accepted
    values). As a view each of those reads would trim, cast and anti-join the raw rows again;
    as a table that is done once per run and the tests scan only the columns they check.
#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('crm', 'surveys') }} as raw_row
    where {{ kam.not_quarantined('surveys') }}

),

renamed as (

    select
        -- ids
        trim(response_id) as response_id,
        trim(account_id) as account_id,

        -- text
        lower(trim(survey_type)) as survey_type,
        comment,

        -- numerics
        score,

        -- timestamps (naive, in the configured timezone)
        submitted_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
