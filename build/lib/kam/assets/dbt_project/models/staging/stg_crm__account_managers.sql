with

source as (

    select * from {{ source('crm', 'account_managers') }} as raw_row
    where {{ kam.not_quarantined('account_managers') }}

),

renamed as (

    select
        -- ids
        trim(manager_id) as manager_id,

        -- text
        name as manager_name,
        trim(email) as manager_email,
        nullif(trim(team), '') as team,
        nullif(trim(locale), '') as locale,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
