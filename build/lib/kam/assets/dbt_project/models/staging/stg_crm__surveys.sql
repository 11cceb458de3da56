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
