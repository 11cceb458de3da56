with

source as (

    select * from {{ source('crm', 'fx_rates') }} as raw_row
    where {{ kam.not_quarantined('fx_rates') }}

),

renamed as (

    select
        -- ids
        upper(trim(currency)) as currency,

        -- numerics: 1 unit of currency in the reporting currency, exact
        rate_to_reporting,

        -- dates: 'YYYY-MM' becomes the first day of that month
        cast({{ dbt.concat(["trim(month)", "'-01'"]) }} as date) as month,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
