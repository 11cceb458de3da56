{#
    The months a run computes: from the earlier of the first month of the data and
    M - history_months, up to M, through dbt's portable date spine.
#}
{%- set first_data_month -%}
    (select min(order_month) from {{ ref('int_orders_converted') }})
{%- endset -%}
{%- set earliest = kam.reporting_month_offset(-var('history_months')) -%}
{%- set spine_start -%}
    (case
        when coalesce({{ first_data_month }}, {{ earliest }}) < {{ earliest }}
            then {{ first_data_month }}
        else {{ earliest }}
    end)
{%- endset -%}

with

spine as (

    {{ dbt.date_spine('month', spine_start, kam.next_month_start()) }}

),

data_start as (

    select coalesce({{ first_data_month }}, {{ kam.reporting_month_start() }}) as first_data_month

),

months as (

    select cast(spine.date_month as date) as month
    from spine

),

final as (

    select
        months.month,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month')) }} as date)
            as month_end,
        {{ dbt.datediff('months.month', kam.reporting_month_start(), 'month') }}
            as months_before_m,
        months.month >= data_start.first_data_month as is_data_month
    from months
    cross join data_start

)

select * from final
