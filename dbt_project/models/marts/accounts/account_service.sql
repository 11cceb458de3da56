with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

tickets as (

    select
        *,
        opened_month = {{ kam.reporting_month_start() }} as is_opened_in_month,
        opened_month >= {{ kam.reporting_month_offset(-11) }} as is_opened_in_t12m
    from {{ ref('int_tickets_sla_evaluated') }}

),

per_account as (

    -- unsuffixed: tickets opened in M; _t12m: tickets opened in the 12 months to M
    select
        account_id,
        {%- for suffix, window in [('', 'is_opened_in_month'), ('_t12m', 'is_opened_in_t12m')] %}
        sum(case when {{ window }} then 1 else 0 end) as tickets_opened{{ suffix }},
        sum(case when {{ window }} and sla_status = 'met' then 1 else 0 end) as sla_met{{ suffix }},
        sum(case when {{ window }} and sla_status = 'missed' then 1 else 0 end) as sla_missed{{ suffix }},
        sum(case when {{ window }} and sla_status = 'pending' then 1 else 0 end) as sla_pending{{ suffix }},
        {{ kam.median('case when ' ~ window ~ ' then first_response_hours end') }}
            as median_first_response_hours{{ suffix }},
        {{ kam.median('case when ' ~ window ~ ' then resolution_hours end') }}
            as median_resolution_hours{{ suffix }},
        sum(case when {{ window }} and category = 'complaint' then 1 else 0 end) as complaints{{ suffix }},
        sum(case when {{ window }} and is_open_at_month_end then 1 else 0 end) as open_tickets_opened{{ suffix }},
        {%- endfor %}
        sum(case when is_open_at_month_end then 1 else 0 end) as open_tickets,
        -- open escalations: still open at the end of M and either urgent / high or a complaint
        sum(
            case
                when is_open_at_month_end
                    and (priority in ('urgent', 'high') or category = 'complaint')
                    then 1 else 0
            end
        ) as open_escalations
    from tickets
    group by account_id

),

final as (

    select
        tiers.account_id,
        tiers.month,
        {%- for suffix in ['', '_t12m'] %}
        coalesce(per_account.tickets_opened{{ suffix }}, 0) as tickets_opened{{ suffix }},
        coalesce(per_account.sla_met{{ suffix }}, 0) as sla_met{{ suffix }},
        coalesce(per_account.sla_missed{{ suffix }}, 0) as sla_missed{{ suffix }},
        coalesce(per_account.sla_pending{{ suffix }}, 0) as sla_pending{{ suffix }},
        cast(100.0 * per_account.sla_met{{ suffix }} as {{ kam.type_fraction() }})
            / nullif(per_account.sla_met{{ suffix }} + per_account.sla_missed{{ suffix }}, 0)
            as sla_compliance{{ suffix }},
        per_account.median_first_response_hours{{ suffix }},
        per_account.median_resolution_hours{{ suffix }},
        coalesce(per_account.complaints{{ suffix }}, 0) as complaints{{ suffix }},
        {%- endfor %}
        -- open at the end of M: opened before the end of M and not resolved by it, whenever
        -- opened; _t12m counts only those opened in the 12 months to M
        coalesce(per_account.open_tickets, 0) as open_tickets,
        coalesce(per_account.open_tickets_opened_t12m, 0) as open_tickets_t12m,
        coalesce(per_account.open_escalations, 0) as open_escalations,
        -- the first-response targets of the account's tier in M (var sla_first_response_hours)
        {%- for priority in ['urgent', 'high', 'normal', 'low'] %}
        {{ kam.sla_target_hours('tiers.tier', "'" ~ priority ~ "'") }} as sla_target_hours_{{ priority }}{{ ',' if not loop.last }}
        {%- endfor %}
    from tiers
    left join per_account on tiers.account_id = per_account.account_id

)

select * from final
