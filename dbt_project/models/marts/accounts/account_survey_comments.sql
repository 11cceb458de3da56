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

comments as (

    select * from {{ ref('int_survey_comments_t12m') }}

),

ranked as (

    select
        account_id,
        response_id,
        submitted_at,
        survey_type,
        score,
        comment,
        row_number() over (
            partition by account_id
            order by submitted_at desc, response_id
        ) as comment_rank
    from comments

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
