"""The explainable metrics: for each figure a review shows, where it lives and the rows behind it.

Each entry names the mart and column the PDF reads, how the PDF formats it, the section of
docs/metrics.md that defines it, and a parameterised query for the input rows that give the
value. The queries read the dbt models the marts are built from (staging and intermediate
tables keep `source_file` and `source_line`), and every value in them is a bound parameter
(`$account`, `$month_start`, ...; see `window_parameters`). They list rows; they compute no
metric: the value shown beside them always comes from the mart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from kam.month import Month

# Input tables whose quarantined rows may have counted, with the raw column dating each row.
QUARANTINE_DATE_COLUMNS = {
    "orders": "order_date",
    "surveys": "submitted_at",
    "tickets": "opened_at",
    "interactions": "occurred_at",
    "contracts": "start_date",
}


@dataclass(frozen=True)
class Rows:
    """The input rows behind a value and which quarantined rows would have counted."""

    sql: str
    adds_up: str  # how the listed rows give the value, for the reader
    quarantine_table: str | None = None
    quarantine_window: tuple[str, str] | None = None  # parameter names: [from, to)
    inputs_sql: str | None = None  # one row of model inputs shown above the rows
    records_sql: str | None = None  # a table of records the rows belong to (contracts, peers)
    records_title: str = ""
    # The staging table whose rows are evaluated as of the month the warehouse was built for
    # (its month var), so the rows behind another month's figure are not in the warehouse.
    built_month_only: str | None = None
    masked: tuple[str, ...] = ()  # text columns masked like the PDF masks survey comments


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
    # A figure the PDF shows once per item (contract, product line, theme, manager): the
    # mart column naming the item, and the filter the PDF reads the mart with.
    item: str | None = None
    where: str = ""
    # A mart that keeps the same figure for more months than `mart` (month-grain history),
    # with the column it has there: earlier months are read from it.
    history: tuple[str, str] | None = None
    by_tier: bool = True  # portfolio marts with one row per tier (else one per month)

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
        "year_ago_start": month.shift(-12).first_day,
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
                (start, "next_month_start"),
                built_month_only="staging.int_tickets_sla_evaluated")


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

# ---- lifecycle ------------------------------------------------------------------------------

_ACCOUNT_MONTHS = """
    select month, account_exists, orders, revenue, t12m_revenue
    from staging.int_account_months_summarized
    where account_id = $account and month <= $month_start
    order by month
"""

_LIFECYCLE_FACTS = """
    select stage, previous_stage, stage_changed, first_order_month, orders_t12m, t12m_revenue,
           previous_t12m_revenue
    from marts.account_lifecycle where account_id = $account and month = $month_start
"""

_STAGE_RULE = (
    "the first rule that holds, as of the month's end: prospect without a completed order "
    "up to then; lapsed with no order in the 12 months to it; formation when the first "
    "order month is in those 12 months; decline when t12m_revenue < 0.80 x t12m_revenue of "
    "12 months earlier (var lifecycle_decline_ratio) and that is positive; else stable. "
    "orders and t12m_revenue per month are the account's monthly rows below"
)

# ---- contracts ------------------------------------------------------------------------------

_CONTRACTS_IN_FORCE = """
    select contract_id, renewal_of, signed_date, start_date, end_date, term_days,
           original_currency, original_committed_value, fx_rate, committed_value,
           source_file, source_line
    from staging.int_contracts_converted
    where account_id = $account and start_date <= $month_end and end_date >= $month_end
    order by end_date, contract_id
"""

_CONTRACT_ORDERS = """
    select contracts.contract_id, orders.order_id, orders.order_date, orders.status,
           orders.original_currency, orders.original_amount, orders.fx_rate,
           orders.amount as converted_amount, orders.source_file, orders.source_line
    from staging.int_contracts_converted as contracts
    inner join staging.int_orders_converted as orders
        on orders.account_id = contracts.account_id and orders.is_completed
       and orders.order_date >= contracts.start_date and orders.order_date <= $month_end
    where contracts.account_id = $account and contracts.start_date <= $month_end
      and contracts.end_date >= $month_end
    order by contracts.contract_id, orders.order_date, orders.order_id
"""


def _contracts(adds_up: str) -> Rows:
    return Rows(_CONTRACT_ORDERS, adds_up, "contracts", ("epoch", "next_month_start"),
                records_sql=_CONTRACTS_IN_FORCE,
                records_title="Contracts in force at the end of the month",
                built_month_only="staging.int_contracts_converted")


_RENEWAL_CONTRACTS = """
    with due as (
        select contract_id from marts.contract_renewals
        where account_id = $account and month = $month_start
    )
    select contract_id, account_id, renewal_of, contract_id in (select contract_id from due)
               as is_due,
           start_date, end_date, original_currency, original_committed_value, fx_rate,
           committed_value, source_file, source_line
    from staging.int_contracts_converted
    where contract_id in (select contract_id from due)
       or (renewal_of in (select contract_id from due) and renewal_of <> contract_id)
    order by is_due desc, end_date, start_date, contract_id
"""

_HEALTH_STATUS = """
    select health_status, health_score
    from marts.account_health where account_id = $account and month = $month_start
"""


def _renewals(adds_up: str) -> Rows:
    return Rows(_RENEWAL_CONTRACTS, adds_up, "contracts", ("epoch", "next_month_start"),
                inputs_sql=_HEALTH_STATUS,
                built_month_only="staging.int_contracts_converted")


# ---- cross-sell -----------------------------------------------------------------------------

_PEERS = """
    with own as (
        select distinct peer_group, tier, industry from marts.account_whitespace
        where account_id = $account and month = $month_start
    )
    select ranked.account_id as peer_account_id, ranked.tier, accounts.industry,
           ranked.t12m_revenue
    from staging.int_account_tiers_ranked as ranked
    inner join staging.stg_crm__accounts as accounts using (account_id)
    inner join own on ranked.tier = own.tier
        and (own.peer_group = 'tier' or accounts.industry = own.industry)
    where ranked.month = $month_start and ranked.account_id <> $account
      and ranked.t12m_revenue > 0
    order by ranked.account_id
"""

_LINE_ORDERS = f"""
    with peers as ({_PEERS.replace("order by ranked.account_id", "")}),
    shown_lines as (
        select product_line from marts.account_whitespace
        where account_id = $account and month = $month_start and rank <= 3
    )
    select orders.product_line, orders.account_id, orders.account_id = $account
               as is_this_account,
           orders.order_id, orders.order_date, orders.original_currency,
           orders.original_amount, orders.fx_rate, orders.amount as converted_amount,
           orders.source_file, orders.source_line
    from staging.int_orders_converted as orders
    inner join shown_lines using (product_line)
    where orders.is_completed
      and orders.order_date >= $t12m_start and orders.order_date < $next_month_start
      and (orders.account_id = $account
           or orders.account_id in (select peer_account_id from peers))
    order by orders.product_line, orders.account_id, orders.order_date, orders.order_id
"""


def _cross_sell(adds_up: str) -> Rows:
    return Rows(_LINE_ORDERS, adds_up, "orders", ("t12m_start", "next_month_start"),
                records_sql=_PEERS, records_title="Peers (the account's peer group)")


_PEER_LINE = (
    "per product line, a peer buys the line when its converted_amount on the line sums "
    "to more than 0 over the T12M rows; this account's own rows on the line sum to 0 or "
    "less. "
)

# ---- themes ---------------------------------------------------------------------------------

_THEME_TEXTS = """
    select found.theme, found.text_source, found.text_id, found.written_at, found.keyword,
           found.language, found.is_negative, found.is_complaint, found.text,
           coalesce(surveys.source_file, tickets.source_file) as source_file,
           coalesce(surveys.source_line, tickets.source_line) as source_line
    from staging.int_theme_keywords_found as found
    left join staging.stg_crm__surveys as surveys
        on found.text_source = 'survey' and surveys.response_id = found.text_id
    left join staging.stg_crm__tickets as tickets
        on found.text_source = 'ticket' and tickets.ticket_id = found.text_id
    where found.account_id = $account
    order by found.theme, found.written_at desc, found.text_source, found.text_id,
             found.keyword
"""

_MENTION = (
    "a row counts when its keyword stands in the text as a whole word (language en: no "
    "letter a-z or digit on either side, ignoring case) or anywhere (zh-CN); a text counts "
    "once per theme. "
)


def _themes(adds_up: str) -> Rows:
    return Rows(_THEME_TEXTS, _MENTION + adds_up, "surveys", ("t12m_start", "next_month_start"),
                built_month_only="staging.int_theme_keywords_found", masked=("text",))


# ---- risk rules -----------------------------------------------------------------------------

_FIRED_RULES = """
    select fired.rule_id, rules.severity, rules.metric, rules.operator, rules.threshold,
           fired.value as metric_value
    from marts.account_risks as fired
    inner join staging.risk_rules as rules using (rule_id)
    where fired.account_id = $account and fired.month = $month_start
    order by fired.rule_id
"""

# ---- portfolio retention, renewals, lifecycle moves -----------------------------------------

_RETENTION_BASE = """
    select base.account_id, base.tier as base_tier, base.t12m_revenue as base_t12m_revenue,
           coalesce(now.t12m_revenue, 0) as t12m_revenue
    from staging.int_account_tiers_ranked as base
    left join staging.int_account_months_summarized as now
        on now.account_id = base.account_id and now.month = $month_start
    where base.month = $year_ago_start and base.t12m_revenue > 0
      and (base.tier = $tier or $tier = 'all')
    order by base.account_id
"""

_KEY_RENEWALS = """
    select renewals.manager_id, renewals.account_id, renewals.contract_id, renewals.tier,
           renewals.end_date, renewals.days_to_end, renewals.committed_value,
           renewals.renewed, renewals.renewal_at_risk, contracts.source_file,
           contracts.source_line
    from marts.contract_renewals as renewals
    inner join marts.account_review as review using (account_id, month)
    left join staging.int_contracts_converted as contracts using (contract_id)
    where renewals.month = $month_start and review.is_key_account
    order by renewals.manager_id, renewals.end_date, renewals.contract_id
"""

_STAGE_MOVES = """
    select lifecycle.previous_stage || ' -> ' || lifecycle.stage as move,
           lifecycle.account_id, lifecycle.tier, review.is_key_account
    from marts.account_lifecycle as lifecycle
    left join marts.account_review as review using (account_id, month)
    where lifecycle.month = $month_start and lifecycle.stage_changed
    order by move, lifecycle.account_id
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
    Metric("health_status", "Health status", "account_health", "health_status",
           ("coded", ""), "Health score",
           Rows(_HEALTH_COMPONENTS, "the health score (sum of score x weight over the "
                "components with a score / sum of their weights): green from 70, amber from "
                "40, else red (vars health_green_from, health_amber_from)")),
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
    # Header: lifecycle stage
    *[
        Metric(name, label, "account_lifecycle", column, ("coded", "stage"), "Lifecycle stage",
               Rows(_ACCOUNT_MONTHS, adds_up, inputs_sql=_LIFECYCLE_FACTS))
        for name, label, column, adds_up in (
            ("lifecycle_stage", "Lifecycle stage", "stage", _STAGE_RULE + " (as of M)"),
            ("previous_stage", "Lifecycle stage last month", "previous_stage",
             _STAGE_RULE + " (as of M-1)"),
        )
    ],
    # Contracts and renewals (one figure per contract)
    *[
        Metric(name, label, "contract_fulfillment", column, fmt,
               "Contract fulfillment and renewals", _contracts(adds_up), item="contract_id")
        for name, label, column, fmt, adds_up in (
            ("contract_committed_value", "Committed value", "committed_value", ("money",),
             "committed_value of the contract (original_committed_value x fx_rate)"),
            ("committed_to_date", "Committed to date", "committed_to_date", ("money",),
             "committed_value x elapsed days / term_days, elapsed days counted from "
             "start_date to the month's last day, both included"),
            ("revenue_to_date", "Revenue to date", "revenue_to_date", ("money",),
             "the sum of converted_amount of the contract's rows (the account's completed "
             "orders from start_date to the month's last day)"),
            ("fulfillment", "Fulfillment", "fulfillment", ("fraction",),
             "revenue to date (sum of the contract's converted_amount) / committed to date "
             "(committed_value x elapsed days / term_days)"),
            ("elapsed_share", "Share of the term elapsed", "elapsed_share", ("fraction", 0),
             "elapsed days (start_date to the month's last day, both included) / term_days"),
            ("under_fulfilled", "Behind plan", "under_fulfilled", ("yes_no",),
             "fulfillment < 0.80 (var contract_under_fulfilled_below) while at least 0.25 of "
             "the term has elapsed (var contract_min_elapsed_share)"),
        )
    ],
    *[
        Metric(name, label, "contract_renewals", column, fmt, "Contract fulfillment and renewals",
               _renewals(adds_up), item="contract_id")
        for name, label, column, fmt, adds_up in (
            ("renewal_end_date", "Renewal due (contract ends)", "end_date", ("short_date",),
             "end_date of the contract row with is_due"),
            ("days_to_end", "Days to renewal", "days_to_end", ("number",),
             "end_date - the month's last day, in days"),
            ("renewal_committed_value", "Value up for renewal", "committed_value", ("money",),
             "committed_value of the contract row with is_due"),
            ("renewed", "Renewed", "renewed", ("yes_no",),
             "another row names the due contract in renewal_of"),
            ("renewal_at_risk", "Renewal at risk", "renewal_at_risk", ("yes_no",),
             "not renewed and the account's health_status (model inputs) is amber or red"),
        )
    ],
    # Cross-sell (the three best product lines, as the review lists them)
    *[
        Metric(name, label, "account_whitespace", column, fmt, "Cross-sell whitespace",
               _cross_sell(_PEER_LINE + adds_up), item="product_line", where="rank <= 3")
        for name, label, column, fmt, adds_up in (
            ("peers", "Peers", "peers", ("number",), "the number of peers listed"),
            ("buying_peers", "Peers buying the line", "buying_peers", ("number",),
             "the number of peers buying the line"),
            ("peer_penetration", "Peer penetration", "peer_penetration", ("fraction",),
             "peers buying the line / peers listed"),
            ("peer_median_revenue", "Peers' median revenue on the line, T12M",
             "peer_median_revenue", ("money",),
             "the median over the peers buying the line of their converted_amount on it"),
        )
    ],
    # Themes of the last 12 months (one figure per theme)
    *[
        Metric(name, label, "account_themes", column, fmt, "Themes",
               _themes(adds_up), item="theme")
        for name, label, column, fmt, adds_up in (
            ("theme_mentions", "Mentions", "mentions", ("number",),
             "mentions: the texts of the theme that count"),
            ("theme_negative_mentions", "Negative mentions", "negative_mentions", ("number",),
             "the texts of the theme that count with is_negative"),
            ("theme_complaint_mentions", "Complaint mentions", "complaint_mentions",
             ("number",), "the texts of the theme that count with is_complaint"),
            ("theme_example", "Example", "example_text", ("masked",),
             "the most recent text that counts with is_negative or is_complaint, else the "
             "most recent text that counts (contact details masked)"),
        )
    ],
    # Risks and recommended actions (one per rule that fired)
    Metric("risks", "Risks: the metric value that fired the rule", "account_risks", "value",
           ("risk",), "Risk rules",
           Rows(_FIRED_RULES, "each row is a rule of the seed risk_rules "
                "(dbt_project/seeds/risk_rules.csv) whose metric compares with the threshold "
                "by the operator (lt <, le <=, gt >, ge >=, eq =, is_true, is_false); the metric "
                "is itself explained with --metric METRIC (under_fulfilled_contracts and "
                "renewals_at_risk count the contracts of under_fulfilled and renewal_at_risk)"),
           item="rule_id"),
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
    *[
        Metric(name, label, "portfolio_retention", name, fmt, "Logo retention, GRR and NRR",
               Rows(_RETENTION_BASE, adds_up), portfolio=True)
        for name, label, fmt, adds_up in (
            ("nrr", "Net revenue retention", ("fraction",),
             "the sum of t12m_revenue / the sum of base_t12m_revenue (T12M as of M-12) of "
             "the rows, the accounts with positive T12M revenue a year ago"),
            ("grr", "Gross revenue retention", ("fraction",),
             "the sum over the rows of the lesser of t12m_revenue and base_t12m_revenue / "
             "the sum of base_t12m_revenue"),
            ("logo_retention", "Logo retention", ("fraction",),
             "the rows with t12m_revenue > 0 / the rows"),
            ("base_accounts", "Accounts a year ago", ("number",), "the number of rows"),
        )
    ],
    *[
        Metric(name, label, "portfolio_renewals", name, fmt,
               "Portfolio sums of renewals, stages, cross-sell and themes",
               Rows(_KEY_RENEWALS, adds_up), portfolio=True, by_tier=False,
               item="manager_id")
        for name, label, fmt, adds_up in (
            ("renewals_due", "Renewals due in 90 days", ("number",),
             "the number of the manager's rows"),
            ("committed_value_due", "Committed value due", ("money",),
             "the sum of committed_value of the manager's rows"),
            ("renewals_at_risk", "Renewals at risk", ("number",),
             "the manager's rows with renewal_at_risk"),
            ("committed_value_at_risk", "Committed value at risk", ("money",),
             "the sum of committed_value of the manager's rows with renewal_at_risk"),
        )
    ],
    Metric("stage_moves", "Accounts that changed stage", "portfolio_lifecycle_moves",
           "accounts", ("number",),
           "Portfolio sums of renewals, stages, cross-sell and themes",
           Rows(_STAGE_MOVES, "the number of rows of the move"), portfolio=True,
           by_tier=False, item="previous_stage || ' -> ' || stage"),
]
# Figures the marts keep for more months than the review's mart: the monthly revenue history
# (the review's trend chart) and the quarterly satisfaction trend.
_HISTORY = {
    **{name: ("account_monthly", name)
       for name in ("revenue", "gross_margin", "margin_coverage", "orders")},
    **{name: ("account_satisfaction_monthly", f"{name}_t12m")
       for name in ("nps", "nps_responses", "csat", "csat_responses", "ces", "ces_responses")},
}
_ALL = [replace(m, history=_HISTORY[m.name]) if m.name in _HISTORY and not m.portfolio else m
        for m in _ALL]
ACCOUNT_METRICS: dict[str, Metric] = {m.name: m for m in _ALL if not m.portfolio}
PORTFOLIO_METRICS: dict[str, Metric] = {m.name: m for m in _ALL if m.portfolio}
