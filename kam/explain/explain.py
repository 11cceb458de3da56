"""Explain one figure of a review: its value as printed, definition, lineage and input rows."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from kam.errors import UsageError
from kam.explain.lineage import DbtManifest, Node
from kam.explain.registry import (
    ACCOUNT_METRICS,
    PORTFOLIO_METRICS,
    QUARANTINE_DATE_COLUMNS,
    Metric,
    window_parameters,
)
from kam.month import Month
from kam.rendering.formatting import MISSING, Formatter

DEFINITIONS_DOC = "docs/metrics.md"
_PARAMETER = re.compile(r"\$([a-z_0-9]+)")

_QUARANTINED = """
    select quarantined.source_file, quarantined.source_line, quarantined.row_key,
           quarantined.column_name, quarantined.value, quarantined.expectation,
           quarantined.reason
    from audit.quarantine as quarantined
    join raw.{table} as raw_row
      on quarantined.source_line = raw_row._source_line
     and coalesce(quarantined.source_file, raw_row._source_file) = raw_row._source_file
    where quarantined.run_id = $run_id and quarantined.table_name = $table
      and trim(cast(raw_row.account_id as varchar)) = $account
      and (try_cast(raw_row.{date} as timestamp) is null
           or (try_cast(raw_row.{date} as timestamp) >= cast($window_from as timestamp)
               and try_cast(raw_row.{date} as timestamp) < cast($window_to as timestamp)))
    order by quarantined.source_file, quarantined.source_line, quarantined.expectation
"""


@dataclass
class Explanation:
    metric: Metric
    month: Month
    subject: str  # the account id, or the tier for a portfolio metric
    value: object
    shown: str
    definition: str
    lineage: list[Node]
    inputs: dict = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    run_id: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "metric": self.metric.name,
            "label": self.metric.label,
            "month": str(self.month),
            ("tier" if self.metric.portfolio else "account_id"): self.subject,
            "value": _plain(self.value),
            "shown": self.shown,
            "mart": f"marts.{self.metric.mart}",
            "computed_in": self.metric.model,
            "column": self.metric.column,
            "definition": self.definition,
            "defined_in": f"{DEFINITIONS_DOC}, {self.metric.section}",
            "lineage": [node.as_json() for node in self.lineage],
            "run_id": self.run_id,
            "rows_add_up_as": self.metric.rows.adds_up,
            "inputs": {k: _plain(v) for k, v in self.inputs.items()},
            "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
            "quarantined": [{k: _plain(v) for k, v in row.items()} for row in self.quarantined],
        }

    def as_text(self) -> str:
        scope = f"tier {self.subject}" if self.metric.portfolio else f"account {self.subject}"
        lines = [
            f"{self.metric.label} ({self.metric.name}), {scope}, {self.month}: {self.shown}",
            f"  exact value:  {_plain(self.value) if self.value is not None else MISSING}",
            f"  mart:         marts.{self.metric.mart}.{self.metric.column}"
            f"  (run {self.run_id})",
            f"  definition:   {self.definition}",
            f"  defined in:   {DEFINITIONS_DOC}, {self.metric.section}",
            f"  rows give the value as: {self.metric.rows.adds_up}",
            "",
            f"Computed by (dbt lineage of {self.metric.model}, inputs first):",
            *(f"  {node.kind:<8} {node.name:<34} {node.path}" for node in self.lineage),
            *(["", "Model inputs:"] if self.inputs else []),
            *(f"  {name:<22} {_cell(value)}" for name, value in self.inputs.items()),
            "",
            f"Input rows ({len(self.rows)}):",
            *_table(self.columns, self.rows),
        ]
        if self.metric.rows.quarantine_table:
            lines += [
                "",
                f"Quarantined rows that would have counted ({len(self.quarantined)}):",
                *(_table(list(self.quarantined[0]), self.quarantined) if self.quarantined
                  else ["  none"]),
            ]
        return "\n".join(lines) + "\n"


def _plain(value: object) -> object:
    """JSON-safe and exact: decimals as their full text, dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(_plain(value))


def _table(columns: list[str], rows: list[dict]) -> list[str]:
    if not rows:
        return ["  none"]
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  " + "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return [line(columns), line(["-" * w for w in widths]), *map(line, cells)]


@contextlib.contextmanager
def _read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    if not Path(warehouse).exists():
        raise UsageError(f"warehouse {warehouse} does not exist", hint="run `kam run` first")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _records(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict) -> tuple[list, list]:
    bound = {name: parameters[name] for name in set(_PARAMETER.findall(sql))}
    cursor = con.execute(sql, bound)
    columns = [d[0] for d in cursor.description]
    return columns, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def shown_as(metric: Metric, value: object, formatter: Formatter) -> str:
    """The value as the PDF prints it, through the reports' own formatter."""
    method, *arguments = metric.format
    if method == "text":
        return MISSING if value is None else str(value)
    if method == "yes_no":
        return MISSING if value is None else ("yes" if value else "no")
    return getattr(formatter, str(method))(value, *arguments)


def _latest_run(con: duckdb.DuckDBPyConnection, month: Month) -> str:
    """The run whose models the detail tables hold; they must be the month asked about."""
    found = con.execute(
        "select run_id, month from audit.runs order by finished_at desc limit 1"
    ).fetchall()
    if not found:
        raise UsageError("the warehouse records no run", hint="run `kam run` first")
    run_id, built = found[0]
    if Month.of(built) != month:
        raise UsageError(
            f"the warehouse was last built for {Month.of(built)}, not {month}: its detail "
            "tables hold that month's rows",
            hint=f"run `kam run --month {month}` (or the backfill) to explain {month}",
        )
    return run_id


def explain_metric(
    warehouse: Path,
    dbt_target: Path,
    *,
    month: Month,
    metric_name: str,
    account_id: str | None = None,
    tier: str | None = None,
    locale: str = "en",
) -> Explanation:
    """Everything behind one figure of the account review (or, with `tier`, the portfolio's)."""
    portfolio = account_id is None
    registry = PORTFOLIO_METRICS if portfolio else ACCOUNT_METRICS
    if metric_name not in registry:
        kind = "portfolio" if portfolio else "account"
        raise UsageError(
            f"unknown {kind} metric {metric_name!r}",
            hint="known: " + ", ".join(sorted(registry)),
        )
    metric = registry[metric_name]
    subject = (tier or "all") if portfolio else account_id
    parameters = window_parameters(month) | {"account": account_id, "tier": subject}
    manifest = DbtManifest.read(dbt_target)
    with _read_only(warehouse) as con:
        run_id = _latest_run(con, month)
        key = "tier = $tier" if portfolio else "account_id = $account"
        _, found = _records(
            con,
            f"select {metric.column} as value from marts.{metric.mart} "  # noqa: S608 (registry names)
            f"where month = $month_start and {key}",
            parameters,
        )
        if not found:
            raise UsageError(f"marts.{metric.mart} has no row for {subject} in {month}")
        _, currency = _records(
            con,
            "select max(reporting_currency) as currency from marts.account_review "
            "where month = $month_start",
            parameters,
        )
        columns, rows = _records(con, metric.rows.sql, parameters)
        inputs = (
            _records(con, metric.rows.inputs_sql, parameters)[1] if metric.rows.inputs_sql else []
        )
        quarantined = _quarantined(con, metric, parameters | {"run_id": run_id})
    value = found[0]["value"]
    return Explanation(
        metric=metric,
        month=month,
        subject=str(subject),
        value=value,
        shown=shown_as(metric, value, Formatter(locale, currency[0]["currency"])),
        definition=manifest.column_description(metric.model, metric.column)
        or manifest.column_description(metric.mart, metric.column),
        lineage=manifest.upstream(metric.model),
        inputs=inputs[0] if inputs else {},
        columns=columns,
        rows=rows,
        quarantined=quarantined,
        run_id=run_id,
    )


def _quarantined(con: duckdb.DuckDBPyConnection, metric: Metric, parameters: dict) -> list:
    table = metric.rows.quarantine_table
    if table is None or metric.rows.quarantine_window is None:
        return []
    window_from, window_to = metric.rows.quarantine_window
    sql = _QUARANTINED.format(table=table, date=QUARANTINE_DATE_COLUMNS[table])
    bound = parameters | {
        "table": table,
        "window_from": parameters[window_from],
        "window_to": parameters[window_to],
    }
    return _records(con, sql, bound)[1]
