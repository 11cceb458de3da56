"""A small warehouse with the marts the reports read (CONTRACT §4 column names).

Values are chosen by hand so that tests can assert what each PDF must print.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

RUN_ID = "run-fixture"
MONTH = "2026-10"
MONTH_START = dt.date(2026, 10, 1)
HOSTILE_NAME = '<img src="file:///etc/passwd"> Evil & Co'

ACCOUNT_REVIEW_DDL = """create table marts.account_review (
    account_id VARCHAR, month DATE, account_name VARCHAR, industry VARCHAR, region VARCHAR,
    country VARCHAR, status VARCHAR, manager_id VARCHAR, manager_name VARCHAR,
    manager_email VARCHAR, manager_locale VARCHAR, tier VARCHAR, computed_tier VARCHAR,
    tier_source VARCHAR, tier_change VARCHAR, previous_tier VARCHAR, is_key_account BOOLEAN,
    t12m_revenue DECIMAL(38, 4), share DOUBLE, revenue DECIMAL(38, 4),
    revenue_ytd DECIMAL(38, 4), revenue_t12m_prior DECIMAL(38, 4),
    revenue_t12m_change DOUBLE, gross_margin DECIMAL(38, 4), margin_coverage DOUBLE,
    orders BIGINT, reporting_currency VARCHAR)"""

ACCOUNT_MONTHLY_DDL = """create table marts.account_monthly (
    account_id VARCHAR, month DATE, revenue DECIMAL(38, 4), gross_margin DECIMAL(38, 4),
    margin_coverage DOUBLE, orders BIGINT)"""

LOAD_MANIFEST_DDL = """create table audit.load_manifest (
    run_id VARCHAR, table_name VARCHAR, path VARCHAR, sha256 VARCHAR, rows BIGINT,
    provided BOOLEAN, profile VARCHAR, loaded_at TIMESTAMP)"""

# account_id, name, manager (id, name, locale), tier, computed, source, change, previous,
# key?, t12m, share, revenue, ytd, prior, change, margin, coverage, orders
REVIEWS = [
    ("ACC-1", "Acme Industrial", ("M-1", "Alice Smith", None), "strategic", "strategic",
     "computed", "same", "strategic", True, "1200000.0000", 0.6, "105000.5000",
     "980000.2500", "1000000.0000", 0.2, "31500.1500", 0.95, 14),
    ("ACC-2", HOSTILE_NAME, ("M-2", "王芳", "zh-CN"), "key", "standard", "override", "up",
     "standard", True, "500000.0000", 0.25, "40000.0000", "410000.0000", "550000.0000",
     -0.0909, "8000.0000", 0.5, 3),
    ("ACC-3", "Small Shop", ("M-1", "Alice Smith", None), "standard", "standard",
     "computed", "same", "standard", False, "300000.0000", 0.15, "20000.0000",
     "250000.0000", "280000.0000", 0.0714, "5000.0000", 1.0, 2),
]


def monthly_revenue(account_index: int, k: int) -> Decimal:
    """Revenue of month M-12+k for the fixture account at `account_index`."""
    return Decimal(1000 * (account_index + 1) * (k + 1))


def build_warehouse(path: Path, *, provided: dict[str, bool] | None = None) -> Path:
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "audit"):
            con.execute(f"create schema {schema}")
        con.execute(ACCOUNT_REVIEW_DDL)
        con.execute(ACCOUNT_MONTHLY_DDL)
        con.execute(LOAD_MANIFEST_DDL)
        for row in REVIEWS:
            (aid, name, (mid, mname, mlocale), tier, computed, source, change, previous,
             is_key, t12m, share, revenue, ytd, prior, t12m_change, margin, coverage,
             orders) = row
            con.execute(
                "insert into marts.account_review values "
                "(?, ?, ?, 'Manufacturing', 'EMEA', 'DE', 'active', ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'EUR')",
                [aid, MONTH_START, name, mid, mname, f"{mid.lower()}@example.com", mlocale,
                 tier, computed, source, change, previous, is_key, Decimal(t12m), share,
                 Decimal(revenue), Decimal(ytd), Decimal(prior), t12m_change, Decimal(margin),
                 coverage, orders],
            )
        for index, (aid, *_rest) in enumerate(REVIEWS):
            for k in range(14):  # M-13 .. M: one month more than the chart shows
                month = dt.date(2025 + (8 + k) // 12, (8 + k) % 12 + 1, 1)
                con.execute(
                    "insert into marts.account_monthly values (?, ?, ?, ?, 1.0, ?)",
                    [aid, month, monthly_revenue(index, k), monthly_revenue(index, k) / 4, k],
                )
        for table, flag in {"accounts": True, "account_managers": True, "orders": True,
                            "tickets": True, "surveys": True, "interactions": True,
                            **(provided or {})}.items():
            con.execute(
                "insert into audit.load_manifest values (?, ?, ?, 'x', 1, ?, 'canonical',"
                " timestamp '2026-11-01 00:00:00')",
                [RUN_ID, table, f"{table}.csv", flag],
            )
    finally:
        con.close()
    return path
