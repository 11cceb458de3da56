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
CONTRACTS_MART = "contract_fulfillment"  # one row per contract in force at the end of M
RENEWALS_MART = "contract_renewals"  # one row per contract ending within 90 days after M
LIFECYCLE_MART = "account_lifecycle"  # the stage as of M and as of M-1
WHITESPACE_MART = "account_whitespace"  # ranked cross-sell opportunities
THEMES_MART = "account_themes"  # ranked themes of T12M with an example text
CROSS_SELL_SHOWN = 3  # the review lists the account's best three opportunities


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
    Section("lifecycle", LIFECYCLE_MART),
)
# The optional inputs of a section, as a table or a `table.column` (a metric input that extract
# records as not provided when no export column maps to it); the section says "not provided"
# when none of its inputs was (themes read survey comments and ticket subjects).
SECTION_INPUTS = {
    "contracts": ("contracts",),
    "themes": ("surveys", "tickets.subject"),
}


def sections_not_provided(provided: dict[str, bool], missing_columns: list[str]) -> list[str]:
    def missing(source: str) -> bool:
        table, _, column = source.partition(".")
        return provided.get(table) is False or (bool(column) and source in missing_columns)

    return [section for section, sources in SECTION_INPUTS.items()
            if all(missing(source) for source in sources)]


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
    contracts: list[dict] | None = None  # contract_fulfillment rows; None: mart not built
    renewals: list[dict] | None = None  # contract_renewals rows, soonest end first
    cross_sell: list[dict] | None = None  # account_whitespace ranks 1 to 3
    themes: list[dict] | None = None  # account_themes rows by theme_rank

    @property
    def account_id(self) -> str:
        return self.review["account_id"]


@dataclass
class PortfolioInputs:
    tiers: list[dict] = field(default_factory=list)  # marts.account_tier for M, by rank
    retention: list[dict] = field(default_factory=list)  # marts.portfolio_retention for M
    cohorts: list[dict] = field(default_factory=list)  # marts.cohort_retention
    tier_summary: list[dict] = field(default_factory=list)  # marts.portfolio_tiers, if built
    # The deeper sections; None when their mart is not in the warehouse.
    renewals_by_manager: list[dict] | None = None  # marts.portfolio_renewals
    renewals: list[dict] | None = None  # contract_renewals of key accounts, soonest first
    lifecycle: list[dict] | None = None  # marts.portfolio_lifecycle (tier x stage)
    lifecycle_moves: list[dict] | None = None  # marts.portfolio_lifecycle_moves
    cross_sell: list[dict] | None = None  # marts.portfolio_whitespace, by product line
    themes: list[dict] | None = None  # marts.portfolio_themes, by rank
    backtest: list[dict] | None = None  # marts.portfolio_warning_backtest, summary row last
    distribution: list[dict] | None = None  # marts.portfolio_distribution, by measure, band


@dataclass
class MonthInputs:
    month: dt.date
    accounts: list[AccountInputs]
    provided: dict[str, bool]
    marts: set[str]
    portfolio: PortfolioInputs = field(default_factory=PortfolioInputs)
    not_provided: list[str] = field(default_factory=list)  # as AccountInputs.not_provided


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


def _rows_by_account(con, mart: str, month: dt.date, ids: list[str], order: str,
                     where: str = "") -> dict[str, list[dict]]:
    return _group_by_account(rows(
        con,
        f"select * from marts.{mart} where month = ? and list_contains(?, account_id) "  # noqa: S608
        f"{where} order by account_id, {order}",
        [month, ids],
    ))


def _deeper_account_rows(con, month: dt.date, ids: list[str], marts: set[str]) -> dict:
    """Contracts, renewals, cross-sell and themes of every key account, one query each."""
    queries = {
        "contracts": (CONTRACTS_MART, "end_date, contract_id", ""),
        "renewals": (RENEWALS_MART, "end_date, contract_id", ""),
        "cross_sell": (WHITESPACE_MART, "rank", f"and rank <= {CROSS_SELL_SHOWN}"),
        "themes": (THEMES_MART, "theme_rank, theme", ""),
    }
    return {
        name: _rows_by_account(con, mart, month, ids, order, where) if mart in marts else None
        for name, (mart, order, where) in queries.items()
    }


# Portfolio marts of the deeper sections: attribute, mart, order by.
PORTFOLIO_DEEPER = (
    ("renewals_by_manager", "portfolio_renewals", "manager_name, manager_id"),
    ("lifecycle", "portfolio_lifecycle", "tier, stage_order"),
    ("lifecycle_moves", "portfolio_lifecycle_moves", "accounts desc, previous_stage, stage"),
    ("cross_sell", "portfolio_whitespace", "product_line_rank"),
    ("themes", "portfolio_themes", "theme_rank"),
    ("backtest", "portfolio_warning_backtest", "base_month nulls last"),
    ("distribution", "portfolio_distribution", "measure, band, tier"),
)


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
    for attribute, mart, order in PORTFOLIO_DEEPER:
        if mart in marts:
            setattr(portfolio, attribute, rows(
                con, f"select * from marts.{mart} where month = ? order by {order}",  # noqa: S608
                [month]))
    if RENEWALS_MART in marts:
        portfolio.renewals = rows(
            con,
            f"select c.*, r.account_name, r.manager_name from marts.{RENEWALS_MART} as c "
            "inner join marts.account_review as r using (account_id, month) "
            "where c.month = ? and r.is_key_account "
            "order by c.end_date, r.manager_name, c.account_id, c.contract_id",
            [month])
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
    deeper = _deeper_account_rows(con, month, ids, marts) if ids else {}

    missing_columns = columns_not_provided(con, run_id)
    not_provided = [
        s.name for s in ACCOUNT_SECTIONS
        if s.input_table and provided.get(s.input_table) is False
    ] + missing_columns + sections_not_provided(provided, missing_columns)

    def deeper_rows(name: str, account_id: str) -> list[dict] | None:
        found = deeper.get(name)
        return None if found is None else found.get(account_id, [])

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
            contracts=deeper_rows("contracts", review["account_id"]),
            renewals=deeper_rows("renewals", review["account_id"]),
            cross_sell=deeper_rows("cross_sell", review["account_id"]),
            themes=deeper_rows("themes", review["account_id"]),
        )
        for review in reviews
    ]
    portfolio = _portfolio(con, month, marts) if with_portfolio else PortfolioInputs()
    return MonthInputs(month=month, accounts=accounts, provided=provided, marts=marts,
                       portfolio=portfolio, not_provided=not_provided)
