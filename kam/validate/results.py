"""Read Great Expectations results as audit rows, quarantine rows and findings."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal

from great_expectations.core.expectation_validation_result import ExpectationValidationResult

from kam.schema import TABLES
from kam.validate.suites import BLOCKING, WARNING
from kam.validate.summary import Finding

# Lists in details are cut to this many values: a value set of every account id is
# evidence in dq/*.json, not something to repeat in every audit row.
DETAIL_LIST_LIMIT = 20


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 0E-8 -> 0, 1.20000000 -> 1.2
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _short(value: object) -> object:
    if isinstance(value, (list, tuple, set)):
        values = [_short(v) for v in list(value)[:DETAIL_LIST_LIMIT]]
        if len(value) > DETAIL_LIST_LIMIT:
            values.append(f"... {len(value)} values in all")
        return values
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return _text(value)


def _line(row: dict) -> int | None:
    line = row.get("_source_line")
    return int(line) if line is not None else None


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation's result on one table, with what the audit tables need."""

    table: str
    result: ExpectationValidationResult
    default_source_file: str
    # Every offending row of a SQL check, read by its own query (the result keeps 200).
    all_unexpected_rows: list[dict] | None = None

    @property
    def config(self):
        return self.result.expectation_config

    @property
    def expectation(self) -> str:
        return self.config.type

    @property
    def kwargs(self) -> dict:
        return self.config.kwargs

    @property
    def columns(self) -> list[str]:
        kwargs = self.kwargs
        if "column" in kwargs:
            return [kwargs["column"]]
        if "column_A" in kwargs:
            return [kwargs["column_A"], kwargs["column_B"]]
        if kwargs.get("column_list"):
            return list(kwargs["column_list"])
        column = (self.config.meta or {}).get("column")
        return column.split(",") if column else []

    @property
    def is_sql_check(self) -> bool:
        return self.expectation == "unexpected_rows_expectation"

    @property
    def column_name(self) -> str | None:
        return ",".join(self.columns) or None

    @property
    def raised(self) -> bool:
        return bool((self.result.exception_info or {}).get("raised_exception")) or any(
            isinstance(info, dict) and info.get("raised_exception")
            for info in (self.result.exception_info or {}).values()
        )

    @property
    def exception_message(self) -> str | None:
        info = self.result.exception_info or {}
        if info.get("exception_message"):
            return info["exception_message"]
        for nested in info.values():
            if isinstance(nested, dict) and nested.get("exception_message"):
                return nested["exception_message"]
        return None

    @property
    def severity(self) -> str:
        """The suite's severity; a check that could not run at all blocks, being unknown."""
        declared = (self.config.meta or {}).get("severity", BLOCKING)
        return BLOCKING if self.raised else declared

    @property
    def rationale(self) -> str:
        return (self.config.meta or {}).get("rationale", "")

    @property
    def success(self) -> bool:
        return bool(self.result.success) and not self.raised

    @property
    def unexpected_rows(self) -> list[dict]:
        if self.all_unexpected_rows is not None:
            return self.all_unexpected_rows
        result = self.result.result or {}
        if self.is_sql_check:
            return list((result.get("details") or {}).get("unexpected_rows") or [])
        return list(result.get("unexpected_index_list") or [])

    @property
    def unexpected_count(self) -> int | None:
        result = self.result.result or {}
        if self.is_sql_check:
            return result.get("observed_value")
        return result.get("unexpected_count")

    @property
    def observed_value(self) -> str | None:
        result = self.result.result or {}
        if "observed_value" in result:
            observed = _short(result["observed_value"])
            return observed if isinstance(observed, str) else json.dumps(observed)
        if result.get("unexpected_percent") is not None:
            return f"{result['unexpected_percent']:.4g}% unexpected"
        return None

    def row_value(self, row: dict) -> str | None:
        values = [(c, row.get(c)) for c in self.columns if c in row]
        if len(values) == 1:
            return _text(values[0][1])
        return ", ".join(f"{c}={_text(v)}" for c, v in values) or None

    def audit_row(self, run_id: str) -> dict:
        result = self.result.result or {}
        details = {
            "description": self.config.description,
            "kwargs": _short({k: v for k, v in self.kwargs.items() if k != "batch_id"}),
            "rationale": self.rationale,
            "partial_unexpected_list": _short(result.get("partial_unexpected_list")),
        }
        if self.is_sql_check and self.unexpected_rows:
            # A SQL check has no partial list: keep the first rows it flagged, as text.
            details["unexpected_rows"] = [
                {k: _text(v) for k, v in row.items()} for row in self.unexpected_rows[:5]
            ]
        if self.raised:
            details["exception"] = self.exception_message
        return {
            "run_id": run_id,
            "suite": self.table,
            "table_name": self.table,
            "expectation": self.expectation,
            "column_name": self.column_name,
            "severity": self.severity,
            "success": self.success,
            "observed_value": self.observed_value,
            "unexpected_count": self.unexpected_count,
            "element_count": result.get("element_count"),
            "details": json.dumps(details, sort_keys=True, ensure_ascii=False),
        }

    def quarantine_rows(self, run_id: str) -> list[dict]:
        """The offending rows of a failed warning; blocking failures, and warnings declared
        to keep their rows (meta.keeps_rows), quarantine nothing."""
        if self.success or self.severity != WARNING or (self.config.meta or {}).get("keeps_rows"):
            return []
        key_columns = TABLES[self.table].key.split(",")
        return [
            {
                "run_id": run_id,
                "table_name": self.table,
                "row_key": "|".join(_text(row.get(k)) or "" for k in key_columns),
                "source_file": _text(row.get("_source_file")),
                "source_line": _line(row),
                "column_name": self.column_name,
                "value": self.row_value(row),
                "expectation": self.expectation,
                "reason": self.rationale,
            }
            for row in self.unexpected_rows
        ]

    def finding(self) -> Finding:
        example = self.unexpected_rows[0] if self.unexpected_rows else {}
        result = self.result.result or {}
        if example:
            value = self.row_value(example)
        elif result.get("partial_unexpected_list"):
            value = _text(result["partial_unexpected_list"][0])
        else:
            value = self.observed_value
        rationale = self.rationale
        if self.raised:
            rationale = f"the check could not run: {self.exception_message}"
        return Finding(
            table=self.table,
            column=self.column_name,
            expectation=self.expectation,
            severity=self.severity,
            rationale=rationale,
            unexpected_count=self.unexpected_count,
            source_file=_text(example.get("_source_file")) or self.default_source_file,
            source_line=_line(example),
            value=value,
        )
