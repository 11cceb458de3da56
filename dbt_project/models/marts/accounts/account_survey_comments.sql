{#
    The latest survey comments of each account as of M: the 3 most recent non-empty
    comments submitted in T12M (the window the satisfaction metrics use), newest first.
    Free text as given; the report masks contact details when printing.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

{%- set comments_per_account = 3 %}

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

ranked as (

    select
        surveys.account_id,
        surveys.response_id,
        surveys.submitted_at,
        surveys.survey_type,
        surveys.score,
        surveys.comment,
        row_number() over (
            partition by surveys.account_id
            order by surveys.submitted_at desc, surveys.response_id
        ) as comment_rank
    from surveys
    inner join tiers on surveys.account_id = tiers.account_id

),

final as (

    select
        account_id,
        {{ kam.reporting_month_start() }} as month,
        comment_rank,
        response_id,
        submitted_at,
        survey_type,
        score,
        comment
    from ranked
    where comment_rank <= {{ comments_per_account }}

)

select * from final
