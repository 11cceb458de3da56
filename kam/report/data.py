"""Everything a review shows, read from the marts in a few set-based queries.

The parent process reads once and hands each worker plain rows, so workers never touch the
warehouse. Nothing here computes a metric: rows are selected and passed on as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from kam.month import Month
from kam.report.read_only import columns_not_provided, existing_tables, provided_inputs, rows

TREND_MONTHS = 13
# The quarterly satisfaction trend: the T12M values as of M-9, M-6, M-3 and M, read from
# account_satisfaction_monthly (its `_t12m` columns) under the names account_satisfaction uses.
SATISFACTION_QUARTERS = (9, 6, 3, 0)
SATISFACTION_TREND_MART = "account_satisfaction_monthly"
SATISFACTION_T12M_COLUMNS = ", ".join(
    f"{metric}_t12m as {metric}"
    for metric in ("nps", "nps_responses", "csat", "csat_responses", "ces", "ces_responses")
)
SURVEY_COMMENTS_MART = "account_survey_comments"  # the latest comments per account as of M
RISKS_MART = "account_risks"  # one row per risk rule that fired for an account in M


@dataclass(frozen=True)
class Section:
    """A review section: the mart it reads and the optional input file that feeds it."""

    name: str
    mart: str
    input_table: str | None = None


ACCOUNT_SECTIONS = (
    Section("clv", "account_clv"),
    Section("health", "account_health"),
    Section("satisfaction", "account_satisfaction", "surveys"),
    Section("service", "account_service", "tickets"),
    Section("engagement", "account_engagement", "interactions"),
    Section("retention", "account_retention"),
)


@dataclass
class AccountInputs:
    """One key account's rows from every mart that has them.

    `sections[name]` is the mart row, or None when the mart or the row is absent;
    `not_provided` names the sections whose input file was not provided in this run, and
    the metric inputs (`tickets.first_response_at`) no column of the export provided.
    """

    review: dict
    trend: list[dict] = field(default_factory=list)
    sections: dict[str, dict | None] = field(default_factory=dict)
    not_provided: list[str] = field(default_factory=list)
    satisfaction_trend: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    risks: list[dict] = field(default_factory=list)  # rows of marts.account_risks, high first

    @property
    def account_id(self) -> str:
        return self.review["account_id"]


@dataclass
class PortfolioInputs:
    tiers: list[dict] = field(default_factory=list)  # marts.account_tier for M, by rank
    retention: list[dict] = field(default_factory=list)  # marts.portfolio_retention for M
    cohorts: list[dict] = field(default_factory=list)  # marts.cohort_retention
    tier_summary: list[dict] = field(default_factory=list)  # marts.portfolio_tiers, if built


@dataclass
class MonthInputs:
    month: dt.date
    accounts: list[AccountInputs]
    provided: dict[str, bool]
    marts: set[str]
    portfolio: PortfolioInputs = field(default_factory=PortfolioInputs)


def _group_by_account(found: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in found:
        grouped.setdefault(row["account_id"], []).append(row)
    return grouped


def _one_per_account(found: list[dict]) -> dict[str, dict]:
    return {row["account_id"]: row for row in found}


def _key_account_reviews(con, month: dt.date, account_ids: list[str] | None) -> list[dict]:
    sql = "select * from marts.account_review where month = ? and is_key_account"
    params: list = [month]
    if account_ids is not None:
        sql += " and list_contains(?, account_id)"
        params.append(list(account_ids))
    return rows(con, sql + " order by account_id", params)


def _account_rows(con, mart: str, months: list[dt.date], ids: list[str]) -> list[dict]:
    return rows(
        con,
        f"select * from marts.{mart} where list_contains(?, month) "  # noqa: S608 (fixed names)
        "and list_contains(?, account_id) order by account_id, month",
        [months, ids],
    )


def _survey_comments(con, month: dt.date, ids: list[str]) -> dict[str, list[dict]]:
    return _group_by_account(rows(
        con,
        f"""select account_id, submitted_at, survey_type, score, comment
            from marts.{SURVEY_COMMENTS_MART}
            where month = ? and list_contains(?, account_id)
            order by account_id, comment_rank""",
        [month, ids],
    ))


def _account_risks(con, month: dt.date, ids: list[str]) -> dict[str, list[dict]]:
    return _group_by_account(rows(
        con,
        f"""select * from marts.{RISKS_MART}
            where month = ? and list_contains(?, account_id)
            order by account_id, severity = 'high' desc, rule_id""",
        [month, ids],
    ))


def _portfolio(con, month: dt.date, marts: set[str]) -> PortfolioInputs:
    portfolio = PortfolioInputs()
    if "account_tier" in marts:
        portfolio.tiers = rows(
            con,
            "select t.*, r.account_name from marts.account_tier as t "
            "left join marts.account_review as r using (account_id, month) "
            "where t.month = ? and t.t12m_revenue > 0 order by t.t12m_revenue desc, account_id",
            [month],
        )
    if "portfolio_retention" in marts:
        portfolio.retention = rows(
            con, "select * from marts.portfolio_retention where month = ? "
            "order by case tier when 'strategic' then 1 when 'key' then 2 "
            "when 'standard' then 3 else 4 end", [month])
    if "cohort_retention" in marts:
        columns = {r["column_name"] for r in rows(
            con, "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'cohort_retention'")}
        where = "where month = ?" if "month" in columns else ""
        portfolio.cohorts = rows(
            con, f"select * from marts.cohort_retention {where} order by cohort, k",
            [month] if where else [])
    if "portfolio_tiers" in marts:
        portfolio.tier_summary = rows(
            con, "select * from marts.portfolio_tiers where month = ? "
            "order by case tier when 'strategic' then 1 when 'key' then 2 "
            "when 'standard' then 3 else 4 end", [month])
    return portfolio


def load_month(
    con: duckdb.DuckDBPyConnection,
    month: dt.date,
    run_id: str,
    account_ids: list[str] | None = None,
    *,
    with_portfolio: bool = True,
) -> MonthInputs:
    marts = existing_tables(con, "marts")
    provided = provided_inputs(con, run_id)
    reviews = _key_account_reviews(con, month, account_ids)
    ids = [r["account_id"] for r in reviews]

    trend: dict[str, list[dict]] = {}
    if "account_monthly" in marts and ids:
        trend = _group_by_account(rows(
            con,
            "select account_id, month, revenue, gross_margin, orders "
            "from marts.account_monthly where month > ? and month <= ? "
            "and list_contains(?, account_id) order by account_id, month",
            [Month.of(month).shift(-TREND_MONTHS).first_day, month, ids],
        ))
    section_rows = {
        s.name: _one_per_account(_account_rows(con, s.mart, [month], ids))
        for s in ACCOUNT_SECTIONS if s.mart in marts and ids
    }
    satisfaction_trend: dict[str, list[dict]] = {}
    if SATISFACTION_TREND_MART in marts and ids:
        quarter_ends = [Month.of(month).shift(-back).first_day for back in SATISFACTION_QUARTERS]
        satisfaction_trend = _group_by_account(rows(
            con,
            f"select account_id, month, {SATISFACTION_T12M_COLUMNS} "
            f"from marts.{SATISFACTION_TREND_MART} where list_contains(?, month) "
            "and list_contains(?, account_id) order by account_id, month",
            [quarter_ends, ids],
        ))
    comments = (_survey_comments(con, month, ids)
                if SURVEY_COMMENTS_MART in marts and ids and provided.get("surveys", True)
                else {})
    risks = _account_risks(con, month, ids) if RISKS_MART in marts and ids else {}

    not_provided = [
        s.name for s in ACCOUNT_SECTIONS
        if s.input_table and provided.get(s.input_table) is False
    ] + columns_not_provided(con, run_id)
    accounts = [
        AccountInputs(
            review=review,
            trend=trend.get(review["account_id"], []),
            sections={s.name: section_rows.get(s.name, {}).get(review["account_id"])
                      for s in ACCOUNT_SECTIONS},
            not_provided=not_provided,
            satisfaction_trend=satisfaction_trend.get(review["account_id"], []),
            comments=comments.get(review["account_id"], []),
            risks=risks.get(review["account_id"], []),
        )
        for review in reviews
    ]
    portfolio = _portfolio(con, month, marts) if with_portfolio else PortfolioInputs()
    return MonthInputs(month=month, accounts=accounts, provided=provided, marts=marts,
                       portfolio=portfolio)
