{#
    The survey comments of T12M: responses submitted in T12M with a non-blank comment, of
    accounts existing at the end of M. The latest comments of each account and the
    complaint themes both read them from here, so they always see the same texts.
#}
with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

surveys as (

    select * from {{ ref('stg_crm__surveys') }}
    where {{ kam.in_t12m('submitted_at') }}
        and nullif(trim(comment), '') is not null

),

final as (

    select
        surveys.response_id,
        surveys.account_id,
        surveys.submitted_at,
        surveys.survey_type,
        surveys.score,
        surveys.comment
    from surveys
    inner join tiers on surveys.account_id = tiers.account_id

)

select * from final
