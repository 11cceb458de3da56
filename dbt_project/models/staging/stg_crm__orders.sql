{#
    A table, not a view like the other staging models: this fact table is read by several
    models and by every test on its columns (not_null, unique, relationships, accepted
    values). As a view each of those reads would trim, cast and anti-join the raw rows again;
    as a table that is done once per run and the tests scan only the columns they check.
#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('crm', 'orders') }} as raw_row
    where {{ kam.not_quarantined('orders') }}

),

renamed as (

    select
        -- ids
        trim(order_id) as order_id,
        trim(account_id) as account_id,

        -- text
        nullif(trim(product_line), '') as product_line,
        upper(trim(currency)) as currency,
        -- an empty status means completed
        coalesce(nullif(lower(trim(status)), ''), 'completed') as status,

        -- numerics: money stays exact, in the order's own currency
        quantity,
        amount,
        cost,

        -- dates
        cast(order_date as date) as order_date,

        -- lineage
        _source_file as source_file,
        _source_line as source_line

    from source

)

select * from renamed
