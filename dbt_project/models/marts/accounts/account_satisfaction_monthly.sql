{#
    Satisfaction per month for trends (docs/metrics.md): the 13 months M-12..M, one row per
    account existing at each month's end, with the month's own figures and the T12M
    figures as of that month (what account_satisfaction gives for that month), computed
    from the inputs on every run. A run rewrites those 13 months.
#}
with

account_months as (

    select * from {{ ref('int_account_months_summarized') }}

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
        sum(case when survey_type = 'ces' then score else 0 end) as ces_score_total
    from surveys
    group by account_id, submitted_month

),

dense as (

    -- every account in every month (dense), so 12 rows are the 12 months ending here
    select
        account_months.account_id,
        account_months.month,
        account_months.months_before_m,
        account_months.account_exists,
        {%- for measure in ['nps_responses', 'nps_net', 'csat_responses', 'csat_satisfied',
                            'ces_responses', 'ces_score_total'] %}
        coalesce(per_account_month.{{ measure }}, 0) as {{ measure }},
        sum(coalesce(per_account_month.{{ measure }}, 0)) over (
            partition by account_months.account_id order by account_months.month
            rows between 11 preceding and current row
        ) as {{ measure }}_t12m{{ "," if not loop.last }}
        {%- endfor %}
    from account_months
    left join per_account_month
        on account_months.account_id = per_account_month.account_id
        and account_months.month = per_account_month.month

),

final as (

    select
        account_id,
        month,
        {%- for suffix in ['', '_t12m'] %}
        cast(100.0 * nps_net{{ suffix }} as {{ kam.type_fraction() }}) / nullif(nps_responses{{ suffix }}, 0) as nps{{ suffix }},
        nps_responses{{ suffix }},
        cast(100.0 * csat_satisfied{{ suffix }} as {{ kam.type_fraction() }}) / nullif(csat_responses{{ suffix }}, 0)
            as csat{{ suffix }},
        csat_responses{{ suffix }},
        cast(ces_score_total{{ suffix }} as {{ kam.type_fraction() }})
            / nullif(ces_responses{{ suffix }}, 0) as ces{{ suffix }},
        ces_responses{{ suffix }}{{ "," if not loop.last }}
        {%- endfor %}
    from dense
    where account_exists
        and months_before_m <= 12

)

select * from final
