"""The explainable metrics: for each figure a review shows, where it lives and the rows behind it.

Each entry names the mart and column the PDF reads, how the PDF formats it, the section of
docs/metrics.md that defines it, and a parameterised query for the input rows that give the
value. The queries read the dbt models the marts are built from (staging and intermediate
tables keep `source_file` and `source_line`), and every value in them is a bound parameter
(`$account`, `$month_start`, ...; see `window_parameters`). They list rows; they compute no
metric: the value shown beside them always comes from the mart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from kam.month import Month

# Input tables whose quarantined rows may have counted, with the raw column dating each row.
QUARANTINE_DATE_COLUMNS = {
    "orders": "order_date",
    "surveys": "submitted_at",
    "tickets": "opened_at",
    "interactions": "occurred_at",
}


@dataclass(frozen=True)
class Rows:
    """The input rows behind a value and which quarantined rows would have counted."""

    sql: str
    adds_up: str  # how the listed rows give the value, for the reader
    quarantine_table: str | None = None
    quarantine_window: tuple[str, str] | None = None  # parameter names: [from, to)
    inputs_sql: str | None = None  # one row of model inputs shown above the rows


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    mart: str
    column: str
    format: tuple[object, ...]  # Formatter method and its arguments, as the PDF calls it
    section: str  # heading of docs/metrics.md that defines it
    rows: Rows
    portfolio: bool = False
    computed_in: str = ""  # the model that computes the column, when the mart repeats it

    @property
    def model(self) -> str:
        return self.computed_in or self.mart


def window_parameters(month: Month) -> dict[str, object]:
    """Every boundary a query may bind; half-open windows as in docs/metrics.md (Windows)."""
    return {
        "month_start": month.first_day,
        "previous_month_start": month.shift(-1).first_day,
        "next_month_start": month.shift(1).first_day,
        "month_end": month.last_day,
        "ytd_start": Month(month.year, 1).first_day,
        "t12m_start": month.shift(-11).first_day,
        "prior_t12m_start": month.shift(-23).first_day,
        "prior_t12m_end": month.shift(-11).first_day,
        "days90_start": month.last_day - timedelta(days=89),
        "epoch": Month(1970, 1).first_day,
    }


# ---- orders ---------------------------------------------------------------------------------

_ORDERS = """
    select order_id, order_date, status, original_currency, original_amount, fx_rate,
           amount as converted_amount, original_cost, cost as converted_cost, margin,
           source_file, source_line{extra}
    from staging.int_orders_converted
    where account_id = $account and is_completed
      and order_date >= ${start} and order_date < ${end}
    order by order_date, order_id, source_line
"""


def _orders(start: str, end: str, adds_up: str, extra: str = "") -> Rows:
    return Rows(
        _ORDERS.format(start=start, end=end, extra=extra), adds_up, "orders", (start, end)
    )


_PRIOR_AND_CURRENT = """,
           case when order_date >= $t12m_start then 'T12M' else 'prior T12M' end as t12m_window"""

# ---- tiers ----------------------------------------------------------------------------------

_RANKING = """
    with ranked as (
        select * from staging.int_account_tiers_ranked where month = $month_start
    ),
    own as (select tier_rank from ranked where account_id = $account)
    select ranked.tier_rank, ranked.account_id, ranked.t12m_revenue,
           ranked.total_positive_t12m_revenue, ranked.t12m_revenue_ranked_above,
           ranked.share, ranked.cum_share_before, ranked.computed_tier, ranked.tier,
           ranked.tier_source, ranked.account_id = $account as is_this_account
    from ranked, own
    where ranked.tier_rank between own.tier_rank - 3 and own.tier_rank + 3
    order by ranked.tier_rank
"""

_TIER_MONTHS = """
    select month, account_id, t12m_revenue, tier_rank, cum_share_before, computed_tier, tier,
           tier_source
    from staging.int_account_tiers_ranked
    where account_id = $account and month in ($previous_month_start, $month_start)
    order by month
"""

# ---- surveys --------------------------------------------------------------------------------

_SURVEYS = """
    select response_id, submitted_at, survey_type, score,
           case when survey_type <> 'nps' then null
                when score >= 9 then 'promoter' when score <= 6 then 'detractor'
                else 'passive' end as nps_class,
           source_file, source_line
    from staging.stg_crm__surveys
    where account_id = $account and survey_type = '{survey_type}'
      and submitted_at >= cast($t12m_start as timestamp)
      and submitted_at < cast($next_month_start as timestamp)
    order by submitted_at, response_id
"""


def _surveys(survey_type: str, adds_up: str) -> Rows:
    return Rows(_SURVEYS.format(survey_type=survey_type), adds_up, "surveys",
                ("t12m_start", "next_month_start"))


# ---- tickets --------------------------------------------------------------------------------

_TICKETS = """
    select evaluated.ticket_id, evaluated.priority, evaluated.category, evaluated.opened_at,
           evaluated.tier_at_open, evaluated.sla_target_hours, evaluated.first_response_at,
           evaluated.first_response_hours, evaluated.sla_status, evaluated.resolved_at,
           evaluated.resolution_hours, evaluated.is_open_at_month_end,
           tickets.source_file, tickets.source_line
    from staging.int_tickets_sla_evaluated as evaluated
    left join staging.stg_crm__tickets as tickets using (ticket_id)
    where evaluated.account_id = $account and {condition}
    order by evaluated.opened_at, evaluated.ticket_id
"""
_IN_MONTH = "evaluated.opened_month = $month_start"
_IN_T12M = "evaluated.opened_month >= $t12m_start and evaluated.opened_month <= $month_start"
_WINDOW = {"": (_IN_MONTH, "month_start"), "_t12m": (_IN_T12M, "t12m_start")}


def _tickets(condition: str, adds_up: str, start: str = "epoch") -> Rows:
    return Rows(_TICKETS.format(condition=condition), adds_up, "tickets",
                (start, "next_month_start"))


# ---- interactions ---------------------------------------------------------------------------

_INTERACTIONS = """
    select interaction_id, occurred_at, interaction_type, manager_id, source_file, source_line
    from staging.stg_crm__interactions
    where account_id = $account and {condition}
      and occurred_at < cast($next_month_start as timestamp)
    order by occurred_at desc, interaction_id
"""
_VISITS = "interaction_type in ('visit', 'meeting', 'business_review')"

# ---- single rows of marts -------------------------------------------------------------------

_HEALTH_COMPONENTS = " union all ".join(
    f"select '{name}' as component, {name}_score as score, {name}_weight as weight, "
    f"'{source}' as explained_by "
    "from marts.account_health where account_id = $account and month = $month_start"
    for name, source in (
        ("revenue_trend", "t3m_revenue vs t3m_revenue_year_earlier of account_health"),
        ("nps", "nps"), ("sla", "sla_compliance_t12m"), ("engagement", "interactions_90d"),
        ("p_alive", "p_alive"),
    )
)

_CLV_INPUTS = """
    select clv.model, clv.repeat_transactions as frequency_x, clv.recency_weeks as recency_t_x,
           clv.age_weeks as age_T, clv.margin_ratio, clv.margin_ratio_source,
           fit.r, fit.alpha, fit.a, fit.b, fit.p, fit.q, fit.gamma, fit.converged,
           fit.accounts as fit_accounts, fit.repeat_accounts as fit_repeat_accounts,
           fit.message as fit_message
    from marts.account_clv as clv
    left join marts.clv_model_fit as fit using (month)
    where clv.account_id = $account and clv.month = $month_start
"""

_PURCHASE_DAYS = """
    select order_date, count(*) as completed_rows, sum(amount) as day_amount,
           row_number() over (order by order_date) = 1 as is_first_transaction
    from staging.int_orders_converted
    where account_id = $account and is_completed and order_date <= $month_end
    group by order_date
    order by order_date
"""

_ENGAGEMENT_ROW = """
    select tier, interactions_90d, engagement_standard, meets_engagement_standard
    from marts.account_engagement where account_id = $account and month = $month_start
"""

_ORDER_DATES = """
    with dates as (
        select distinct order_date from staging.int_orders_converted
        where account_id = $account and is_completed and order_date <= $month_end
    )
    select order_date,
           {gap} as gap_days,
           (select count(*) from staging.int_orders_converted as o
             where o.account_id = $account and o.is_completed
               and o.order_date = dates.order_date) as completed_rows
    from dates order by order_date
"""
_GAP = "datediff('day', lag(order_date) over (order by order_date), order_date)"

# ---- portfolio ------------------------------------------------------------------------------

_TIER_ACCOUNTS = """
    select tier_rank, account_id, tier, tier_source, tier_change, t12m_revenue, share
    from marts.account_tier
    where month = $month_start and (tier = $tier or $tier = 'all')
    order by tier_rank, account_id
"""


def _money(name, label, column, rows, mart="account_review", section="Revenue and margin",
           computed_in="account_monthly"):
    return Metric(name, label, mart, column, ("money",), section, rows, computed_in=computed_in)


_REVENUE_SUM = "the sum of converted_amount (amount x fx_rate, exact, never rounded) of the rows"

_ALL = [
    # Summary
    _money("revenue", "Revenue of the month", "revenue",
           _orders("month_start", "next_month_start", _REVENUE_SUM)),
    _money("revenue_ytd", "Revenue year to date", "revenue_ytd",
           _orders("ytd_start", "next_month_start", _REVENUE_SUM)),
    _money("t12m_revenue", "Revenue T12M", "t12m_revenue",
           _orders("t12m_start", "next_month_start", _REVENUE_SUM)),
    _money("revenue_t12m_prior", "Revenue T12M last year", "revenue_t12m_prior",
           _orders("prior_t12m_start", "prior_t12m_end", _REVENUE_SUM)),
    Metric("revenue_t12m_change", "T12M change vs last year", "account_review",
           "revenue_t12m_change", ("signed_fraction",), "Revenue and margin",
           _orders("prior_t12m_start", "next_month_start",
                   "(sum of converted_amount over the T12M rows - sum over the prior T12M "
                   "rows) / sum over the prior T12M rows", _PRIOR_AND_CURRENT),
           computed_in="account_review_metrics"),
    Metric("share", "Share of portfolio", "account_review", "share", ("fraction",),
           "Tiers", Rows(_RANKING, "this account's t12m_revenue / "
                         "total_positive_t12m_revenue"), computed_in="account_tier"),
    _money("gross_margin", "Gross margin", "gross_margin",
           _orders("month_start", "next_month_start",
                   "the sum of margin (converted_amount - converted_cost) over the rows "
                   "whose cost is known; rows without cost add nothing")),
    Metric("margin_coverage", "Margin coverage", "account_review", "margin_coverage",
           ("fraction",), "Revenue and margin",
           _orders("month_start", "next_month_start",
                   "the sum of converted_amount over rows with a known cost / the sum of "
                   "converted_amount over all rows"), computed_in="account_monthly"),
    Metric("orders", "Orders", "account_review", "orders", ("number",),
           "Revenue and margin",
           _orders("month_start", "next_month_start", "the number of rows"),
           computed_in="account_monthly"),
    # Header
    Metric("tier", "Tier", "account_review", "tier", ("text",), "Tiers",
           Rows(_RANKING, "computed_tier: strategic while cum_share_before "
                "(= t12m_revenue_ranked_above / total_positive_t12m_revenue) < 0.80, key "
                "while < 0.95, else standard (vars tier_strategic_threshold, "
                "tier_key_threshold); tier is the override when tier_source = override"),
           computed_in="account_tier"),
    Metric("tier_change", "Tier change", "account_review", "tier_change", ("text",),
           "Tiers", Rows(_TIER_MONTHS, "the tier of M compared with the tier of M-1 "
                         "(new without a row for M-1)"), computed_in="account_tier"),
    # Lifetime value
    _money("historical_clv", "Historical CLV", "historical_clv",
           _orders("epoch", "next_month_start",
                   "the sum over the rows of margin where cost is known, converted_amount "
                   "where it is not"), mart="account_clv", section="Historical CLV",
           computed_in=""),
    *[
        Metric(name, label, "account_clv", name, fmt, "Predictive CLV: inputs",
               Rows(_PURCHASE_DAYS, "the model's output for the account's purchase days "
                    "(one transaction per day; frequency_x = days - 1, recency_t_x = weeks from "
                    "the first to the last day, age_T = weeks from the first day to the end of "
                    "M; mean repeat spend over the days after the first) under the fitted "
                    "parameters (BG/NBD r, alpha, a, b; Gamma-Gamma p, q, gamma); see kam/clv",
                    inputs_sql=_CLV_INPUTS))
        for name, label, fmt in (
            ("predicted_clv_12m", "Predicted CLV, next 12 months", ("money",)),
            ("p_alive", "Probability still active", ("fraction",)),
            ("expected_purchases_12m", "Expected purchases, 12 months", ("number", 1)),
            ("expected_avg_order_value", "Expected average order value", ("money",)),
        )
    ],
    # Health
    Metric("health_score", "Health score", "account_health", "health_score",
           ("number",), "Health score",
           Rows(_HEALTH_COMPONENTS, "sum of score x weight over the components with a "
                "score / sum of their weights")),
    # Satisfaction (T12M)
    Metric("nps", "NPS", "account_satisfaction", "nps", ("number",), "Satisfaction",
           _surveys("nps", "100 x (promoters - detractors) / responses")),
    Metric("nps_responses", "NPS responses", "account_satisfaction", "nps_responses",
           ("number",), "Satisfaction", _surveys("nps", "the number of rows")),
    Metric("csat", "CSAT", "account_satisfaction", "csat", ("percent_points",),
           "Satisfaction", _surveys("csat", "100 x rows scoring 4 or 5 / rows")),
    Metric("csat_responses", "CSAT responses", "account_satisfaction", "csat_responses",
           ("number",), "Satisfaction", _surveys("csat", "the number of rows")),
    Metric("ces", "CES", "account_satisfaction", "ces", ("number", 1), "Satisfaction",
           _surveys("ces", "the mean score of the rows")),
    Metric("ces_responses", "CES responses", "account_satisfaction", "ces_responses",
           ("number",), "Satisfaction", _surveys("ces", "the number of rows")),
    # Service, this month and T12M
    *[
        metric
        for suffix, (window, start) in _WINDOW.items()
        for metric in (
            Metric(f"tickets_opened{suffix}", "Tickets opened", "account_service",
                   f"tickets_opened{suffix}", ("number",), "Service and SLA",
                   _tickets(window, "the number of rows", start)),
            *[
                Metric(f"sla_{status}{suffix}", f"First response {status}",
                       "account_service", f"sla_{status}{suffix}", ("number",),
                       "Service and SLA",
                       _tickets(f"{window} and evaluated.sla_status = '{status}'",
                                "the number of rows", start))
                for status in ("met", "missed", "pending")
            ],
            Metric(f"sla_compliance{suffix}", "First-response SLA compliance",
                   "account_service", f"sla_compliance{suffix}", ("percent_points",),
                   "Service and SLA",
                   _tickets(window, "100 x rows with sla_status met / rows with "
                            "sla_status met or missed (pending rows are left out)", start)),
            Metric(f"median_first_response_hours{suffix}", "Median first response",
                   "account_service", f"median_first_response_hours{suffix}", ("hours",),
                   "Service and SLA",
                   _tickets(f"{window} and evaluated.first_response_hours is not null",
                            "the median of first_response_hours (even count: mean of the "
                            "two middle values)", start)),
            Metric(f"median_resolution_hours{suffix}", "Median resolution",
                   "account_service", f"median_resolution_hours{suffix}", ("hours",),
                   "Service and SLA",
                   _tickets(f"{window} and evaluated.resolution_hours is not null",
                            "the median of resolution_hours (even count: mean of the "
                            "two middle values)", start)),
            Metric(f"complaints{suffix}", "Complaints", "account_service",
                   f"complaints{suffix}", ("number",), "Service and SLA",
                   _tickets(f"{window} and evaluated.category = 'complaint'",
                            "the number of rows", start)),
        )
    ],
    Metric("open_tickets", "Open tickets at month end", "account_service", "open_tickets",
           ("number",), "Service and SLA",
           _tickets("evaluated.is_open_at_month_end", "the number of rows")),
    Metric("open_escalations", "Open escalations", "account_service", "open_escalations",
           ("number",), "Service and SLA",
           _tickets("evaluated.is_open_at_month_end and (evaluated.priority in "
                    "('urgent', 'high') or evaluated.category = 'complaint')",
                    "the number of rows")),
    # Engagement
    Metric("interactions_90d", "Interactions in the last 90 days", "account_engagement",
           "interactions_90d", ("number",), "Engagement",
           Rows(_INTERACTIONS.format(
               condition="occurred_at >= cast($days90_start as timestamp)"),
               "the number of rows", "interactions", ("days90_start", "next_month_start"))),
    Metric("engagement_standard", "Standard for the tier", "account_engagement",
           "engagement_standard", ("number",), "Engagement",
           Rows(_ENGAGEMENT_ROW, "var engagement_standard of the account's tier "
                "(strategic 6, key 3, standard 1)")),
    Metric("meets_engagement_standard", "Meets the tier's standard", "account_engagement",
           "meets_engagement_standard", ("yes_no",), "Engagement",
           Rows(_ENGAGEMENT_ROW, "interactions_90d >= engagement_standard")),
    Metric("days_since_last_visit_or_meeting", "Days since last visit or meeting",
           "account_engagement", "days_since_last_visit_or_meeting", ("number",),
           "Engagement",
           Rows(_INTERACTIONS.format(condition=_VISITS),
                "the last day of M - the date of the newest row", "interactions",
                ("epoch", "next_month_start"))),
    # Retention (risks section)
    Metric("days_since_last_order", "Days since last order", "account_retention",
           "days_since_last_order", ("number",), "Churn risk",
           Rows(_ORDER_DATES.format(gap=_GAP),
                "the last day of M - the newest order_date", "orders",
                ("epoch", "next_month_start"))),
    Metric("median_gap_days", "Median gap between orders", "account_retention",
           "median_gap_days", ("number", 1), "Churn risk",
           Rows(_ORDER_DATES.format(gap=_GAP),
                "the median of gap_days (null with fewer than 3 order dates)", "orders",
                ("epoch", "next_month_start"))),
    Metric("churn_risk", "Churn risk", "account_retention", "churn_risk", ("yes_no",),
           "Churn risk",
           Rows(_ORDER_DATES.format(gap=_GAP),
                "days since the newest order_date > max(60, 2 x median gap_days); null "
                "with fewer than 3 order dates", "orders", ("epoch", "next_month_start"))),
    # Portfolio (per tier; --tier all for the whole portfolio)
    *[
        Metric(name, label, "portfolio_tiers", name, fmt, "Tiers",
               Rows(_TIER_ACCOUNTS, adds_up), portfolio=True)
        for name, label, fmt, adds_up in (
            ("accounts", "Accounts in the tier", ("number",), "the number of rows"),
            ("t12m_revenue", "T12M revenue of the tier", ("money",),
             "the sum of t12m_revenue of the rows"),
            ("share", "Share of positive T12M revenue", ("fraction",),
             "the sum of share of the rows with positive t12m_revenue"),
        )
    ],
]
ACCOUNT_METRICS: dict[str, Metric] = {m.name: m for m in _ALL if not m.portfolio}
PORTFOLIO_METRICS: dict[str, Metric] = {m.name: m for m in _ALL if m.portfolio}
