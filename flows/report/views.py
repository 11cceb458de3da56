"""Template contexts: the marts' rows plus the formatter, labels and charts for one document."""

from __future__ import annotations

import datetime as dt

from flows.report import charts
from flows.report.data import AccountInputs, MonthInputs
from flows.report.formatting import Formatter
from flows.report.translations import Translator
from flows.report.types import DataQualityStatus

CONFIDENTIALITY_LABEL = "Confidential: internal use only"


def document_context(
    *, month: dt.date, month_end: dt.date, locale: str, currency: str | None,
    run_id: str, dq_status: DataQualityStatus,
) -> dict:
    fmt = Formatter(locale, currency)
    return {
        "fmt": fmt,
        "lang": locale,
        "month": month,
        "month_label": fmt.month(month),
        "document_date": month_end.isoformat(),
        "run_id": run_id,
        "dq": dq_status,
        "confidentiality_label": CONFIDENTIALITY_LABEL,
    }


def revenue_chart(account: AccountInputs, fmt: Formatter, locale: str) -> bytes:
    _ = Translator(locale).gettext
    return charts.monthly_bars(
        [fmt.short_month(row["month"]) for row in account.trend],
        [row["revenue"] for row in account.trend],
        line=[row["gross_margin"] for row in account.trend],
        bar_name=_("Revenue"),
        line_name=_("Gross margin"),
        y_label=_("Revenue") + (f" ({fmt.currency})" if fmt.currency else ""),
        tick_format=lambda value: fmt.number(value),
    )


def account_context(
    account: AccountInputs, month_inputs: MonthInputs, base: dict
) -> tuple[dict, dict[str, tuple[bytes, str]]]:
    fmt: Formatter = base["fmt"]
    chart_files = {
        "revenue.svg": (revenue_chart(account, fmt, base["lang"]), charts.SVG_MIME),
    }
    context = {
        **base,
        "review": account.review,
        "trend": account.trend,
        "sections": account.sections,
        "provided": month_inputs.provided,
    }
    return context, chart_files


def portfolio_context(month_inputs: MonthInputs, base: dict) -> tuple[dict, dict]:
    context = {**base, "accounts": [a.review for a in month_inputs.accounts]}
    return context, {}
