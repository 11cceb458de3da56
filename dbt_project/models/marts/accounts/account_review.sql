{#
    Everything a key account's PDF shows for month M, one row per account existing at the
    end of M: the metrics of account_review_metrics and the count of risk rules that fired
    (account_risks). Later sections join their marts here without renaming these columns.
#}
with

metrics as (

    select * from {{ ref('account_review_metrics') }}

),

risks as (

    select * from {{ ref('account_risks') }}
    where month = {{ kam.reporting_month_start() }}

),

risk_counts as (

    select
        account_id,
        count(*) as risk_count,
        count(case when severity = 'high' then 1 end) as high_risk_count
    from risks
    group by account_id

),

final as (

    select
        metrics.*,
        coalesce(risk_counts.risk_count, 0) as risk_count,
        coalesce(risk_counts.high_risk_count, 0) as high_risk_count,
        coalesce(risk_counts.high_risk_count, 0) > 0 as is_at_risk
    from metrics
    left join risk_counts on metrics.account_id = risk_counts.account_id

)

select * from final
