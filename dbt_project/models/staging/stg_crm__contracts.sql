with

source as (

    select * from {{ source('crm', 'contracts') }} as raw_row
    where {{ kam.not_quarantined('contracts') }}

),

renamed as (

    select
        -- ids
        trim(contract_id) as contract_id,
        trim(account_id) as account_id,
        nullif(trim(renewal_of), '') as renewal_of,

        -- text
        upper(trim(currency)) as currency,
        -- an empty status means active
        coalesce(nullif(lower(trim(status)), ''), 'active') as status,

        -- numerics: money stays exact, in the contract's own currency
        committed_value,

        -- dates; an unsigned date means the contract was signed when it started
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(coalesce(signed_date, start_date) as date) as signed_date,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
