"""Explain one figure of a review: its value as printed, definition, lineage and input rows."""

from __future__ import annotations

import datetime as dt
import re
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
from kam.rendering.masking import mask_contact_details
from kam.rendering.translations import Translator, coded_label
from kam.warehouse import open_read_only

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
    records: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the rows relate to the month asked
    read_from: str = ""  # mart.column the value was read from

    def as_json(self) -> dict[str, object]:
        return {
            "metric": self.metric.name,
            "label": self.metric.label,
            "month": str(self.month),
            ("tier" if self.metric.portfolio else "account_id"): self.subject,
            "value": ({str(k): _plain(v) for k, v in self.value.items()}
                      if isinstance(self.value, dict) else _plain(self.value)),
            "shown": self.shown,
            "mart": f"marts.{self.read_from.rsplit('.', 1)[0]}",
            "computed_in": self.metric.model,
            "column": self.read_from.rsplit(".", 1)[1],
            "item": self.metric.item,
            "definition": self.definition,
            "defined_in": f"{DEFINITIONS_DOC}, {self.metric.section}",
            "lineage": [node.as_json() for node in self.lineage],
            "run_id": self.run_id,
            "rows_add_up_as": self.metric.rows.adds_up,
            "inputs": {k: _plain(v) for k, v in self.inputs.items()},
            "records_title": self.metric.rows.records_title or None,
            "records": [{k: _plain(v) for k, v in row.items()} for row in self.records],
            "notes": self.notes,
            "rows": [{k: _plain(v) for k, v in row.items()} for row in self.rows],
            "quarantined": [{k: _plain(v) for k, v in row.items()} for row in self.quarantined],
        }

    def as_text(self) -> str:
        scope = (f"account {self.subject}" if not self.metric.portfolio
                 else f"tier {self.subject}" if self.metric.by_tier else "portfolio")
        exact = (MISSING if self.value is None
                 else "; ".join(f"{k}: {_plain(v)}" for k, v in self.value.items())
                 if isinstance(self.value, dict) else _plain(self.value))
        lines = [
            f"{self.metric.label} ({self.metric.name}), {scope}, {self.month}: {self.shown}",
            f"  exact value:  {exact}",
            f"  mart:         marts.{self.read_from}  (run {self.run_id})",
            f"  definition:   {self.definition}",
            f"  defined in:   {DEFINITIONS_DOC}, {self.metric.section}",
            f"  rows give the value as: {self.metric.rows.adds_up}",
            *(f"  note:         {note}" for note in self.notes),
            "",
            f"Computed by (dbt lineage of {self.metric.model}, inputs first):",
            *(f"  {node.kind:<8} {node.name:<34} {node.path}" for node in self.lineage),
            *(["", "Model inputs:"] if self.inputs else []),
            *(f"  {name:<22} {_cell(value)}" for name, value in self.inputs.items()),
            *(["", f"{self.metric.rows.records_title} ({len(self.records)}):",
               *_table(list(self.records[0]) if self.records else [], self.records)]
              if self.metric.rows.records_sql else []),
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


def _records(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict) -> tuple[list, list]:
    bound = {name: parameters[name] for name in set(_PARAMETER.findall(sql))}
    cursor = con.execute(sql, bound)
    columns = [d[0] for d in cursor.description]
    return columns, [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def shown_as(metric: Metric, value: object, formatter: Formatter) -> str:
    """The value as the PDF prints it, through the reports' own formatter (per item, in the
    PDF's order, for a figure shown once per contract, product line, theme or manager)."""
    if isinstance(value, dict):
        return "; ".join(f"{item}: {shown_as(metric, v, formatter)}"
                         for item, v in value.items()) or "none shown"
    method, *arguments = metric.format
    if value is None:
        return MISSING
    if method == "text":
        return str(value)
    if method == "yes_no":
        return "yes" if value else "no"
    if method == "risk":  # as the risks table prints the value that fired a rule
        if str(value) in {"true", "false"}:
            return "yes" if str(value) == "true" else "no"
        try:
            return formatter.number(float(str(value)), 2)
        except ValueError:
            return str(value)
    if method == "masked":
        return str(mask_contact_details(str(value)))
    if method == "coded":
        gettext = Translator(formatter.locale).gettext
        kind = str(arguments[0])
        return str(coded_label(kind, str(value), gettext) if kind else gettext(str(value)))
    return getattr(formatter, str(method))(value, *arguments)


def _runs(con: duckdb.DuckDBPyConnection, month: Month) -> tuple[str, Month, str | None]:
    """The last run (whose loaded export the staging tables hold), the month it was built
    for, and the last successful run for `month` (None when no run was for that month)."""
    found = con.execute(
        "select run_id, month from audit.runs order by finished_at desc limit 1"
    ).fetchall()
    if not found:
        raise UsageError("the warehouse records no run", hint="run `kam run` first")
    (last_run, built), = found
    for_month = con.execute(
        "select run_id from audit.runs where month = ? and status = 'success' "
        "order by finished_at desc limit 1", [month.first_day],
    ).fetchall()
    return last_run, Month.of(built), (for_month[0][0] if for_month else None)


def _months_kept(con: duckdb.DuckDBPyConnection, mart: str) -> list[str]:
    found = con.execute(f"select distinct month from marts.{mart} order by month").fetchall()  # noqa: S608
    return [str(Month.of(m)) for (m,) in found]


def _kept_as(months: list[str]) -> str:
    if not months:
        return "no month"
    return months[0] if len(months) == 1 else f"{months[0]} to {months[-1]} ({len(months)} months)"


def _read_value(con, metric: Metric, month: Month, subject: str, parameters: dict,
                marts: set[str]) -> tuple[object, str]:
    """The figure from its mart, or for an earlier month from the mart that keeps its
    history; a one-line refusal naming the months kept when no mart keeps the month."""
    places = [(metric.mart, metric.column)]
    if metric.history:
        places.append(metric.history)
    if metric.portfolio:
        key = "tier = $tier" if metric.by_tier else "true"
    else:
        key = "account_id = $account"
    where = f" and {metric.where}" if metric.where else ""
    for mart, column in places:
        if mart not in marts:
            continue
        item = f"{metric.item} as item, " if metric.item else ""
        order = f" order by {metric.where.split()[0]}" if metric.where else (
            " order by item" if metric.item else "")
        sql = (f"select {item}{column} as value from marts.{mart} "  # noqa: S608 (registry names)
               f"where month = $month_start and {key}{where}{order}")
        _, found = _records(con, sql, parameters)
        if found and metric.item:
            value = {row["item"]: row["value"] for row in found}
            if parameters.get("item") is not None:
                if parameters["item"] not in value:
                    raise UsageError(f"marts.{mart} shows no {metric.item} "
                                     f"{parameters['item']!r} for {subject} in {month}",
                                     hint="shown: " + (", ".join(map(str, value)) or "none"))
                value = value[parameters["item"]]
            return value, f"{mart}.{column}"
        if found:
            return found[0]["value"], f"{mart}.{column}"
        has_month = con.execute(f"select count(*) from marts.{mart} where month = ?",  # noqa: S608
                                [month.first_day]).fetchone()[0]
        if has_month and metric.item:
            return {}, f"{mart}.{column}"  # the PDF lists no item for it this month
        if has_month:
            raise UsageError(f"marts.{mart} has no row for {subject} in {month}")
    kept = sorted({m for mart, _c in places if mart in marts for m in _months_kept(con, mart)})
    where_kept = " and ".join(f"marts.{mart}" for mart, _c in places)
    raise UsageError(
        f"{metric.name} of {month} is not kept: {where_kept} keeps {_kept_as(kept)}",
        hint=f"run `kam run --month {month}` to build that month again and explain it",
    )


def _export_changed(con, last_run: str, month_run: str) -> bool:
    """Whether the export loaded now differs from the one the run for the month read."""
    found = con.execute(
        "select run_id, list(table_name || ':' || coalesce(sha256, '') order by table_name, "
        "path) from audit.load_manifest where run_id in (?, ?) group by run_id",
        [last_run, month_run],
    ).fetchall()
    files = dict(found)
    return files.get(last_run) != files.get(month_run)


def explain_metric(
    warehouse: Path,
    dbt_target: Path,
    *,
    month: Month,
    metric_name: str,
    account_id: str | None = None,
    tier: str | None = None,
    item: str | None = None,
    locale: str = "en",
) -> Explanation:
    """Everything behind one figure of the account review (or, without an account, the
    portfolio review's), for any month the warehouse keeps that figure for."""
    portfolio = account_id is None
    registry = PORTFOLIO_METRICS if portfolio else ACCOUNT_METRICS
    if metric_name not in registry:
        kind = "portfolio" if portfolio else "account"
        raise UsageError(
            f"unknown {kind} metric {metric_name!r}",
            hint="known: " + ", ".join(sorted(registry)),
        )
    metric = registry[metric_name]
    if item is not None and metric.item is None:
        raise UsageError(f"{metric_name} is one figure, not one per item: leave out --item")
    subject = ((tier or "all") if metric.by_tier else "portfolio") if portfolio else account_id
    parameters = window_parameters(month) | {"account": account_id, "tier": tier or "all",
                                             "item": item}
    manifest = DbtManifest.read(dbt_target)
    notes: list[str] = []
    with open_read_only(warehouse, missing=UsageError) as con:
        last_run, built, month_run = _runs(con, month)
        marts = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()}
        value, read_from = _read_value(con, metric, month, str(subject), parameters, marts)
        if month > built:
            raise UsageError(
                f"the warehouse was last built for {built}: its input rows end with that "
                f"month, so those behind {metric_name} of {month} are not kept (its figure, "
                f"kept in marts.{read_from}, is {_plain_value(value)})",
                hint=f"run `kam run --month {month}` to explain {month}",
            )
        if month != built:
            if metric.rows.built_month_only:
                raise UsageError(
                    f"the rows behind {metric_name} ({metric.rows.built_month_only}) are "
                    f"evaluated as of {built}, the month the warehouse was last built for, "
                    f"so those of {month} are not kept (its figure, kept in "
                    f"marts.{read_from}, is {_plain_value(value)})",
                    hint=f"run `kam run --month {month}` to explain {month}",
                )
            notes.append(
                f"the rows come from the export loaded by run {last_run} (built for "
                f"{built}); the figure of {month} was kept from "
                + (f"run {month_run} for {month}" if month_run
                   else f"the history run {last_run} computed for the months before {built}")
            )
            if month_run and _export_changed(con, last_run, month_run):
                notes.append(
                    f"the export files of run {month_run} differ from those loaded now: the "
                    "rows may not recompute the figure; rerun the month to explain it exactly"
                )
        _, currency = _records(
            con,
            # the month's currency; for a month only a history mart keeps, the latest one
            "select reporting_currency as currency from marts.account_review "
            "order by month = $month_start desc, month desc limit 1",
            parameters,
        )
        columns, rows = _records(con, metric.rows.sql, parameters)
        inputs = (
            _records(con, metric.rows.inputs_sql, parameters)[1] if metric.rows.inputs_sql else []
        )
        records = (
            _records(con, metric.rows.records_sql, parameters)[1]
            if metric.rows.records_sql else []
        )
        quarantined = _quarantined(con, metric, parameters | {"run_id": month_run or last_run})
    if metric.format == ("masked",) and value is not None:
        value = ({k: mask_contact_details(v) for k, v in value.items()}
                 if isinstance(value, dict) else mask_contact_details(value))
    rows = [{k: mask_contact_details(v) if k in metric.rows.masked else v
             for k, v in row.items()} for row in rows]
    return Explanation(
        metric=metric,
        month=month,
        subject=str(subject),
        value=value,
        shown=shown_as(metric, value,
                       Formatter(locale, currency[0]["currency"] if currency else None)),
        definition=manifest.column_description(metric.model, metric.column)
        or manifest.column_description(metric.mart, metric.column),
        lineage=manifest.upstream(metric.model),
        inputs=inputs[0] if inputs else {},
        columns=columns,
        rows=rows,
        quarantined=quarantined,
        run_id=month_run or last_run,
        records=records,
        notes=notes,
        read_from=read_from,
    )


def _plain_value(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items()) or "no item"
    return "null" if value is None else str(_plain(value))


def _quarantined(con: duckdb.DuckDBPyConnection, metric: Metric, parameters: dict) -> list:
    table = metric.rows.quarantine_table
    if table is None or metric.rows.quarantine_window is None:
        return []
    raw_table = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = ?", [table]).fetchone()[0]
    if not raw_table:
        return []  # the input file was not provided: nothing of it was set aside
    window_from, window_to = metric.rows.quarantine_window
    sql = _QUARANTINED.format(table=table, date=QUARANTINE_DATE_COLUMNS[table])
    bound = parameters | {
        "table": table,
        "window_from": parameters[window_from],
        "window_to": parameters[window_to],
    }
    return _records(con, sql, bound)[1]
