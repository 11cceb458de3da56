with

source as (

    select * from {{ source('crm', 'accounts') }} as raw_row
    where {{ kam.not_quarantined('accounts') }}

),

renamed as (

    select
        -- ids
        trim(account_id) as account_id,
        trim(account_manager_id) as manager_id,

        -- text
        account_name,
        nullif(trim(industry), '') as industry,
        nullif(trim(region), '') as region,
        nullif(trim(country), '') as country,
        nullif(lower(trim(status)), '') as status,
        nullif(lower(trim(tier_override)), '') as tier_override,

        -- dates
        cast(created_at as date) as created_at,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
