-- The reference for `kam run --until transform`: the core marts of one month computed by
-- plain DuckDB SQL straight from the export's CSVs, written to a database file. No profile,
-- no validation, no audit trail, no tests: what a hand-written script would do. It keeps
-- kam's definitions (docs/metrics.md) where they decide a number, so that it computes the
-- same values as kam's marts, and the benchmark checks that it does: money as exact
-- decimals, an empty status is completed, every month of an account in its T12M window,
-- tier overrides, SLA outcomes met / missed / pending.
-- Placeholders: {export} (folder), {month_start}, {next_month}, {t12m_start}, {m12_start}.

create table orders as select * from read_csv('{export}/orders.csv', header = true,
    types = {{'amount': 'DECIMAL(18,4)', 'cost': 'DECIMAL(18,4)'}});
create table accounts as select * from read_csv('{export}/accounts.csv', header = true);
create table fx_rates as select * from read_csv('{export}/fx_rates.csv', header = true,
    types = {{'rate_to_reporting': 'DECIMAL(18,8)'}});
create table surveys as select * from read_csv('{export}/surveys.csv', header = true);
create table tickets as select * from read_csv('{export}/tickets.csv', header = true);
create table interactions as select * from read_csv('{export}/interactions.csv', header = true);
create table contracts as select * from read_csv('{export}/contracts.csv', header = true);

-- reporting currency: the currency at rate 1 in every month of fx_rates
create table reporting_currency as
select currency from fx_rates
group by currency
having count(*) filter (where rate_to_reporting = 1) = (select count(distinct month) from fx_rates);

-- every order up to the end of the month in the reporting currency, unrounded
create table orders_converted as
select
    o.account_id,
    o.order_date,
    date_trunc('month', o.order_date)::date as order_month,
    o.amount * case when o.currency = r.currency then 1 else f.rate_to_reporting end as amount,
    o.cost * case when o.currency = r.currency then 1 else f.rate_to_reporting end as cost,
    coalesce(o.status, 'completed') <> 'cancelled' as is_completed
from orders o
cross join reporting_currency r
left join fx_rates f
    on f.month = strftime(o.order_date, '%Y-%m') and f.currency = o.currency
where o.order_date < date '{next_month}';

-- monthly revenue per existing account, with T12M over every month of the account
create table account_monthly as
with months as (
    select unnest(generate_series(
        (select min(order_month) from orders_converted), date '{month_start}', interval 1 month
    ))::date as month
),
per_month as (
    select account_id, order_month as month, sum(amount) as revenue,
           sum(amount - cost) as gross_margin, count(*) as orders
    from orders_converted where is_completed
    group by all
),
dense as (
    select a.account_id, m.month, a.created_at,
        coalesce(p.revenue, 0) as revenue,
        coalesce(p.gross_margin, 0) as gross_margin,
        coalesce(p.orders, 0) as orders,
        sum(coalesce(p.revenue, 0)) over (
            partition by a.account_id order by m.month
            rows between 11 preceding and current row) as t12m_revenue
    from accounts a
    cross join months m
    left join per_month p on p.account_id = a.account_id and p.month = m.month
)
select account_id, month, revenue, gross_margin, orders, t12m_revenue
from dense
where created_at < month + interval 1 month;

-- tiers by cumulative share of positive T12M revenue, every month; an override wins
create table account_tier as
with ranked as (
    select account_id, month, t12m_revenue,
        sum(greatest(t12m_revenue, 0)) over (partition by month) as total,
        coalesce(sum(t12m_revenue) over (partition by month order by t12m_revenue desc, account_id
            rows between unbounded preceding and 1 preceding), 0) as above
    from account_monthly
),
computed as (
    select account_id, month, t12m_revenue,
        case when t12m_revenue > 0 and above < total * 0.80 then 'strategic'
             when t12m_revenue > 0 and above < total * 0.95 then 'key'
             else 'standard' end as computed_tier
    from ranked
)
select c.*, coalesce(a.tier_override, c.computed_tier) as tier
from computed c join accounts a using (account_id);

-- churn risk from the gaps between order dates
create table account_retention as
with order_dates as (
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
select t.account_id, coalesce(p.order_dates, 0) as order_dates, p.last_order_date,
    date '{next_month}' - 1 - p.last_order_date as days_since_last_order,
    case when p.order_dates >= 3 then p.median_gap_days end as median_gap_days,
    case when coalesce(p.order_dates, 0) < 3 then null
         else date '{next_month}' - 1 - p.last_order_date
              > greatest(60, 2 * p.median_gap_days) end as churn_risk
from account_tier t
left join per_account p using (account_id)
where t.month = date '{month_start}';

-- GRR / NRR / logo retention of the accounts with positive T12M revenue as of M-12
create table portfolio_retention as
with base as (
    select then_.account_id, then_.tier, then_.t12m_revenue as then_revenue,
        coalesce(now_.t12m_revenue, 0) as now_revenue
    from account_tier then_
    left join account_tier now_
        on now_.account_id = then_.account_id and now_.month = date '{month_start}'
    where then_.month = date '{m12_start}' and then_.t12m_revenue > 0
)
select coalesce(tier, 'all') as tier, count(*) as base_accounts,
    count(*) filter (where now_revenue > 0) as retained_accounts,
    count(*) filter (where now_revenue > 0) / count(*) as logo_retention,
    sum(least(now_revenue, then_revenue)) / sum(then_revenue) as grr,
    sum(now_revenue) / sum(then_revenue) as nrr
from base
group by grouping sets ((tier), ());

-- satisfaction over the trailing twelve months
create table account_satisfaction as
select account_id,
    100.0 * sum(case when score >= 9 then 1 when score <= 6 then -1 else 0 end)
        filter (where lower(survey_type) = 'nps')
        / nullif(count(*) filter (where lower(survey_type) = 'nps'), 0) as nps,
    count(*) filter (where lower(survey_type) = 'nps') as nps_responses,
    100.0 * count(*) filter (where lower(survey_type) = 'csat' and score >= 4)
        / nullif(count(*) filter (where lower(survey_type) = 'csat'), 0) as csat,
    count(*) filter (where lower(survey_type) = 'csat') as csat_responses,
    avg(score) filter (where lower(survey_type) = 'ces') as ces,
    count(*) filter (where lower(survey_type) = 'ces') as ces_responses
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
    select tk.account_id,
        case when tk.first_response_at < timestamp '{next_month}'
             then tk.first_response_at end as first_response_at,
        tk.opened_at + to_hours(g.hours) as due_at
    from tickets tk
    left join account_tier t
        on t.account_id = tk.account_id and t.month = date_trunc('month', tk.opened_at)
    join targets g on g.tier = coalesce(t.tier, 'standard') and g.priority = tk.priority
    where tk.opened_at >= timestamp '{month_start}' and tk.opened_at < timestamp '{next_month}'
),
outcomes as (
    select account_id,
        case when first_response_at <= due_at then 'met'
             when first_response_at is not null or due_at < timestamp '{next_month}' then 'missed'
             else 'pending' end as outcome
    from evaluated
)
select account_id, count(*) as tickets_opened,
    count(*) filter (where outcome = 'met') as sla_met,
    count(*) filter (where outcome = 'missed') as sla_missed,
    count(*) filter (where outcome = 'pending') as sla_pending,
    100.0 * count(*) filter (where outcome = 'met')
        / nullif(count(*) filter (where outcome <> 'pending'), 0) as sla_compliance
from outcomes group by account_id;
