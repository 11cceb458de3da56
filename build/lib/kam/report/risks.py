"""The fired risks of marts.account_risks, arranged for the templates.

Whether a rule fires is decided in dbt (seed risk_rules, model account_risks); this module
only carries a fired row to the templates: the comparison sign to print and the risk and
action labels in the document's language (keys risk.<rule_id> and action.<rule_id> of
translations/<locale>.yaml, falling back to the mart's English label).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPERATOR_SIGNS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "="}
FLAG_OPERATORS = {"is_true": True, "is_false": False}
HIGH = "high"


def label_key(kind: str, rule_id: str) -> str:
    """The translation key of a rule's `risk` or `action` label."""
    return f"{kind}.{rule_id}"


@dataclass(frozen=True)
class FiredRisk:
    """One row of marts.account_risks, with its labels translated."""

    rule_id: str
    severity: str
    metric: str
    operator: str
    value: str
    numeric_value: float | None
    threshold: str | None
    risk: str
    action: str

    @classmethod
    def from_row(cls, row: dict[str, Any], gettext: Callable[[str], str]) -> FiredRisk:
        def label(kind: str) -> str:
            key = label_key(kind, row["rule_id"])
            translated = gettext(key)
            return row[kind] if translated == key else translated

        return cls(
            rule_id=row["rule_id"], severity=row["severity"], metric=row["metric"],
            operator=row["operator"], value=row["value"], numeric_value=row["numeric_value"],
            threshold=row["threshold"], risk=label("risk"), action=label("action"),
        )

    @property
    def is_high(self) -> bool:
        return self.severity == HIGH

    @property
    def is_flag(self) -> bool:
        return self.operator in FLAG_OPERATORS

    @property
    def flag(self) -> bool | None:
        """The flag's value (True for `is_true`), for flag rules only."""
        return FLAG_OPERATORS.get(self.operator)

    @property
    def sign(self) -> str:
        return OPERATOR_SIGNS.get(self.operator, "=")

    @property
    def numeric_threshold(self) -> float | None:
        """The threshold as a number when the seed wrote one (text for tier_change = down)."""
        try:
            return float(self.threshold) if self.threshold is not None else None
        except ValueError:
            return None


def fired_risks(rows: list[dict], gettext: Callable[[str], str]) -> list[FiredRisk]:
    """An account's rows of marts.account_risks, in the order data.py read them."""
    return [FiredRisk.from_row(row, gettext) for row in rows]
