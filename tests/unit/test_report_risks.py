from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from flows.report.risks import Rule, fired_risks, load_rules

RULES = (
    Rule("health_red", "health.health_score", "lt", "red", "act", threshold=40),
    Rule("churn", "retention.churn_risk", "is_true", "churn", "call"),
    Rule("under_engaged", "engagement.meets_engagement_standard", "is_false", "few", "visit"),
    Rule("decline", "review.revenue_t12m_change", "lt", "down", "win", threshold=-0.10),
    Rule("tier_down", "review.tier_change", "eq", "tier", "plan", threshold="down"),
    Rule("tickets", "service.open_tickets", "ge", "open", "escalate", threshold=5),
)


def ids(rows):
    return [f.rule.id for f in fired_risks(rows, RULES)]


def test_thresholds_are_strict_or_inclusive_as_written():
    assert ids({"health": {"health_score": 39.99}}) == ["health_red"]
    assert ids({"health": {"health_score": 40.0}}) == []  # lt: 40 itself is not red
    assert ids({"service": {"open_tickets": 5}}) == ["tickets"]  # ge: 5 fires
    assert ids({"service": {"open_tickets": 4}}) == []


def test_flags_and_equality():
    assert ids({"retention": {"churn_risk": True}}) == ["churn"]
    assert ids({"retention": {"churn_risk": False}}) == []
    assert ids({"engagement": {"meets_engagement_standard": False}}) == ["under_engaged"]
    assert ids({"engagement": {"meets_engagement_standard": True}}) == []
    assert ids({"review": {"tier_change": "down", "revenue_t12m_change": None}}) == ["tier_down"]


def test_missing_sections_and_nulls_never_fire():
    assert ids({}) == []
    assert ids({"health": None, "retention": {"churn_risk": None}}) == []


def test_decimal_values_compare_with_float_thresholds():
    fired = fired_risks({"review": {"revenue_t12m_change": Decimal("-0.1001")}}, RULES)
    assert [(f.rule.id, f.metric_name, f.value, f.threshold, f.sign) for f in fired] == [
        ("decline", "revenue_t12m_change", Decimal("-0.1001"), -0.10, "<")]


def test_rules_are_fired_in_file_order():
    rows = {"health": {"health_score": 10}, "retention": {"churn_risk": True}}
    assert ids(rows) == ["health_red", "churn"]


def test_project_rules_file_loads_and_names_real_sections():
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules)
    sections = {"review", "clv", "health", "satisfaction", "service", "engagement", "retention"}
    assert {r.metric.split(".")[0] for r in rules} <= sections
    assert all(r.threshold is not None for r in rules if r.op not in ("is_true", "is_false"))


def test_unknown_op_is_rejected(tmp_path: Path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {id: x, metric: a.b, op: between, risk: r, action: a}\n")
    with pytest.raises(ValueError, match="unknown op 'between'"):
        load_rules(path)
