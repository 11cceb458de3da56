"""Risk and action rules (risk_rules.yaml) evaluated against one account's mart rows.

The thresholds are data; the comparison is the only logic, kept here in one small function
until the marts carry the fired rules themselves.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES_FILE = Path(__file__).with_name("risk_rules.yaml")

_OPS = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq,
    "is_true": lambda value, _threshold: value is True,
    "is_false": lambda value, _threshold: value is False,
}
FLAG_OPS = {"is_true": True, "is_false": False}
OP_SIGNS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "is_true": "=", "is_false": "="}


@dataclass(frozen=True)
class Rule:
    id: str
    metric: str
    op: str
    risk: str
    action: str
    threshold: Any = None


@dataclass(frozen=True)
class FiredRisk:
    rule: Rule
    value: Any
    threshold: Any

    @property
    def metric_name(self) -> str:
        return self.rule.metric.split(".", 1)[1]

    @property
    def sign(self) -> str:
        return OP_SIGNS[self.rule.op]

    @property
    def is_flag(self) -> bool:
        return self.rule.op in FLAG_OPS


@lru_cache(maxsize=2)
def load_rules(path: Path = RULES_FILE) -> tuple[Rule, ...]:
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    rules = tuple(Rule(**entry) for entry in document["rules"])
    for rule in rules:
        if rule.op not in _OPS:
            raise ValueError(f"{path.name}: rule {rule.id} has unknown op {rule.op!r}")
    return rules


def _lookup(rows: dict[str, dict | None], dotted: str) -> Any:
    section, column = dotted.split(".", 1)
    row = rows.get(section)
    return None if row is None else row.get(column)


def fired_risks(rows: dict[str, dict | None], rules: tuple[Rule, ...]) -> list[FiredRisk]:
    """Rules that fire for one account; `rows` maps a section name to its mart row."""
    fired = []
    for rule in rules:
        value = _lookup(rows, rule.metric)
        threshold = FLAG_OPS.get(rule.op, rule.threshold)
        if value is None or threshold is None:
            continue
        if _OPS[rule.op](value, threshold):
            fired.append(FiredRisk(rule, value, threshold))
    return fired
