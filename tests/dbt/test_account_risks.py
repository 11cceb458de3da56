"""Risk rules (seed risk_rules) evaluated in dbt on the hand-made export (M = 2026-10).

Expected rows are worked out by hand from tests/dbt/export_fixture.py and the marts that
tests/dbt/test_account_marts.py checks.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from marts_fixture import query

M = "2026-10-01"


def test_exactly_these_rules_fire(warehouse):
    fired = query(
        warehouse,
        "select account_id, rule_id, severity, value, numeric_value, threshold "
        "from marts.account_risks where month = ? order by account_id, rule_id",
        M,
    )
    assert fired == [
        # T12M SLA: K-1 and K-4 met, K-2 missed: 200 / 3 < 90; 3 interactions in 90 days < 6
        ("ACC-1", "sla_missed", "medium", "66.66666666666667", pytest.approx(200 / 3), "90"),
        ("ACC-1", "under_engaged", "medium", "false", 0.0, None),
        # no interactions in the 90 days (its meeting of 2026-07-01 is older); revenue change
        # null (prior T12M 0), margin_coverage null (no revenue in M), NPS null: none fire
        ("ACC-2", "under_engaged", "medium", "false", 0.0, None),
        # one detractor: NPS -100; strategic in M-1, key in M; 0 interactions < 3
        ("ACC-3", "negative_nps", "medium", "-100.0", -100.0, "0"),
        ("ACC-3", "tier_down", "medium", "down", None, "down"),
        ("ACC-3", "under_engaged", "medium", "false", 0.0, None),
        # engagement is its only health component (0 of 6 interactions): health 0
        ("ACC-4", "health_red", "high", "0.0", 0.0, "40"),
        ("ACC-4", "under_engaged", "medium", "false", 0.0, None),
        # health 0 (engagement 0 of 1); its one order (60, cost unknown): coverage 0 < 0.8
        ("ACC-6", "health_red", "high", "0.0", 0.0, "40"),
        ("ACC-6", "low_margin_coverage", "medium", "0.0", 0.0, "0.8"),
        ("ACC-6", "under_engaged", "medium", "false", 0.0, None),
        # T12M -50 vs 300 a year earlier: (-50 - 300) / 300 = -7/6 < -0.10; health 0
        ("ACC-8", "health_red", "high", "0.0", 0.0, "40"),
        ("ACC-8", "revenue_decline", "high", "-1.1666666666666667", pytest.approx(-7 / 6),
         "-0.10"),
        ("ACC-8", "under_engaged", "medium", "false", 0.0, None),
    ]
    # ACC-7 (health 100, 2 calls >= 1) has none; churn_risk and p_alive are null or false
    # everywhere in the fixture, so those rules never fire.


def test_fired_rows_carry_the_rules_labels(warehouse):
    assert query(
        warehouse,
        "select metric, operator, risk, action from marts.account_risks "
        "where month = ? and account_id = 'ACC-3' and rule_id = 'tier_down'",
        M,
    ) == [("tier_change", "eq", "Tier dropped since last month",
           "Confirm the account plan still matches the account's value")]


def test_account_review_counts_the_risks(warehouse):
    assert query(
        warehouse,
        "select account_id, risk_count, high_risk_count, is_at_risk from marts.account_review "
        "where month = ? order by account_id",
        M,
    ) == [
        ("ACC-1", 2, 0, False),
        ("ACC-2", 1, 0, False),
        ("ACC-3", 3, 0, False),
        ("ACC-4", 2, 1, True),
        ("ACC-6", 3, 1, True),
        ("ACC-7", 0, 0, False),
        ("ACC-8", 3, 2, True),
    ]


def test_service_carries_the_tiers_targets_and_open_escalations(warehouse):
    assert query(
        warehouse,
        "select account_id, sla_target_hours_urgent, sla_target_hours_high, "
        "sla_target_hours_normal, sla_target_hours_low, open_tickets, open_escalations "
        "from marts.account_service where month = ? and account_id in ('ACC-1', 'ACC-3', 'ACC-7') "
        "order by account_id",
        M,
    ) == [
        # open at the end of M: K-2 (high), K-3 (normal request), K-5 (urgent): 2 escalations
        ("ACC-1", 1, 4, 8, 24, 3, 2),
        ("ACC-3", 2, 8, 24, 48, 0, 0),
        ("ACC-7", 4, 24, 48, 72, 0, 0),
    ]


def test_survey_comments_are_the_latest_three_in_t12m(warehouse):
    # S-06 is after M, S-10's comment is blank, S-09 is the fourth newest
    assert query(
        warehouse,
        "select account_id, comment_rank, response_id, submitted_at, survey_type, score, comment "
        "from marts.account_survey_comments where month = ? order by account_id, comment_rank",
        M,
    ) == [
        ("ACC-1", 1, "S-07", datetime(2026, 10, 10, 10), "csat", 4.0,
         "Call me on +49 30 1234567"),
        ("ACC-1", 2, "S-01", datetime(2026, 10, 5, 10), "nps", 10.0, "Great support"),
        ("ACC-1", 3, "S-08", datetime(2026, 9, 1, 10), "csat", 3.0, "Slow delivery"),
    ]
    assert query(warehouse, "select distinct month from marts.account_survey_comments") == [
        (date(2026, 10, 1),)]


def test_the_seed_accepts_exactly_the_metrics_account_risks_unpivots():
    """The rule metrics are listed in the model and in the seed's accepted values: one list."""
    project = Path(__file__).resolve().parents[2] / "dbt_project"
    model = (project / "models/marts/accounts/account_risks.sql").read_text()
    block = model.split("{%- set metric_sources = {", 1)[1].split("} -%}", 1)[0]
    unpivoted = set(re.findall(r"'(\w+)':", block))
    seeds = yaml.safe_load((project / "seeds/_seeds.yml").read_text())["seeds"]
    metric = next(c for c in seeds[0]["columns"] if c["name"] == "metric")
    accepted = next(t for t in metric["data_tests"] if isinstance(t, dict))
    assert set(accepted["accepted_values"]["arguments"]["values"]) == unpivoted
    assert len(unpivoted) == 16
