-- The reference for `kam run --until transform`: the core marts of one month computed by
-- plain DuckDB SQL straight from the export's CSVs, written to a database file. No profile,
-- no validation, no audit trail, no tests: what a hand-written script would do.
-- Placeholders: {export} (folder), {month_start}, {next_month}, {t12m_start}, {m12_start}.

create table orders as select * from read_csv('{export}/orders.csv', header = true);
create table accounts as select * from read_csv('{export}/accounts.csv', header = true);
create table fx_rates as select * from read_csv('{export}/fx_rates.csv', header = true);
create table surveys as select * from read_csv('{export}/surveys.csv', header = true);
create table tickets as select * from read_csv('{export}/tickets.csv', header = true);
create table interactions as select * from read_csv('{export}/interactions.csv', header = true);
create table contracts as select * from read_csv('{export}/contracts.csv', header = true);

-- reporting currency: the currency at rate 1 in every month of fx_rates
create table reporting_currency as
select currency from fx_rates
group by currency
having count(*) filter (where rate_to_reporting = 1) = (select count(distinct month) from fx_rates);

-- monthly revenue per account in the reporting currency, with T12M
create table orders_converted as
select
    o.account_id,
    o.order_date,
    date_trunc('month', o.order_date)::date as order_month,
    round(o.amount * case when o.currency = r.currency then 1 else f.rate_to_reporting end, 2)
        as amount,
    round(o.cost * case when o.currency = r.currency then 1 else f.rate_to_reporting end, 2)
        as cost,
    o.status = 'completed' as is_completed
from orders o
cross join reporting_currency r
left join fx_rates f
    on f.month = strftime(o.order_date, '%Y-%m') and f.currency = o.currency
where o.order_date < date '{next_month}';

create table account_monthly as
with months as (
    select unnest(generate_series(
        (select min(order_month) from orders_converted), date '{month_start}', interval 1 month
    ))::date as month
),
spine as (
    select a.account_id, m.month
    from accounts a cross join months m
    where a.created_at < m.month + interval 1 month
),
per_month as (
    select account_id, order_month as month, sum(amount) as revenue,
           sum(amount - cost) as gross_margin, count(*) as orders
    from orders_converted where is_completed
    group by all
)
select
    spine.account_id, spine.month,
    coalesce(per_month.revenue, 0) as revenue,
    coalesce(per_month.gross_margin, 0) as gross_margin,
    coalesce(per_month.orders, 0) as orders,
    sum(coalesce(per_month.revenue, 0)) over (
        partition by spine.account_id order by spine.month
        rows between 11 preceding and current row) as t12m_revenue
from spine left join per_month using (account_id, month);

-- tiers by cumulative share of positive T12M revenue, every month
create table account_tier as
with ranked as (
    select account_id, month, t12m_revenue,
        sum(greatest(t12m_revenue, 0)) over (partition by month) as total,
        coalesce(sum(t12m_revenue) over (partition by month order by t12m_revenue desc, account_id
            rows between unbounded preceding and 1 preceding), 0) as above
    from account_monthly
)
select account_id, month, t12m_revenue,
    case when t12m_revenue > 0 and above < total * 0.80 then 'strategic'
         when t12m_revenue > 0 and above < total * 0.95 then 'key'
         else 'standard' end as tier
from ranked;

-- retention: NRR/GRR of the accounts with revenue twelve months ago; churn risk from gaps
create table account_retention as
with now_and_then as (
    select account_id,
        sum(revenue) filter (where month > date '{month_start}' - interval 12 month) as t12m_now,
        sum(revenue) filter (where month <= date '{m12_start}'
                             and month > date '{m12_start}' - interval 12 month) as t12m_then
    from account_monthly group by account_id
),
order_dates as (
    select distinct account_id, order_date from orders_converted where is_completed
),
gaps as (
    select account_id, order_date,
        order_date - lag(order_date) over (partition by account_id order by order_date) as gap
    from order_dates
),
per_account as (
    select account_id, count(*) as order_dates, max(order_date) as last_order_date,
           median(gap) as median_gap_days
    from gaps group by account_id
)
select t.account_id, n.t12m_now, n.t12m_then,
    n.t12m_now / nullif(n.t12m_then, 0) as nrr,
    least(n.t12m_now, n.t12m_then) / nullif(n.t12m_then, 0) as grr,
    date '{next_month}' - 1 - p.last_order_date as days_since_last_order,
    case when coalesce(p.order_dates, 0) < 3 then null
         else date '{next_month}' - 1 - p.last_order_date
              > greatest(60, 2 * p.median_gap_days) end as churn_risk
from account_tier t
left join now_and_then n using (account_id)
left join per_account p using (account_id)
where t.month = date '{month_start}';

-- satisfaction over the trailing twelve months
create table account_satisfaction as
select account_id,
    100.0 * sum(case when score >= 9 then 1 when score <= 6 then -1 else 0 end)
        filter (where lower(survey_type) = 'nps')
        / nullif(count(*) filter (where lower(survey_type) = 'nps'), 0) as nps,
    100.0 * count(*) filter (where lower(survey_type) = 'csat' and score >= 4)
        / nullif(count(*) filter (where lower(survey_type) = 'csat'), 0) as csat,
    avg(score) filter (where lower(survey_type) = 'ces') as ces
from surveys
where submitted_at >= timestamp '{t12m_start}' and submitted_at < timestamp '{next_month}'
group by account_id;

-- first-response SLA of the month's tickets, target by tier at opening and priority
create table account_service as
with targets(tier, priority, hours) as (values
    ('strategic', 'urgent', 1), ('strategic', 'high', 4), ('strategic', 'normal', 8),
    ('strategic', 'low', 24), ('key', 'urgent', 2), ('key', 'high', 8), ('key', 'normal', 24),
    ('key', 'low', 48), ('standard', 'urgent', 4), ('standard', 'high', 24),
    ('standard', 'normal', 48), ('standard', 'low', 72)
),
evaluated as (
    select tk.account_id, tk.opened_at,
        case when tk.first_response_at < timestamp '{next_month}'
             then tk.first_response_at end as first_response_at,
        g.hours
    from tickets tk
    left join account_tier t
        on t.account_id = tk.account_id and t.month = date_trunc('month', tk.opened_at)
    join targets g on g.tier = coalesce(t.tier, 'standard') and g.priority = tk.priority
    where tk.opened_at >= timestamp '{month_start}' and tk.opened_at < timestamp '{next_month}'
)
select account_id, count(*) as tickets,
    count(*) filter (where first_response_at is not null
        and date_diff('second', opened_at, first_response_at) <= hours * 3600) as met,
    count(*) filter (where first_response_at is not null
        and date_diff('second', opened_at, first_response_at) <= hours * 3600)
        / count(*) as sla_compliance
from evaluated group by account_id;
