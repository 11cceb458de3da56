"""Everything a review shows, read from the marts in a few set-based queries.

The parent process reads once and hands each worker plain dicts, so workers never touch the
warehouse. Nothing here computes a metric: rows are selected and passed on as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

from flows.report.warehouse import existing_tables, months_back, provided_inputs, rows

TREND_MONTHS = 13


@dataclass
class AccountInputs:
    """One key account's rows from every mart that has them (None: mart or row absent)."""

    review: dict
    trend: list[dict] = field(default_factory=list)
    sections: dict[str, dict | None] = field(default_factory=dict)
    section_history: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def account_id(self) -> str:
        return self.review["account_id"]


@dataclass
class MonthInputs:
    month: dt.date
    accounts: list[AccountInputs]
    provided: dict[str, bool]
    marts: set[str]


def _group_by_account(found: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in found:
        grouped.setdefault(row["account_id"], []).append(row)
    return grouped


def load_month(
    con: duckdb.DuckDBPyConnection,
    month: dt.date,
    run_id: str,
    account_ids: list[str] | None = None,
) -> MonthInputs:
    marts = existing_tables(con, "marts")
    sql = "select * from marts.account_review where month = ? and is_key_account"
    params: list = [month]
    if account_ids is not None:
        sql += " and list_contains(?, account_id)"
        params.append(list(account_ids))
    reviews = rows(con, sql + " order by account_id", params)
    ids = [r["account_id"] for r in reviews]

    trend_rows: dict[str, list[dict]] = {}
    if "account_monthly" in marts and ids:
        trend_rows = _group_by_account(rows(
            con,
            "select account_id, month, revenue, gross_margin, orders "
            "from marts.account_monthly where month > ? and month <= ? "
            "and list_contains(?, account_id) order by account_id, month",
            [months_back(month, TREND_MONTHS), month, ids],
        ))
    accounts = [
        AccountInputs(review=r, trend=trend_rows.get(r["account_id"], [])) for r in reviews
    ]
    return MonthInputs(
        month=month, accounts=accounts, provided=provided_inputs(con, run_id), marts=marts
    )
