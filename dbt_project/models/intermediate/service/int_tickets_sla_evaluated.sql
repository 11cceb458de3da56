{#
    Every ticket opened before the end of M, seen as of the end of M: a response or
    resolution stamped after M has not happened yet (docs/metrics.md, Service and SLA).
#}
with

tickets as (

    select * from {{ ref('stg_crm__tickets') }}

),

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}

),

as_of_month_end as (

    select
        ticket_id,
        account_id,
        priority,
        category,
        opened_at,
        cast({{ dbt.date_trunc('month', 'opened_at') }} as date) as opened_month,
        case when first_response_at < {{ kam.next_month_start() }} then first_response_at end
            as first_response_at,
        case when resolved_at < {{ kam.next_month_start() }} then resolved_at end as resolved_at
    from tickets
    where opened_at < {{ kam.next_month_start() }}

),

targeted as (

    -- the SLA target uses the tier in the month the ticket was opened; standard targets
    -- when the account did not exist yet that month
    select
        as_of_month_end.*,
        coalesce(tiers.tier, 'standard') as tier_at_open,
        {{ kam.sla_target_hours('tiers.tier', 'as_of_month_end.priority') }} as sla_target_hours,
        cast({{ dbt.datediff('as_of_month_end.opened_at', 'as_of_month_end.first_response_at', 'second') }}
            as {{ kam.type_fraction() }}) / 3600 as first_response_hours,
        cast({{ dbt.datediff('as_of_month_end.opened_at', 'as_of_month_end.resolved_at', 'second') }}
            as {{ kam.type_fraction() }}) / 3600 as resolution_hours
    from as_of_month_end
    left join tiers
        on as_of_month_end.account_id = tiers.account_id
        and as_of_month_end.opened_month = tiers.month

),

final as (

    select
        *,
        case
            when first_response_at is not null and first_response_hours <= sla_target_hours
                then 'met'
            when first_response_at is not null then 'missed'
            when {{ dbt.dateadd('hour', 'sla_target_hours', 'opened_at') }}
                < {{ kam.next_month_start() }} then 'missed'
            else 'pending'
        end as sla_status,
        resolved_at is null as is_open_at_month_end
    from targeted

)

select * from final
