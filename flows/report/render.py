"""The report step: key account reviews and the portfolio review for one month.

`render_reports` is what the monthly flow calls; `render_one_account` backs
`kam report --month M --account ID`. Both read the warehouse read-only, close it before
returning, and write every PDF atomically under `out_dir`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flows.errors import UsageError
from flows.report.data import AccountInputs, MonthInputs, load_month
from flows.report.engine import PdfWriter, render_html, write_atomically
from flows.report.formatting import SUPPORTED_LOCALES
from flows.report.naming import safe_file_stem
from flows.report.types import DataQualityStatus, RenderedFile
from flows.report.views import account_context, document_context, portfolio_context
from flows.report.warehouse import month_end, month_start, open_read_only


@dataclass(frozen=True)
class RenderSettings:
    month: str
    run_id: str
    locale: str
    dq_status: DataQualityStatus

    @property
    def month_start(self) -> dt.date:
        return month_start(self.month)

    @property
    def month_end(self) -> dt.date:
        return month_end(self.month)


def check_locale(locale: str) -> str:
    if locale not in SUPPORTED_LOCALES:
        raise UsageError(
            f"unknown report locale {locale!r}", hint=f"use one of {', '.join(SUPPORTED_LOCALES)}"
        )
    return locale


def account_locale(review: dict, default: str) -> str:
    """The manager's own locale (account_managers.csv `locale`) when it is one we support."""
    own = review.get("manager_locale")
    return own if own in SUPPORTED_LOCALES else default


def account_pdf_path(account_id: str) -> str:
    return f"accounts/{safe_file_stem(account_id)}.pdf"


def render_account(
    writer: PdfWriter, account: AccountInputs, month_inputs: MonthInputs,
    settings: RenderSettings, out_dir: Path,
) -> RenderedFile:
    locale = account_locale(account.review, settings.locale)
    base = document_context(
        month=settings.month_start, month_end=settings.month_end, locale=locale,
        currency=account.review.get("reporting_currency"), run_id=settings.run_id,
        dq_status=settings.dq_status,
    )
    context, chart_files = account_context(account, month_inputs, base)
    pdf = writer.render(render_html("account_review.html", locale, context), chart_files,
                        document_date=settings.month_end)
    relative = account_pdf_path(account.account_id)
    write_atomically(out_dir / relative, pdf.content)
    return RenderedFile(
        path=relative, kind="account_review", sha256=pdf.sha256,
        account_id=account.account_id, manager_id=account.review.get("manager_id"),
        tier=account.review.get("tier"), pages=pdf.pages,
    )


def render_portfolio(
    writer: PdfWriter, month_inputs: MonthInputs, settings: RenderSettings, out_dir: Path
) -> RenderedFile:
    currencies = {a.review.get("reporting_currency") for a in month_inputs.accounts}
    base = document_context(
        month=settings.month_start, month_end=settings.month_end, locale=settings.locale,
        currency=currencies.pop() if len(currencies) == 1 else None,
        run_id=settings.run_id, dq_status=settings.dq_status,
    )
    context, chart_files = portfolio_context(month_inputs, base)
    pdf = writer.render(render_html("portfolio.html", settings.locale, context), chart_files,
                        document_date=settings.month_end)
    write_atomically(out_dir / "portfolio.pdf", pdf.content)
    return RenderedFile(
        path="portfolio.pdf", kind="portfolio", sha256=pdf.sha256,
        account_id=None, manager_id=None, tier=None, pages=pdf.pages,
    )


def render_reports(
    warehouse: Path, *, month: str, out_dir: Path, run_id: str, locale: str,
    dq_status: DataQualityStatus, account_ids: list[str] | None = None,
) -> list[RenderedFile]:
    """Write accounts/<id>.pdf for every key account of `month`, and portfolio.pdf."""
    settings = RenderSettings(month, run_id, check_locale(locale), dq_status)
    with open_read_only(Path(warehouse)) as con:
        month_inputs = load_month(con, settings.month_start, run_id, account_ids)
    out_dir = Path(out_dir)
    writer = PdfWriter()
    rendered = [
        render_account(writer, account, month_inputs, settings, out_dir)
        for account in month_inputs.accounts
    ]
    rendered.append(render_portfolio(writer, month_inputs, settings, out_dir))
    return rendered


def render_one_account(
    warehouse: Path, *, month: str, account_id: str, out_dir: Path, run_id: str, locale: str,
    dq_status: DataQualityStatus,
) -> RenderedFile:
    """Re-render one key account's review (`kam report --month M --account ID`)."""
    settings = RenderSettings(month, run_id, check_locale(locale), dq_status)
    with open_read_only(Path(warehouse)) as con:
        month_inputs = load_month(con, settings.month_start, run_id, [account_id])
    if not month_inputs.accounts:
        raise UsageError(
            f"account {account_id!r} is not a key account in {month}",
            hint="check the id, or the tier in marts.account_review",
        )
    return render_account(PdfWriter(), month_inputs.accounts[0], month_inputs, settings,
                          Path(out_dir))
