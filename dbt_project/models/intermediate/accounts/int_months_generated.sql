{#
    The months a run computes: from the earlier of the first month of the data and
    M - history_months, up to M. Built from a digit cross join (portable, up to 1000 months)
    so that no engine-specific series function is needed.
#}
with

orders as (

    select * from {{ ref('int_orders_converted') }}

),

data_start as (

    select coalesce(min(order_month), {{ kam.reporting_month_start() }}) as first_data_month
    from orders

),

spine_start as (

    select
        first_data_month,
        case
            when first_data_month < {{ kam.reporting_month_offset(-var('history_months')) }}
                then first_data_month
            else {{ kam.reporting_month_offset(-var('history_months')) }}
        end as first_month
    from data_start

),

digits as (

    select 0 as digit union all select 1 union all select 2 union all select 3
    union all select 4 union all select 5 union all select 6 union all select 7
    union all select 8 union all select 9

),

month_offsets as (

    select units.digit + 10 * tens.digit + 100 * hundreds.digit as months_before_m
    from digits as units
    cross join digits as tens
    cross join digits as hundreds

),

months as (

    select
        month_offsets.months_before_m,
        cast(
            {{ dbt.dateadd('month', '-month_offsets.months_before_m', kam.reporting_month_start()) }}
            as date
        ) as month,
        spine_start.first_data_month
    from month_offsets
    cross join spine_start
    where month_offsets.months_before_m
        <= {{ dbt.datediff('spine_start.first_month', kam.reporting_month_start(), 'month') }}

),

final as (

    select
        month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month')) }} as date) as month_end,
        months_before_m,
        month >= first_data_month as is_data_month
    from months

)

select * from final
