with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

surveys as (

    select * from {{ ref('stg_crm__surveys') }}
    where {{ kam.in_t12m('submitted_at') }}

),

scored as (

    select
        account_id,
        survey_type,
        submitted_at >= cast({{ kam.reporting_month_start() }} as {{ dbt.type_timestamp() }})
            as is_in_month,
        case when survey_type = 'nps' and score >= 9 then 1
            when survey_type = 'nps' and score <= 6 then -1
            else 0 end as nps_point,
        case when survey_type = 'csat' and score >= 4 then 1 else 0 end as is_satisfied,
        score
    from surveys

),

per_account as (

    select
        account_id,
        {%- for window, condition in [('_t12m', 'true'), ('', 'is_in_month')] %}
        sum(case when survey_type = 'nps' and {{ condition }} then 1 else 0 end) as nps_responses{{ window }},
        sum(case when survey_type = 'nps' and {{ condition }} then nps_point end) as nps_net{{ window }},
        sum(case when survey_type = 'csat' and {{ condition }} then 1 else 0 end) as csat_responses{{ window }},
        sum(case when survey_type = 'csat' and {{ condition }} then is_satisfied end) as csat_satisfied{{ window }},
        sum(case when survey_type = 'ces' and {{ condition }} then 1 else 0 end) as ces_responses{{ window }},
        avg(case when survey_type = 'ces' and {{ condition }} then score end) as ces{{ window }}{{ "," if not loop.last }}
        {%- endfor %}
    from scored
    group by account_id

),

final as (

    -- unsuffixed columns cover the T12M window; _m columns month M alone
    select
        tiers.account_id,
        tiers.month,
        cast(100.0 * per_account.nps_net_t12m as {{ kam.type_fraction() }}) / nullif(per_account.nps_responses_t12m, 0) as nps,
        coalesce(per_account.nps_responses_t12m, 0) as nps_responses,
        cast(100.0 * per_account.csat_satisfied_t12m as {{ kam.type_fraction() }}) / nullif(per_account.csat_responses_t12m, 0)
            as csat,
        coalesce(per_account.csat_responses_t12m, 0) as csat_responses,
        per_account.ces_t12m as ces,
        coalesce(per_account.ces_responses_t12m, 0) as ces_responses,
        cast(100.0 * per_account.nps_net as {{ kam.type_fraction() }}) / nullif(per_account.nps_responses, 0) as nps_m,
        coalesce(per_account.nps_responses, 0) as nps_responses_m,
        cast(100.0 * per_account.csat_satisfied as {{ kam.type_fraction() }}) / nullif(per_account.csat_responses, 0) as csat_m,
        coalesce(per_account.csat_responses, 0) as csat_responses_m,
        per_account.ces as ces_m,
        coalesce(per_account.ces_responses, 0) as ces_responses_m
    from tiers
    left join per_account on tiers.account_id = per_account.account_id

)

select * from final
