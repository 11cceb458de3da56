{#
    Every (text, lexicon keyword) pair where the keyword occurs in the text as a plain
    substring, ignoring case: the candidates account_themes then narrows down (English
    keywords must stand as whole words). Texts are the non-blank survey comments
    submitted in T12M and the subjects of tickets opened in T12M, of accounts existing at
    the end of M. Kept as its own table so that the whole-word test, a regular expression
    built per keyword, runs on these few candidates only and not on every pair.
#}
with

tiers as (

    select * from {{ ref('int_account_tiers_ranked') }}
    where month = {{ kam.reporting_month_start() }}

),

survey_comments as (

    select * from {{ ref('int_survey_comments_t12m') }}

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

texts_of_existing_accounts as (

    -- the survey comments are of existing accounts already; the tickets are narrowed here
    select
        'survey' as text_source,
        response_id as text_id,
        account_id,
        submitted_at as written_at,
        comment as text,
        (survey_type = 'nps' and score <= 6)
            or (survey_type = 'csat' and score <= 2)
            or (survey_type = 'ces' and score >= 5) as is_negative,
        false as is_complaint,
        lower(comment) as lowered_text
    from survey_comments
    union all
    select
        'ticket' as text_source,
        tickets.ticket_id as text_id,
        tickets.account_id,
        tickets.opened_at as written_at,
        tickets.subject as text,
        false as is_negative,
        coalesce(tickets.category = 'complaint', false) as is_complaint,
        lower(tickets.subject) as lowered_text
    from tickets
    inner join tiers on tickets.account_id = tiers.account_id

),

final as (

    select
        texts_of_existing_accounts.text_source,
        texts_of_existing_accounts.text_id,
        texts_of_existing_accounts.account_id,
        texts_of_existing_accounts.written_at,
        texts_of_existing_accounts.text,
        texts_of_existing_accounts.lowered_text,
        texts_of_existing_accounts.is_negative,
        texts_of_existing_accounts.is_complaint,
        lexicon.theme,
        lexicon.language,
        lexicon.keyword
    from texts_of_existing_accounts
    inner join lexicon
        on {{ dbt.position('lexicon.keyword', 'texts_of_existing_accounts.lowered_text') }} > 0

)

select * from final
