{#
    Complaint and comment themes for month M: one row per (account, theme) with at least
    one mention in T12M. Texts are the non-blank survey comments submitted in T12M and
    the ticket subjects of tickets opened in T12M, of accounts existing at the end of M.
    A text mentions a theme when it contains one of the theme's keywords (seed
    theme_lexicon; see kam.mentions_keyword), ignoring case: int_theme_keywords_found
    finds the keywords occurring as substrings, this model keeps the whole-word ones.
    A text counts once per theme however many of its keywords it contains. The example is the raw text (masked by the
    report): the most recent negative or complaint mention, else the most recent mention.
    A run for M replaces month M only.
#}
{{ config(
    pre_hook="{{ kam.clear_reporting_month() }}"
) }}

with

candidates as (

    select * from {{ ref('int_theme_keywords_found') }}

),

mentions as (

    -- one row per text and theme it mentions: a Chinese keyword found is a mention, an
    -- English one only as a whole word
    select distinct
        account_id,
        text_source,
        text_id,
        written_at,
        text,
        is_negative,
        is_complaint,
        theme
    from candidates
    where {{ kam.mentions_keyword('lowered_text', 'keyword', 'language') }}

),

examples as (

    select
        account_id,
        theme,
        text_source as example_source,
        text_id as example_id,
        written_at as example_written_at,
        text as example_text,
        row_number() over (
            partition by account_id, theme
            order by
                case when is_negative or is_complaint then 0 else 1 end,
                written_at desc,
                text_source,
                text_id
        ) as example_rank
    from mentions

),

counted as (

    select
        account_id,
        theme,
        count(*) as mentions,
        sum(case when is_negative then 1 else 0 end) as negative_mentions,
        sum(case when is_complaint then 1 else 0 end) as complaint_mentions,
        sum(case when text_source = 'survey' then 1 else 0 end) as survey_mentions,
        sum(case when text_source = 'ticket' then 1 else 0 end) as ticket_mentions
    from mentions
    group by account_id, theme

),

final as (

    select
        counted.account_id,
        {{ kam.reporting_month_start() }} as month,
        counted.theme,
        counted.mentions,
        counted.negative_mentions,
        counted.complaint_mentions,
        counted.survey_mentions,
        counted.ticket_mentions,
        row_number() over (
            partition by counted.account_id
            order by counted.negative_mentions + counted.complaint_mentions desc,
                counted.mentions desc, counted.theme
        ) as theme_rank,
        examples.example_source,
        examples.example_id,
        examples.example_written_at,
        examples.example_text
    from counted
    inner join examples
        on counted.account_id = examples.account_id
        and counted.theme = examples.theme
        and examples.example_rank = 1

)

select * from final
