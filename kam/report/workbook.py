"""The portfolio workbook: every key account's rows beside the portfolio PDF, as XLSX.

The PDF shows top and bottom lists and lists cut at a limit; this workbook holds the complete
tables, one sheet each, with the marts' column names as the header row. Nothing is computed
here: the rows are the ones the portfolio review reads (kam.report.data), written as typed
cells (numbers, dates, booleans) under a frozen header.

Two promises beyond the content:

- **No formula ever runs.** A text cell that a spreadsheet would read as a formula or a
  command (starting with =, +, -, @, tab, CR or LF) is stored as a text cell with the
  quote prefix set, the same as typing an apostrophe before it: Excel, LibreOffice and
  openpyxl all show it as text, and editing it keeps it text. Characters XML cannot carry
  are replaced by U+FFFD.
- **Same rows, same bytes.** The document's dates are the month's end, and every ZIP member
  carries one fixed timestamp, so the manifest's sha256 is reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from kam.report.data import AccountInputs, MonthInputs
from kam.report.risks import fired_risks
from kam.report.views import at_risk_accounts

WORKBOOK_NAME = "portfolio.xlsx"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The earliest time a ZIP entry can carry; every member gets it.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# What a spreadsheet would take as the start of a formula or a command (DDE), in a text cell.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Control characters XML 1.0 cannot hold.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

MONEY_FORMAT = "#,##0.00"
FRACTION_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Columns shown as fractions or money; other numbers keep Excel's General format.
FRACTION_COLUMNS = {"share", "revenue_t12m_change", "margin_coverage", "peer_penetration"}
MONEY_COLUMNS = {
    "t12m_revenue", "revenue", "revenue_ytd", "revenue_t12m_prior", "gross_margin",
    "committed_value", "committed_value_due", "committed_value_open", "committed_value_at_risk",
    "previous_t12m_revenue", "peer_median_revenue",
}

# One column of a sheet: its header and where the value comes from in an account's inputs:
# the review row (account_review) or a section's mart row.
ReviewColumn = tuple[str, str | None]

KEY_ACCOUNT_COLUMNS: tuple[ReviewColumn, ...] = (
    ("account_id", None), ("account_name", None), ("tier", None), ("computed_tier", None),
    ("tier_source", None), ("tier_change", None), ("previous_tier", None),
    ("manager_id", None), ("manager_name", None), ("industry", None), ("region", None),
    ("country", None), ("status", None), ("reporting_currency", None),
    ("t12m_revenue", None), ("share", None), ("revenue_t12m_prior", None),
    ("revenue_t12m_change", None), ("revenue", None), ("revenue_ytd", None),
    ("gross_margin", None), ("margin_coverage", None), ("orders", None),
    ("health_score", "health"), ("health_status", "health"),
    ("nps", "satisfaction"), ("nps_responses", "satisfaction"),
    ("csat", "satisfaction"), ("ces", "satisfaction"),
    ("interactions_90d", "engagement"), ("engagement_standard", "engagement"),
    ("meets_engagement_standard", "engagement"),
    ("stage", "lifecycle"), ("risk_count", None), ("high_risk_count", None),
    ("is_at_risk", None),
)
LIFECYCLE_COLUMNS = ("stage", "previous_stage", "stage_changed", "first_order_month",
                     "orders_t12m", "t12m_revenue", "previous_t12m_revenue")
RENEWAL_COLUMNS = ("end_date", "days_to_end", "account_id", "account_name", "contract_id",
                   "manager_id", "manager_name", "tier", "start_date", "currency",
                   "committed_value", "renewed", "renewed_by", "health_status",
                   "renewal_at_risk")
RENEWALS_BY_MANAGER_COLUMNS = ("manager_id", "manager_name", "renewals_due",
                               "committed_value_due", "renewals_open", "committed_value_open",
                               "renewals_at_risk", "committed_value_at_risk", "next_end_date")
CROSS_SELL_COLUMNS = ("rank", "product_line", "peer_group", "peers", "buying_peers",
                      "peer_penetration", "peer_median_revenue")
ACCOUNT_KEY = ("account_id", "account_name", "tier", "manager_id", "manager_name")


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: tuple[str, ...]
    rows: Iterable[dict]


def _from_review(account: AccountInputs, columns: Iterable[str]) -> dict:
    return {column: account.review.get(column) for column in columns}


def key_account_rows(month_inputs: MonthInputs) -> Iterable[dict]:
    for account in month_inputs.accounts:
        yield {
            column: (account.review if section is None
                     else account.sections.get(section) or {}).get(column)
            for column, section in KEY_ACCOUNT_COLUMNS
        }


def at_risk_rows(month_inputs: MonthInputs) -> Iterable[dict]:
    """Every at-risk key account in the PDF's order, with its high-severity rules."""
    for item in at_risk_accounts(month_inputs, lambda label: label):
        review = item["review"]
        yield {**{column: review.get(column) for column in ACCOUNT_KEY},
               "health_score": (item["health"] or {}).get("health_score"),
               "rules_fired": " ".join(risk.rule_id for risk in item["risks"])}


def lifecycle_rows(month_inputs: MonthInputs) -> Iterable[dict]:
    for account in month_inputs.accounts:
        row = account.sections.get("lifecycle")
        if row is not None:
            yield {**_from_review(account, ACCOUNT_KEY),
                   **{column: row.get(column) for column in LIFECYCLE_COLUMNS}}


def cross_sell_rows(month_inputs: MonthInputs) -> Iterable[dict]:
    for account in month_inputs.accounts:
        for row in account.cross_sell or []:
            yield {**_from_review(account, ACCOUNT_KEY),
                   **{column: row.get(column) for column in CROSS_SELL_COLUMNS}}


def high_risk_rows(month_inputs: MonthInputs) -> Iterable[dict]:
    """Every risk rule that fired for a key account (marts.account_risks), high first."""
    for account in month_inputs.accounts:
        for risk in fired_risks(account.risks, lambda label: label):
            yield {**_from_review(account, ("account_id", "account_name", "tier")),
                   "rule_id": risk.rule_id, "severity": risk.severity,
                   "value": risk.value, "threshold": risk.threshold}


def portfolio_sheets(month_inputs: MonthInputs) -> list[Sheet]:
    portfolio = month_inputs.portfolio
    return [
        Sheet("Key accounts", tuple(c for c, _s in KEY_ACCOUNT_COLUMNS),
              key_account_rows(month_inputs)),
        Sheet("At risk", (*ACCOUNT_KEY, "health_score", "rules_fired"),
              at_risk_rows(month_inputs)),
        Sheet("Risks fired", ("account_id", "account_name", "tier", "rule_id", "severity",
                              "value", "threshold"),
              high_risk_rows(month_inputs)),
        Sheet("Renewals", RENEWAL_COLUMNS, portfolio.renewals or []),
        Sheet("Renewals by manager", RENEWALS_BY_MANAGER_COLUMNS,
              portfolio.renewals_by_manager or []),
        Sheet("Lifecycle", (*ACCOUNT_KEY, *LIFECYCLE_COLUMNS), lifecycle_rows(month_inputs)),
        Sheet("Cross-sell", (*ACCOUNT_KEY, *CROSS_SELL_COLUMNS), cross_sell_rows(month_inputs)),
    ]


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def typed_cell(sheet, column: str, value) -> WriteOnlyCell:
    """A cell holding `value` with its own type: never a formula, whatever the text."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # Excel has no time zones: shown in UTC
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = DATE_FORMAT
        return cell
    if value is None or isinstance(value, bool | int | float | Decimal):
        cell = WriteOnlyCell(sheet, value)
        if column in MONEY_COLUMNS:
            cell.number_format = MONEY_FORMAT
        elif column in FRACTION_COLUMNS:
            cell.number_format = FRACTION_FORMAT
        return cell
    text = _NOT_IN_XML.sub("\ufffd", str(value))
    cell = WriteOnlyCell(sheet, text)
    # openpyxl reads a text starting with "=" as a formula; the type is set back to text,
    # and the quote prefix keeps a spreadsheet from reading it as one when edited.
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True
    return cell


def _write_sheet(workbook: Workbook, sheet_spec: Sheet) -> None:
    sheet = workbook.create_sheet(sheet_spec.title)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(sheet_spec.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) + 2)
    header = []
    for column in sheet_spec.columns:
        cell = typed_cell(sheet, column, column)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in sheet_spec.rows:
        sheet.append([typed_cell(sheet, column, row.get(column))
                      for column in sheet_spec.columns])


def workbook_bytes(sheets: list[Sheet], document_date: dt.date) -> bytes:
    """The XLSX file of `sheets`, dated `document_date`, byte-identical for the same rows."""
    workbook = Workbook(write_only=True)
    stamp = dt.datetime.combine(document_date, dt.time())
    workbook.properties.creator = "kam"
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    buffer = io.BytesIO()
    # ExcelWriter rather than workbook.save: save stamps the file with the current time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    return _with_fixed_timestamps(buffer.getvalue())


def _with_fixed_timestamps(content: bytes) -> bytes:
    """The same ZIP with every member dated ZIP_TIMESTAMP (zipfile dates them "now")."""
    fixed = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, \
            zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info))
    return fixed.getvalue()


def portfolio_workbook(month_inputs: MonthInputs, document_date: dt.date) -> bytes:
    return workbook_bytes(portfolio_sheets(month_inputs), document_date)
