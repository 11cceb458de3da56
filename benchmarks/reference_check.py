"""Does the plain-DuckDB reference compute what kam computes? Cell by cell, per core mart.

A speed comparison means something only between two computations of the same numbers, so
the data benchmark compares the reference's tables (benchmarks/reference_marts.sql) with
kam's marts of the same month after the runs: money and counts exactly, rates to 1e-9.
Where kam's mart has a row for every existing account and the reference only for the
accounts with activity (surveys, tickets), the accounts with activity are compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from kam.month import Month

TOLERANCE = 1e-9


@dataclass(frozen=True)
class MartCheck:
    mart: str
    keys: tuple[str, ...]
    exact: tuple[str, ...]
    rates: tuple[str, ...] = ()
    kam_rows: str = "month = {month_start}"  # which of kam's rows the reference computes

    def columns(self) -> str:
        return ", ".join((*self.keys, *self.exact, *self.rates))


CHECKS = (
    MartCheck("account_monthly", ("account_id", "month"),
              ("revenue", "gross_margin", "orders", "t12m_revenue"),
              kam_rows="month <= {month_start}"),
    MartCheck("account_tier", ("account_id",), ("t12m_revenue", "computed_tier", "tier")),
    MartCheck("account_retention", ("account_id",),
              ("order_dates", "last_order_date", "days_since_last_order", "churn_risk"),
              ("median_gap_days",)),
    MartCheck("portfolio_retention", ("tier",), ("base_accounts", "retained_accounts"),
              ("logo_retention", "grr", "nrr"),
              kam_rows="month = {month_start} and base_accounts > 0"),
    MartCheck("account_satisfaction", ("account_id",),
              ("nps_responses", "csat_responses", "ces_responses"), ("nps", "csat", "ces"),
              kam_rows="month = {month_start} "
                       "and nps_responses + csat_responses + ces_responses > 0"),
    MartCheck("account_service", ("account_id",),
              ("tickets_opened", "sla_met", "sla_missed", "sla_pending"), ("sla_compliance",),
              kam_rows="month = {month_start} and tickets_opened > 0"),
)


def _differs(column: str, rate: bool) -> str:
    if not rate:
        return f"k.{column} is distinct from r.{column}"
    return (f"(k.{column} is null) <> (r.{column} is null) "
            f"or abs(k.{column} - r.{column}) > {TOLERANCE}")


def compare(check: MartCheck, con: duckdb.DuckDBPyConnection, month: Month) -> tuple[int, int]:
    """(rows compared, rows that differ or are missing on one side) for one mart."""
    if check.mart == "account_tier":
        reference = f"(select * from reference.account_tier where month = {_date(month)})"
    else:
        reference = f"reference.{check.mart}"
    kam_rows = check.kam_rows.format(month_start=_date(month))
    differs = " or ".join([f"k.{check.keys[0]} is null", f"r.{check.keys[0]} is null",
                           *(_differs(c, False) for c in check.exact),
                           *(_differs(c, True) for c in check.rates)])
    rows, differing = con.execute(
        f"with k as (select {check.columns()} from kam.marts.{check.mart} where {kam_rows}), "
        f"r as (select {check.columns()} from {reference}) "
        f"select count(*), count(*) filter (where {differs}) "
        f"from k full join r using ({', '.join(check.keys)})").fetchone()
    return rows, differing


def _date(month: Month) -> str:
    return f"date '{month.first_day.isoformat()}'"


def agreement(reference_db: Path, kam_db: Path, month: Month) -> list[tuple[str, int, int]]:
    """(mart, rows compared, rows differing) for every core mart."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{reference_db}' as reference (read_only)")
        con.execute(f"attach '{kam_db}' as kam (read_only)")
        return [(check.mart, *compare(check, con, month)) for check in CHECKS]
    finally:
        con.close()
