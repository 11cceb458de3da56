"""M/data_quality.pdf: what was checked, what failed, what was quarantined, on which inputs.

Reads the audit tables of one run (read-only) and renders through the report engine of
kam.report, extending its base template, so the PDF has the same page furniture and is
byte-identical for identical runs (document date = the month's end, never the clock).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import duckdb
import yaml

from kam.assets import TEMPLATE_DIR
from kam.fileio import write_atomic
from kam.month import Month
from kam.rendering.engine import template_environment
from kam.rendering.formatting import Formatter
from kam.rendering.masking import mask_contact_details
from kam.rendering.translations import catalogue
from kam.report.documents import process_writer
from kam.schema import TABLES
from kam.settings import CONFIDENTIALITY_LABEL

TEMPLATE = "data_quality/data_quality.html"
CATALOGUE_DIR = TEMPLATE_DIR / "data_quality"
QUARANTINE_SAMPLE = 25  # rows listed in the PDF; audit.quarantine keeps them all
TABLE_ORDER = {name: index for index, name in enumerate(TABLES)}


@lru_cache(maxsize=4)
def labels(locale: str) -> dict[str, str]:
    """The report engine's labels (page furniture) with this report's own on top."""
    path = CATALOGUE_DIR / f"{locale}.yaml"
    own = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    return {**catalogue(locale), **(own or {})}


def _environment(locale: str):
    env = template_environment(locale).overlay()
    translated = labels(locale)

    def gettext(message: str) -> str:
        return translated.get(message, message)

    env.install_gettext_callables(
        gettext, lambda one, many, n: gettext(one if n == 1 else many), newstyle=True
    )
    env.filters["t"] = gettext
    return env


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    relation = con.execute(sql, params)
    names = [column[0] for column in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = 'audit' "
            "and table_name = ?",
            [table],
        ).fetchall()
    )


def _check_label(row: dict) -> str:
    details = json.loads(row["details"] or "{}")
    return details.get("description") or row["expectation"]


def _rationale(row: dict) -> str:
    return json.loads(row["details"] or "{}").get("rationale", "")


def _rationales(results: list[dict]) -> dict[tuple, str]:
    """(table, expectation, column) -> the expectation's rationale, for quarantined rows."""
    found: dict[tuple, str] = {}
    for row in results:
        for column in (row["column_name"] or "").split(","):
            found.setdefault((row["table_name"], row["expectation"], column or None),
                             _rationale(row))
    return found


def _masked(row: dict, *columns: str) -> dict:
    return {**row, **{c: mask_contact_details(row[c]) for c in columns
                      if isinstance(row.get(c), str)}}


def report_data(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    """Everything the PDF shows, from audit.validation_results, quarantine, load_manifest."""
    results = (
        _records(con, "select * from audit.validation_results where run_id = ?", [run_id])
        if _exists(con, "validation_results")
        else []
    )
    tables: dict[str, dict] = {}
    for row in results:
        entry = tables.setdefault(
            row["table_name"],
            {
                "table_name": row["table_name"],
                "checks": 0,
                "blocking": 0,
                "warning": 0,
                "failed": 0,
            },
        )
        entry["checks"] += 1
        entry[row["severity"]] = entry.get(row["severity"], 0) + 1
        entry["failed"] += not row["success"]
    failures = sorted(
        (
            {**row, "check": _check_label(row), "rationale": _rationale(row)}
            for row in results
            if not row["success"]
        ),
        key=lambda r: (
            r["severity"] != "blocking",
            TABLE_ORDER.get(r["table_name"], 99),
            r["column_name"] or "",
            r["check"],
        ),
    )
    quarantine_counts, quarantine_first, quarantined_rows, entries = [], [], 0, 0
    if _exists(con, "quarantine"):
        quarantine_counts = _records(
            con,
            "select table_name, column_name, expectation, count(*) as entries, "
            "min(reason) as reason "
            "from audit.quarantine where run_id = ? "
            "group by table_name, column_name, expectation order by all",
            [run_id],
        )
        # each quarantined group points to the rationale of the check that set it aside; rows
        # that followed their account into quarantine have no check of their own: their reason
        rationale = _rationales(results)
        for group in quarantine_counts:
            group["rationale"] = rationale.get(
                (group["table_name"], group["expectation"], group["column_name"]), group["reason"]
            )
        quarantine_first = _records(
            con,
            "select * from audit.quarantine where run_id = ? "
            "order by source_file, source_line, expectation, column_name limit ?",
            [run_id, QUARANTINE_SAMPLE],
        )
        ((quarantined_rows, entries),) = con.execute(
            "select count(distinct (table_name, source_file, source_line, row_key)), count(*) "
            "from audit.quarantine where run_id = ?",
            [run_id],
        ).fetchall()
    # Quarantined values are raw export text (a malformed row is the whole line): contact
    # details in them are masked like every other free text that reaches a PDF.
    quarantine_first = [_masked(row, "value", "row_key") for row in quarantine_first]
    failures = [_masked(row, "observed_value") for row in failures]
    # select *: warehouses written before the reconciliation columns existed lack them.
    inputs = (
        _records(con, "select * from audit.load_manifest where run_id = ?", [run_id])
        if _exists(con, "load_manifest")
        else []
    )
    inputs.sort(key=lambda r: (TABLE_ORDER.get(r["table_name"], 99), r["path"] or ""))
    reconciliation = [r for r in inputs if r["provided"] and r.get("rows_read") is not None]
    blocking = sum(1 for f in failures if f["severity"] == "blocking")
    return {
        "success": bool(results) and blocking == 0,
        "checks_run": len(results),
        "blocking_failures": blocking,
        "warnings": len(failures) - blocking,
        "failures": failures,
        "tables": sorted(tables.values(), key=lambda t: TABLE_ORDER.get(t["table_name"], 99)),
        "quarantine_counts": quarantine_counts,
        "quarantine_first": quarantine_first,
        "quarantined_rows": quarantined_rows,
        "quarantine_entries": entries,
        "inputs": inputs,
        "reconciliation": reconciliation,
    }


def render_data_quality_html(
    report: dict, *, run_id: str, month: Month, locale: str,
    confidentiality_label: str = CONFIDENTIALITY_LABEL,
) -> str:
    fmt = Formatter(locale, None)
    context = {
        "fmt": fmt,
        "lang": locale,
        "month_label": fmt.month(month.first_day),
        "document_date": month.last_day.isoformat(),
        "run_id": run_id,
        "confidentiality_label": confidentiality_label,
        "report": report,
    }
    return _environment(locale).get_template(TEMPLATE).render(**context)


def render_data_quality_pdf(
    warehouse: Path, run_id: str, month: Month, out_path: Path, locale: str = "en",
    confidentiality_label: str = CONFIDENTIALITY_LABEL,
) -> Path:
    """Render the auditors' report of `run_id` to out_path (written atomically)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        report = report_data(con, run_id)
    html = render_data_quality_html(
        report, run_id=run_id, month=month, locale=locale,
        confidentiality_label=confidentiality_label,
    )
    pdf = process_writer().render(html, None, document_date=month.last_day)
    write_atomic(Path(out_path), pdf.content)
    return Path(out_path)
