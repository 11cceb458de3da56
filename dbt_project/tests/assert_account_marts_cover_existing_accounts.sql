-- Account-grain marts have exactly one row for every account that exists at the end of M
-- (docs/metrics.md, "Which rows a mart has"): compare each mart's accounts for M with the tiers for M.
{%- set marts = ['account_tier', 'account_review', 'account_retention', 'account_satisfaction',
                 'account_service', 'account_engagement', 'account_health'] %}

with

existing_accounts as (

    select account_id from {{ ref('int_account_tiers_current') }}

),

{%- for mart in marts %}

{{ mart }}_rows as (

    select
        '{{ mart }}' as mart,
        count(*) as mart_rows,
        count(distinct account_id) as mart_accounts,
        (select count(*) from existing_accounts) as existing,
        sum(case when account_id in (select account_id from existing_accounts) then 1 else 0 end)
            as matching
    from {{ ref(mart) }}
    where month = {{ kam.reporting_month_start() }}

),
{%- endfor %}

all_marts as (

    {%- for mart in marts %}
    select * from {{ mart }}_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

)

select * from all_marts
where mart_rows != existing
    or mart_accounts != existing
    or matching != existing
