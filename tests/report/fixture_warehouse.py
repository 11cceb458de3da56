"""A small warehouse with the marts the reports read (their documented column names).

Values are chosen by hand so that tests can assert what each PDF must print.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

from kam.month import Month
from kam.report import DataQualityStatus

RUN_ID = "run-fixture"
MONTH = Month(2026, 10)
# What the reports are told about validation in these tests.
DQ = DataQualityStatus(True, "val-1", warnings=2, quarantined_rows=5, summary="All good.")
MONTH_START = dt.date(2026, 10, 1)
HOSTILE_NAME = '<img src="file:///etc/passwd"> Evil & Co'
HOSTILE_CONTRACT = "<b>K&1</b>"
HOSTILE_LINE = "<i>Lubricants</i>"
HOSTILE_EXAMPLE = '<script>alert("x")</script> 价格太高'

ACCOUNT_REVIEW_DDL = """create table marts.account_review (
    account_id VARCHAR, month DATE, account_name VARCHAR, industry VARCHAR, region VARCHAR,
    country VARCHAR, status VARCHAR, manager_id VARCHAR, manager_name VARCHAR,
    manager_email VARCHAR, manager_locale VARCHAR, tier VARCHAR, computed_tier VARCHAR,
    tier_source VARCHAR, tier_change VARCHAR, previous_tier VARCHAR, is_key_account BOOLEAN,
    t12m_revenue DECIMAL(38, 4), share DOUBLE, revenue DECIMAL(38, 4),
    revenue_ytd DECIMAL(38, 4), revenue_t12m_prior DECIMAL(38, 4),
    revenue_t12m_change DOUBLE, gross_margin DECIMAL(38, 4), margin_coverage DOUBLE,
    orders BIGINT, reporting_currency VARCHAR, risk_count BIGINT, high_risk_count BIGINT,
    is_at_risk BOOLEAN)"""

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


SECTION_DDL = {
    "account_satisfaction": """create table marts.account_satisfaction (
        account_id VARCHAR, month DATE, nps DOUBLE, nps_responses BIGINT, csat DOUBLE,
        csat_responses BIGINT, ces DOUBLE, ces_responses BIGINT)""",
    "account_satisfaction_monthly": """create table marts.account_satisfaction_monthly (
        account_id VARCHAR, month DATE, nps DOUBLE, nps_responses BIGINT, csat DOUBLE,
        csat_responses BIGINT, ces DOUBLE, ces_responses BIGINT, nps_t12m DOUBLE,
        nps_responses_t12m BIGINT, csat_t12m DOUBLE, csat_responses_t12m BIGINT,
        ces_t12m DOUBLE, ces_responses_t12m BIGINT)""",
    "account_service": """create table marts.account_service (
        account_id VARCHAR, month DATE, tickets_opened BIGINT, sla_met BIGINT,
        sla_missed BIGINT, sla_pending BIGINT, sla_compliance DOUBLE,
        median_first_response_hours DOUBLE, median_resolution_hours DOUBLE,
        complaints BIGINT, tickets_opened_t12m BIGINT, sla_met_t12m BIGINT,
        sla_missed_t12m BIGINT, sla_pending_t12m BIGINT, sla_compliance_t12m DOUBLE,
        median_first_response_hours_t12m DOUBLE, median_resolution_hours_t12m DOUBLE,
        complaints_t12m BIGINT, open_tickets BIGINT, open_tickets_t12m BIGINT,
        open_escalations BIGINT, sla_target_hours_urgent DOUBLE, sla_target_hours_high DOUBLE,
        sla_target_hours_normal DOUBLE, sla_target_hours_low DOUBLE)""",
    "account_engagement": """create table marts.account_engagement (
        account_id VARCHAR, month DATE, tier VARCHAR, interactions_90d BIGINT,
        engagement_standard BIGINT, engagement_ratio DOUBLE,
        meets_engagement_standard BOOLEAN, last_visit_or_meeting_on DATE,
        interactions_provided BOOLEAN, days_since_last_visit_or_meeting BIGINT)""",
    "account_clv": """create table marts.account_clv (
        account_id VARCHAR, month DATE, historical_clv DECIMAL(38, 4),
        historical_clv_cost_unknown BOOLEAN, p_alive DOUBLE, expected_purchases_12m DOUBLE,
        expected_avg_order_value DOUBLE, predicted_clv_12m DOUBLE, model VARCHAR)""",
    "account_health": """create table marts.account_health (
        account_id VARCHAR, month DATE, health_score DOUBLE, health_status VARCHAR,
        revenue_trend_score DOUBLE, revenue_trend_weight DOUBLE, nps_score DOUBLE,
        nps_weight DOUBLE, sla_score DOUBLE, sla_weight DOUBLE, engagement_score DOUBLE,
        engagement_weight DOUBLE, p_alive_score DOUBLE, p_alive_weight DOUBLE,
        missing_components VARCHAR)""",
    "account_retention": """create table marts.account_retention (
        account_id VARCHAR, month DATE, churn_risk BOOLEAN, days_since_last_order BIGINT,
        median_gap_days DOUBLE)""",
    "account_tier": """create table marts.account_tier (
        account_id VARCHAR, month DATE, t12m_revenue DECIMAL(38, 4), share DOUBLE,
        cum_share_before DOUBLE, tier_rank BIGINT, computed_tier VARCHAR, tier VARCHAR,
        tier_source VARCHAR, tier_change VARCHAR)""",
    "portfolio_retention": """create table marts.portfolio_retention (
        month DATE, tier VARCHAR, base_accounts BIGINT, logo_retention DOUBLE, grr DOUBLE,
        nrr DOUBLE)""",
    "cohort_retention": """create table marts.cohort_retention (
        month DATE, cohort DATE, k BIGINT, cohort_size BIGINT, share DOUBLE)""",
    "account_risks": """create table marts.account_risks (
        account_id VARCHAR, month DATE, rule_id VARCHAR, severity VARCHAR, metric VARCHAR,
        operator VARCHAR, value VARCHAR, numeric_value DOUBLE, threshold VARCHAR,
        risk VARCHAR, action VARCHAR)""",
    "account_survey_comments": """create table marts.account_survey_comments (
        account_id VARCHAR, month DATE, comment_rank BIGINT, response_id VARCHAR,
        submitted_at TIMESTAMP, survey_type VARCHAR, score DOUBLE, comment VARCHAR)""",
    "portfolio_tiers": """create table marts.portfolio_tiers (
        month DATE, tier VARCHAR, accounts BIGINT, overridden_accounts BIGINT,
        new_accounts BIGINT, moved_up BIGINT, moved_down BIGINT,
        t12m_revenue DECIMAL(38, 4), share DOUBLE)""",
    "contract_fulfillment": """create table marts.contract_fulfillment (
        contract_id VARCHAR, month DATE, account_id VARCHAR, manager_id VARCHAR,
        renewal_of VARCHAR, start_date DATE, end_date DATE, signed_date DATE,
        term_days BIGINT, elapsed_days BIGINT, elapsed_share DOUBLE, currency VARCHAR,
        committed_value DECIMAL(38, 4), committed_to_date DECIMAL(38, 12),
        revenue_to_date DECIMAL(38, 4), fulfillment DOUBLE, under_fulfilled BOOLEAN)""",
    "contract_renewals": """create table marts.contract_renewals (
        contract_id VARCHAR, month DATE, account_id VARCHAR, manager_id VARCHAR,
        tier VARCHAR, start_date DATE, end_date DATE, days_to_end BIGINT, currency VARCHAR,
        committed_value DECIMAL(38, 4), renewed BOOLEAN, renewed_by VARCHAR,
        renewal_start_date DATE, health_status VARCHAR, renewal_at_risk BOOLEAN)""",
    "account_lifecycle": """create table marts.account_lifecycle (
        account_id VARCHAR, month DATE, tier VARCHAR, stage VARCHAR, previous_stage VARCHAR,
        stage_changed BOOLEAN, first_order_month DATE, orders_t12m BIGINT,
        t12m_revenue DECIMAL(38, 4), previous_t12m_revenue DECIMAL(38, 4))""",
    "account_whitespace": """create table marts.account_whitespace (
        account_id VARCHAR, month DATE, product_line VARCHAR, tier VARCHAR,
        industry VARCHAR, peer_group VARCHAR, peers BIGINT, buying_peers BIGINT,
        peer_penetration DOUBLE, peer_median_revenue DECIMAL(38, 4), rank BIGINT)""",
    "account_themes": """create table marts.account_themes (
        account_id VARCHAR, month DATE, theme VARCHAR, mentions BIGINT,
        negative_mentions BIGINT, complaint_mentions BIGINT, survey_mentions BIGINT,
        ticket_mentions BIGINT, theme_rank BIGINT, example_source VARCHAR,
        example_id VARCHAR, example_written_at TIMESTAMP, example_text VARCHAR)""",
    "portfolio_renewals": """create table marts.portfolio_renewals (
        month DATE, manager_id VARCHAR, manager_name VARCHAR, renewals_due BIGINT,
        committed_value_due DECIMAL(38, 4), renewals_open BIGINT,
        committed_value_open DECIMAL(38, 4), renewals_at_risk BIGINT,
        committed_value_at_risk DECIMAL(38, 4), next_end_date DATE)""",
    "portfolio_lifecycle": """create table marts.portfolio_lifecycle (
        month DATE, tier VARCHAR, stage VARCHAR, stage_order BIGINT, accounts BIGINT,
        moved_in BIGINT)""",
    "portfolio_lifecycle_moves": """create table marts.portfolio_lifecycle_moves (
        month DATE, previous_stage VARCHAR, stage VARCHAR, accounts BIGINT,
        key_accounts BIGINT)""",
    "portfolio_whitespace": """create table marts.portfolio_whitespace (
        month DATE, product_line VARCHAR, accounts BIGINT, accounts_in_top_three BIGINT,
        opportunity_revenue DECIMAL(38, 4), product_line_rank BIGINT)""",
    "portfolio_themes": """create table marts.portfolio_themes (
        month DATE, theme VARCHAR, accounts BIGINT, mentions BIGINT,
        negative_mentions BIGINT, complaint_mentions BIGINT, theme_rank BIGINT)""",
    "portfolio_distribution": """create table marts.portfolio_distribution (
        month DATE, measure VARCHAR, tier VARCHAR, band INTEGER, band_from INTEGER,
        band_to INTEGER, accounts BIGINT)""",
    "portfolio_warning_backtest": """create table marts.portfolio_warning_backtest (
        month DATE, base_month DATE, base_months BIGINT, active BIGINT, flagged BIGINT,
        lapsed BIGINT, flagged_lapsed BIGINT, precision DOUBLE, recall DOUBLE)""",
}

STAGES = ("prospect", "formation", "stable", "decline", "lapsed")
# (tier, stage) -> (accounts, moved_in); every other cell of the grid is 0, as dbt fills it.
LIFECYCLE_CELLS = {
    ("strategic", "stable"): (1, 1), ("key", "decline"): (1, 0),
    ("standard", "stable"): (1, 0), ("all", "stable"): (2, 1), ("all", "decline"): (1, 0),
}

M = MONTH_START


def _risk(account_id, rule_id, severity, metric, operator, value, numeric_value, threshold):
    """A row of marts.account_risks for M, labelled as the seed labels the rule."""
    return (account_id, M, rule_id, severity, metric, operator, value, numeric_value,
            threshold, f"English risk of {rule_id}", f"English action of {rule_id}")


SECTION_ROWS = {
    "account_satisfaction": [
        ("ACC-1", M, 25.0, 16, 85.25, 15, 5.0, 11),
        ("ACC-2", M, -10.0, 5, None, 0, None, 0),
    ],
    # Month values (unused by the review) then T12M values as of each month.
    "account_satisfaction_monthly": [
        ("ACC-1", dt.date(2026, 1, 1), 0.0, 1, 0.0, 1, 1.0, 1, 40.0, 10, 90.0, 10, 5.5, 8),
        ("ACC-1", dt.date(2026, 4, 1), 0.0, 1, 0.0, 1, 1.0, 1, 35.0, 12, 88.5, 12, 5.25, 9),
        ("ACC-1", dt.date(2026, 7, 1), 0.0, 1, 0.0, 1, 1.0, 1, 30.0, 14, 87.0, 13, 5.125, 10),
        # not a quarter end: left out of the trend
        ("ACC-1", dt.date(2026, 9, 1), 0.0, 1, 0.0, 1, 1.0, 1, 99.0, 1, 99.0, 1, 1.0, 1),
        ("ACC-1", M, 0.0, 1, 0.0, 1, 1.0, 1, 25.0, 16, 85.25, 15, 5.0, 11),
        ("ACC-2", M, -10.0, 5, None, 0, None, 0, -10.0, 5, None, 0, None, 0),
    ],
    "account_service": [
        ("ACC-1", M, 4, 3, 1, 0, 75.0, 3.5, 20.25, 1, 40, 37, 3, 0, 92.5, 2.75, 18.0, 6, 2, 2,
         1, 1, 4, 8, 24),
        ("ACC-2", M, 2, 1, 1, 0, 50.0, 9.0, 30.0, 0, 20, 17, 3, 0, 85.0, 7.5, 26.0, 2, 6, 6,
         3, 2, 8, 24, 48),
    ],
    "account_engagement": [
        ("ACC-1", M, "strategic", 7, 6, 7 / 6, True, dt.date(2026, 10, 19), True, 12),
        ("ACC-2", M, "key", 1, 3, 1 / 3, False, dt.date(2026, 7, 28), True, 95),
    ],
    "account_clv": [
        ("ACC-1", M, Decimal("250000.7500"), False, 0.93, 12.4, 8500.5, 105000.0,
         "bgnbd_gamma_gamma"),
        ("ACC-2", M, Decimal("90000.0000"), True, 0.42, 2.5, 4000.0, 9000.0,
         "bgnbd_gamma_gamma"),
    ],
    "account_health": [
        ("ACC-1", M, 78.4, "green", 80.0, 0.25, 62.5, 0.20, 75.0, 0.15, 100.0, 0.15, 93.0,
         0.25, None),
        ("ACC-2", M, 35.2, "red", 20.0, 0.3125, None, 0.0, 50.0, 0.1875, 33.3, 0.1875, 42.0,
         0.3125, "nps"),
    ],
    "account_retention": [("ACC-1", M, False, 5, 21.5), ("ACC-2", M, True, 130, 30.0)],
    "account_tier": [
        ("ACC-1", M, Decimal("1200000"), 0.6, 0.0, 1, "strategic", "strategic", "computed",
         "same"),
        ("ACC-2", M, Decimal("500000"), 0.25, 0.6, 2, "standard", "key", "override", "up"),
        ("ACC-3", M, Decimal("300000"), 0.15, 0.85, 3, "standard", "standard", "computed",
         "same"),
    ],
    "portfolio_retention": [
        (M, "strategic", 1, 1.0, 0.95, 1.2),
        (M, "key", 0, None, None, None),
        (M, "standard", 2, 0.5, 0.625, 0.875),
        (M, "all", 3, 0.6667, 0.8123, 1.0567),
    ],
    "cohort_retention": [
        (M, dt.date(2025, 10, 1), 0, 2, 1.0), (M, dt.date(2025, 10, 1), 1, 2, 0.5),
        (M, dt.date(2025, 10, 1), 2, 2, 0.5), (M, dt.date(2025, 11, 1), 0, 1, 1.0),
        (M, dt.date(2025, 11, 1), 1, 1, 0.0),
    ],
    # What dbt's account_risks gives for ACC-2's rows above (high severity first, then by
    # rule_id), and a rule of the non-key ACC-3; ACC-1 has none.
    "account_risks": [
        _risk("ACC-2", "churn_risk", "high", "churn_risk", "is_true", "true", 1.0, None),
        _risk("ACC-2", "health_red", "high", "health_score", "lt", "35.2", 35.2, "40"),
        _risk("ACC-2", "low_p_alive", "high", "p_alive", "lt", "0.42", 0.42, "0.5"),
        _risk("ACC-2", "low_margin_coverage", "medium", "margin_coverage", "lt", "0.5", 0.5,
              "0.8"),
        _risk("ACC-2", "negative_nps", "medium", "nps", "lt", "-10.0", -10.0, "0"),
        _risk("ACC-2", "open_tickets", "medium", "open_tickets", "ge", "6", 6.0, "5"),
        _risk("ACC-2", "sla_missed", "medium", "sla_compliance_t12m", "lt", "85.0", 85.0,
              "90"),
        _risk("ACC-2", "under_engaged", "medium", "meets_engagement_standard", "is_false",
              "false", 0.0, None),
        _risk("ACC-3", "tier_down", "medium", "tier_change", "eq", "down", None, "down"),
        # The contract rules with the seed's English labels: ACC-1's C-2 is behind plan,
        # ACC-2's contract ends in 90 days, not renewed, with health red.
        (*_risk("ACC-1", "contract_under_fulfilled", "medium", "under_fulfilled_contracts",
                "ge", "1", 1.0, "1")[:9],
         "A contract in force is behind its pro-rata commitment",
         "Review the contract's call-off plan with the buyer and agree catch-up orders"),
        _risk("ACC-2", "renewal_at_risk", "high", "renewals_at_risk", "ge", "1", 1.0, "1"),
    ],
    # The latest comments as of M; a row of an earlier month's run is not shown.
    "account_survey_comments": [
        ("ACC-1", M, 1, "S1", dt.datetime(2026, 10, 20, 9, 30), "nps", 9,
         "Call me on +49 30 1234567 or write to jo@acme.example"),
        ("ACC-1", M, 2, "S2", dt.datetime(2026, 10, 6, 8, 0), "csat", 3,
         "Delivery on 2026-10-05 was late"),
        ("ACC-1", dt.date(2026, 9, 1), 1, "S3", dt.datetime(2026, 9, 1, 8, 0), "nps", 5,
         "From the September run: not shown"),
    ],
    "portfolio_tiers": [
        (M, "standard", 1, 0, 0, 0, 0, Decimal("300000"), 0.15),
        (M, "strategic", 1, 0, 0, 0, 0, Decimal("1200000"), 0.6),
        (M, "key", 1, 1, 0, 1, 0, Decimal("500000"), 0.25),
    ],
}


D = dt.date
T = dt.datetime
# Contracts in force at 2026-10-31. C-1: 304 of 365 days elapsed, 365,000 committed, so
# 304,000 due to date; 250,000 bought: 0.822. C-2: 123 of 365 days, 730,000 committed,
# 246,000 due, 123,000 bought: 0.5, under-fulfilled. K&1: 365 of 455 days, 400,000 bought
# against 365,000 due: 1.096.
SECTION_ROWS["contract_fulfillment"] = [
    ("C-1", M, "ACC-1", "M-1", None, D(2026, 1, 1), D(2026, 12, 31), D(2025, 12, 1), 365, 304,
     304 / 365, "EUR", Decimal("365000"), Decimal("304000"), Decimal("250000"),
     250000 / 304000, False),
    ("C-2", M, "ACC-1", "M-1", None, D(2026, 7, 1), D(2027, 6, 30), D(2026, 6, 20), 365, 123,
     123 / 365, "EUR", Decimal("730000"), Decimal("246000"), Decimal("123000"), 0.5, True),
    (HOSTILE_CONTRACT, M, "ACC-2", "M-2", None, D(2025, 11, 1), D(2027, 1, 29),
     D(2025, 11, 1), 455, 365, 365 / 455, "EUR", Decimal("455000"), Decimal("365000"),
     Decimal("400000"), 400000 / 365000, False),
    # an earlier month's row: not shown for M
    ("C-0", D(2026, 9, 1), "ACC-1", "M-1", None, D(2025, 1, 1), D(2025, 12, 31), None, 365,
     273, 273 / 365, "EUR", Decimal("1"), Decimal("1"), Decimal("1"), 1.0, False),
]
# Renewals due in (2026-10-31, 2027-01-29]: C-1 on day 61, renewed by C-4; K&1 on day 90,
# not renewed and ACC-2 is red, so at risk; C-9 of the standard ACC-3 on day 15.
SECTION_ROWS["contract_renewals"] = [
    ("C-1", M, "ACC-1", "M-1", "strategic", D(2026, 1, 1), D(2026, 12, 31), 61, "EUR",
     Decimal("365000"), True, "C-4", D(2027, 1, 1), "green", False),
    (HOSTILE_CONTRACT, M, "ACC-2", "M-2", "key", D(2025, 11, 1), D(2027, 1, 29), 90, "EUR",
     Decimal("455000"), False, None, None, "red", True),
    ("C-9", M, "ACC-3", "M-1", "standard", D(2026, 1, 1), D(2026, 11, 15), 15, "EUR",
     Decimal("50000"), False, None, None, None, False),
]
SECTION_ROWS["account_lifecycle"] = [
    ("ACC-1", M, "strategic", "stable", "formation", True, D(2025, 6, 1), 14,
     Decimal("1200000"), Decimal("1000000")),
    ("ACC-2", M, "key", "decline", "decline", False, D(2020, 1, 1), 3, Decimal("500000"),
     Decimal("650000")),
    ("ACC-3", M, "standard", "stable", "stable", False, D(2021, 1, 1), 2, Decimal("300000"),
     Decimal("280000")),
]
# ACC-1's opportunities among 7 industry-and-tier peers; rank 4 is not listed. ACC-2 has
# too few peers: no rows.
SECTION_ROWS["account_whitespace"] = [
    ("ACC-1", M, "Hydraulics", "strategic", "Manufacturing", "industry_tier", 7, 6, 6 / 7,
     Decimal("42000.5"), 1),
    ("ACC-1", M, HOSTILE_LINE, "strategic", "Manufacturing", "industry_tier", 7, 4, 4 / 7,
     Decimal("18000"), 2),
    ("ACC-1", M, "Sensors", "strategic", "Manufacturing", "industry_tier", 7, 4, 4 / 7,
     Decimal("9000"), 3),
    ("ACC-1", M, "Valves", "strategic", "Manufacturing", "industry_tier", 7, 4, 4 / 7,
     Decimal("500"), 4),
]
# "onboarding" is a theme a user added to the lexicon: printed as written.
SECTION_ROWS["account_themes"] = [
    ("ACC-1", M, "delivery", 5, 2, 1, 3, 2, 1, "ticket", "T-7", T(2026, 9, 14, 10, 0),
     "Late delivery again, call 0151 2345 6789"),
    ("ACC-1", M, "billing", 2, 0, 0, 2, 0, 2, "survey", "S-4", T(2026, 3, 2, 8, 0),
     "Invoice sent to ap@acme.example twice"),
    ("ACC-1", M, "onboarding", 1, 0, 0, 1, 0, 3, "survey", "S-5", T(2026, 2, 1, 8, 0),
     "Onboarding took long"),
    ("ACC-2", M, "price", 1, 1, 0, 1, 0, 1, "survey", "S-6", T(2026, 8, 3, 8, 0),
     HOSTILE_EXAMPLE),
]
SECTION_ROWS["portfolio_renewals"] = [
    (M, "M-1", "Alice Smith", 1, Decimal("365000"), 0, Decimal("0"), 0, Decimal("0"),
     D(2026, 12, 31)),
    (M, "M-2", "王芳", 1, Decimal("455000"), 1, Decimal("455000"), 1, Decimal("455000"),
     D(2027, 1, 29)),
]
SECTION_ROWS["portfolio_lifecycle"] = [
    (M, tier, stage, order, *LIFECYCLE_CELLS.get((tier, stage), (0, 0)))
    for tier in ("strategic", "key", "standard", "all")
    for order, stage in enumerate(STAGES, start=1)
]
SECTION_ROWS["portfolio_lifecycle_moves"] = [(M, "formation", "stable", 1, 1)]
SECTION_ROWS["portfolio_whitespace"] = [
    (M, "Hydraulics", 1, 1, Decimal("42000.5"), 1), (M, HOSTILE_LINE, 1, 1, Decimal("18000"), 2),
    (M, "Sensors", 1, 1, Decimal("9000"), 3), (M, "Valves", 1, 0, Decimal("500"), 4),
]
SECTION_ROWS["portfolio_themes"] = [
    (M, "delivery", 1, 5, 2, 1, 1), (M, "price", 1, 1, 1, 0, 2), (M, "billing", 1, 2, 0, 0, 3),
    (M, "onboarding", 1, 1, 0, 0, 4),
]
# Three base months; summed: 14 lapsed of which the warning flagged 9, 9 of 23 flags right.
SECTION_ROWS["portfolio_warning_backtest"] = [
    (M, D(2025, 8, 1), 1, 40, 0, 4, 0, None, 0.0),
    (M, D(2025, 9, 1), 1, 42, 11, 5, 4, 4 / 11, 0.8),
    (M, D(2025, 10, 1), 1, 45, 12, 5, 5, 5 / 12, 1.0),
    (M, None, 3, 127, 23, 14, 9, 9 / 23, 9 / 14),
]
# Health bands of 10 from 0 and NPS bands of 20 from -100, per key account tier: ACC-1
# (strategic, health 78.4, NPS 25) in 70-80 and 20-40, ACC-2 (key, 35.2, -10) in 30-40
# and -20-0.
DISTRIBUTION_FILLED = {("health_score", "strategic", 7), ("health_score", "key", 3),
                       ("nps", "strategic", 6), ("nps", "key", 4)}
SECTION_ROWS["portfolio_distribution"] = [
    (M, measure, tier, band, low + band * width, low + (band + 1) * width,
     int((measure, tier, band) in DISTRIBUTION_FILLED))
    for measure, low, width in (("health_score", 0, 10), ("nps", -100, 20))
    for tier in ("strategic", "key")
    for band in range(10)
]

# risk_count, high_risk_count, is_at_risk of account_review, as dbt counts account_risks
RISK_COUNTS = {"ACC-1": (1, 0, False), "ACC-2": (9, 4, True), "ACC-3": (1, 0, False)}


def monthly_revenue(account_index: int, k: int) -> Decimal:
    """Revenue of month M-12+k for the fixture account at `account_index`."""
    return Decimal(1000 * (account_index + 1) * (k + 1))


def build_warehouse(
    path: Path, *, provided: dict[str, bool] | None = None, with_sections: bool = True
) -> Path:
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "audit", "staging"):
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
                " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'EUR', ?, ?, ?)",
                [aid, MONTH_START, name, mid, mname, f"{mid.lower()}@example.com", mlocale,
                 tier, computed, source, change, previous, is_key, Decimal(t12m), share,
                 Decimal(revenue), Decimal(ytd), Decimal(prior), t12m_change, Decimal(margin),
                 coverage, orders, *RISK_COUNTS[aid]],
            )
        for index, (aid, *_rest) in enumerate(REVIEWS):
            for k in range(14):  # M-13 .. M: one month more than the chart shows
                month = dt.date(2025 + (8 + k) // 12, (8 + k) % 12 + 1, 1)
                con.execute(
                    "insert into marts.account_monthly values (?, ?, ?, ?, 1.0, ?)",
                    [aid, month, monthly_revenue(index, k), monthly_revenue(index, k) / 4, k],
                )
        if with_sections:
            for mart, ddl in SECTION_DDL.items():
                con.execute(ddl)
                for values in SECTION_ROWS[mart]:
                    marks = ", ".join("?" * len(values))
                    con.execute(f"insert into marts.{mart} values ({marks})", list(values))
        for table, flag in {"accounts": True, "account_managers": True, "orders": True,
                            "tickets": True, "surveys": True, "interactions": True,
                            "contracts": True,
                            **(provided or {})}.items():
            con.execute(
                "insert into audit.load_manifest values (?, ?, ?, 'x', 1, ?, 'canonical',"
                " timestamp '2026-11-01 00:00:00')",
                [RUN_ID, table, f"{table}.csv", flag],
            )
    finally:
        con.close()
    return path


# Every account mart keyed by account_id; clone_key_accounts copies their fixture rows.
ACCOUNT_MARTS = ("account_review", "account_monthly", "account_satisfaction",
                 "account_satisfaction_monthly", "account_service", "account_engagement",
                 "account_clv", "account_health", "account_retention", "account_tier",
                 "contract_fulfillment", "contract_renewals", "account_lifecycle",
                 "account_whitespace", "account_themes", "account_risks")


def clone_key_accounts(path: Path, accounts: int) -> Path:
    """The fixture warehouse with about `accounts` key accounts: copies ACC-1-0001, ... and
    ACC-2-0001, ... of the two key accounts, every mart row cloned, all reviews in English."""
    build_warehouse(path)
    con = duckdb.connect(str(path))
    try:
        for mart in ACCOUNT_MARTS:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = "
                "'marts' and table_name = ? order by ordinal_position", [mart]).fetchall()]
            select = ", ".join(
                "template.account_id || '-' || lpad(n::varchar, 4, '0')" if c == "account_id"
                else ("template.account_name || ' ' || n::varchar" if c == "account_name"
                      else f"template.{c}")
                for c in columns)
            con.execute(
                f"insert into marts.{mart} select {select} from marts.{mart} as template, "  # noqa: S608
                f"range(1, ?) as copies(n) where template.account_id in ('ACC-1', 'ACC-2')",
                [accounts // 2])
        con.execute("update marts.account_review set manager_locale = null")  # all English
    finally:
        con.close()
    return path
