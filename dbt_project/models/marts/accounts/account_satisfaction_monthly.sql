{#
    Satisfaction per month for trends (CONTRACT §3): the 13 months M-12..M, one row per
    account existing at each month's end. A run rewrites those 13 months.
#}
with

account_months as (

    select * from {{ ref('int_account_months_summarized') }}
    where account_exists
        and months_before_m <= 12

),

surveys as (

    select
        *,
        cast({{ dbt.date_trunc('month', 'submitted_at') }} as date) as submitted_month
    from {{ ref('stg_crm__surveys') }}
    where submitted_at < cast({{ kam.next_month_start() }} as {{ dbt.type_timestamp() }})

),

per_account_month as (

    select
        account_id,
        submitted_month as month,
        sum(case when survey_type = 'nps' then 1 else 0 end) as nps_responses,
        sum(
            case when survey_type = 'nps' and score >= 9 then 1
                when survey_type = 'nps' and score <= 6 then -1
                else 0 end
        ) as nps_net,
        sum(case when survey_type = 'csat' then 1 else 0 end) as csat_responses,
        sum(case when survey_type = 'csat' and score >= 4 then 1 else 0 end) as csat_satisfied,
        sum(case when survey_type = 'ces' then 1 else 0 end) as ces_responses,
        avg(case when survey_type = 'ces' then score end) as ces
    from surveys
    group by account_id, submitted_month

),

final as (

    select
        account_months.account_id,
        account_months.month,
        100.0 * per_account_month.nps_net / nullif(per_account_month.nps_responses, 0) as nps,
        coalesce(per_account_month.nps_responses, 0) as nps_responses,
        100.0 * per_account_month.csat_satisfied / nullif(per_account_month.csat_responses, 0)
            as csat,
        coalesce(per_account_month.csat_responses, 0) as csat_responses,
        per_account_month.ces,
        coalesce(per_account_month.ces_responses, 0) as ces_responses
    from account_months
    left join per_account_month
        on account_months.account_id = per_account_month.account_id
        and account_months.month = per_account_month.month

)

select * from final
