"""Fired risks from marts.account_risks, labelled and arranged for the templates."""

from __future__ import annotations

import datetime as dt

from kam.rendering.translations import Translator
from kam.report.data import AccountInputs, MonthInputs
from kam.report.risks import FiredRisk, fired_risks
from kam.report.views import at_risk_accounts, rules_in


def risk_row(rule_id, severity="high", operator="lt", value="35.2", numeric_value=35.2,
             threshold="40", account_id="ACC-1"):
    return {"account_id": account_id, "month": dt.date(2026, 10, 1), "rule_id": rule_id,
            "severity": severity, "metric": "health_score", "operator": operator,
            "value": value, "numeric_value": numeric_value, "threshold": threshold,
            "risk": f"Risk {rule_id}", "action": f"Action {rule_id}"}


def test_labels_are_translated_by_rule_id_with_the_marts_english_as_fallback():
    chinese = fired_risks([risk_row("health_red"), risk_row("no_such_rule")],
                          Translator("zh-CN").gettext)
    assert [(r.risk, r.action) for r in chinese] == [
        ("健康度评分处于红色区间", "本月与客户发起人商定挽回计划"),
        ("Risk no_such_rule", "Action no_such_rule"),
    ]
    english = fired_risks([risk_row("health_red")], Translator("en").gettext)
    assert (english[0].risk, english[0].action) == ("Risk health_red", "Action health_red")


def test_signs_flags_and_thresholds_for_printing():
    rows = [risk_row("a", operator="ge", threshold="5"),
            risk_row("b", operator="is_false", value="false", numeric_value=0.0, threshold=None),
            risk_row("c", operator="eq", value="down", numeric_value=None, threshold="down"),
            risk_row("d", operator="le", threshold="-0.10")]
    risks = fired_risks(rows, Translator("en").gettext)
    assert [(r.sign, r.is_flag, r.flag, r.numeric_threshold) for r in risks] == [
        ("≥", False, None, 5.0), ("=", True, False, None), ("=", False, None, None),
        ("≤", False, None, -0.1)]


def _account(account_id, health_score, risks, is_at_risk):
    return AccountInputs(
        review={"account_id": account_id, "is_at_risk": is_at_risk},
        sections={"health": None if health_score is None else {"health_score": health_score}},
        risks=risks,
    )


def test_at_risk_list_keeps_flagged_accounts_by_health_with_their_high_risks():
    month = MonthInputs(month=dt.date(2026, 10, 1), provided={}, marts=set(), accounts=[
        _account("ACC-1", 55.0, [risk_row("revenue_decline", account_id="ACC-1"),
                                 risk_row("sla_missed", "medium", account_id="ACC-1")], True),
        _account("ACC-2", 10.0, [risk_row("sla_missed", "medium", account_id="ACC-2")], False),
        _account("ACC-3", None, [risk_row("churn_risk", account_id="ACC-3")], True),
        _account("ACC-4", 20.0, [risk_row("health_red", account_id="ACC-4"),
                                 risk_row("churn_risk", account_id="ACC-4")], True),
    ])
    listed = at_risk_accounts(month, Translator("en").gettext)
    # ACC-2 has medium risks only; a missing health score sorts last
    assert [(item["review"]["account_id"], [r.rule_id for r in item["risks"]])
            for item in listed] == [
        ("ACC-4", ["health_red", "churn_risk"]),
        ("ACC-1", ["revenue_decline"]),
        ("ACC-3", ["churn_risk"]),
    ]
    assert [r.rule_id for r in rules_in(listed)] == ["churn_risk", "health_red",
                                                     "revenue_decline"]
    assert all(isinstance(r, FiredRisk) for item in listed for r in item["risks"])
