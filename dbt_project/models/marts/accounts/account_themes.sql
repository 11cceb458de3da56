{#
    Complaint and comment themes for month M: one row per (account, theme) with at least
    one mention in T12M. Texts are the non-blank survey comments submitted in T12M and
    the ticket subjects of tickets opened in T12M, of accounts existing at the end of M.
    A text mentions a theme when it contains one of the theme's keywords (seed
    theme_lexicon; see kam.mentions_keyword), ignoring case. A text counts once per theme
    however many of its keywords it contains. The example is the raw text (masked by the
    report): the most recent negative or complaint mention, else the most recent mention.
    A run for M replaces month M only.
#}
{{ config(
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month = {{ kam.reporting_month_start() }}{% endif %}"
) }}

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

tickets as (

    select * from {{ ref('stg_crm__tickets') }}
    where {{ kam.in_t12m('opened_at') }}
        and subject is not null

),

lexicon as (

    select
        theme,
        language,
        lower(trim(keyword)) as keyword
    from {{ ref('theme_lexicon') }}

),

texts as (

    select
        'survey' as text_source,
        response_id as text_id,
        account_id,
        submitted_at as written_at,
        comment as text,
        (survey_type = 'nps' and score <= 6)
            or (survey_type = 'csat' and score <= 2)
            or (survey_type = 'ces' and score >= 5) as is_negative,
        false as is_complaint
    from surveys
    union all
    select
        'ticket' as text_source,
        ticket_id as text_id,
        account_id,
        opened_at as written_at,
        subject as text,
        false as is_negative,
        coalesce(category = 'complaint', false) as is_complaint
    from tickets

),

texts_of_existing_accounts as (

    select
        texts.*,
        lower(texts.text) as lowered_text
    from texts
    inner join tiers on texts.account_id = tiers.account_id

),

mentions as (

    -- one row per text and theme it mentions
    select distinct
        texts_of_existing_accounts.account_id,
        texts_of_existing_accounts.text_source,
        texts_of_existing_accounts.text_id,
        texts_of_existing_accounts.written_at,
        texts_of_existing_accounts.text,
        texts_of_existing_accounts.is_negative,
        texts_of_existing_accounts.is_complaint,
        lexicon.theme
    from texts_of_existing_accounts
    inner join lexicon
        on {{ kam.mentions_keyword('texts_of_existing_accounts.lowered_text', 'lexicon.keyword', 'lexicon.language') }}

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
