"""One document from its inputs: the settings of a run, a review's job, the per-process writer.

Shared by the parent (portfolio, sequential rendering) and by the workers (kam.report.batch),
so both draw a review from the same code and the same data give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from kam.errors import UsageError
from kam.fileio import file_stem
from kam.month import Month
from kam.rendering.engine import Pdf, PdfWriter, render_html
from kam.report.cache import input_key
from kam.report.data import AccountInputs, MonthInputs
from kam.report.types import DataQualityStatus
from kam.report.views import account_context, document_context, portfolio_context
from kam.settings import CONFIDENTIALITY_LABEL, LOCALES, Settings

DEFAULT_LIST_LIMIT = Settings.model_fields["portfolio_list_limit"].default
DEFAULT_TOP_ACCOUNTS = Settings.model_fields["portfolio_top_accounts"].default


@dataclass(frozen=True)
class RenderSettings:
    month: Month
    run_id: str
    locale: str
    dq_status: DataQualityStatus
    confidentiality_label: str = CONFIDENTIALITY_LABEL
    list_limit: int = DEFAULT_LIST_LIMIT  # rows of each list in the portfolio review
    top_accounts: int = DEFAULT_TOP_ACCOUNTS  # accounts in each of its top and bottom lists

    @property
    def month_start(self) -> dt.date:
        return self.month.first_day

    @property
    def month_end(self) -> dt.date:
        return self.month.last_day

    def for_account_reviews(self) -> RenderSettings:
        """These settings without the portfolio review's own (its list sizes), which no
        account review reads: a review's cache key must not change with them."""
        return replace(self, list_limit=DEFAULT_LIST_LIMIT, top_accounts=DEFAULT_TOP_ACCOUNTS)


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise UsageError(
            f"unknown report locale {locale!r}", hint=f"use one of {', '.join(LOCALES)}"
        )
    return locale


def account_locale(review: dict, default: str) -> str:
    """The manager's own locale (account_managers.csv `locale`) when it is one we support.

    Spellings such as "zh_CN" or "ZH-cn" count; an empty or unknown value keeps `default`.
    """
    own = (review.get("manager_locale") or "").strip().replace("_", "-").lower()
    return next((known for known in LOCALES if known.lower() == own), default)


def account_pdf_path(account_id: str) -> str:
    return f"accounts/{file_stem(account_id)}.pdf"


@dataclass(frozen=True)
class AccountJob:
    """Everything one worker needs to render one review: plain, picklable data."""

    account: AccountInputs
    provided: dict
    settings: RenderSettings

    @property
    def locale(self) -> str:
        return account_locale(self.account.review, self.settings.locale)

    @property
    def relative_path(self) -> str:
        return account_pdf_path(self.account.account_id)

    @property
    def cache_name(self) -> str:
        return "account-" + file_stem(self.account.account_id)

    def key(self) -> str:
        return input_key("account_review", self.account, self.provided,
                         self.settings.for_account_reviews(), self.locale)


def _month_inputs_for(job: AccountJob) -> MonthInputs:
    return MonthInputs(month=job.settings.month_start, accounts=[job.account],
                       provided=job.provided, marts=set())


def render_account_pdf(writer: PdfWriter, job: AccountJob) -> Pdf:
    settings = job.settings
    base = document_context(
        month=settings.month_start, month_end=settings.month_end, locale=job.locale,
        currency=job.account.review.get("reporting_currency"), run_id=settings.run_id,
        dq_status=settings.dq_status, confidentiality_label=settings.confidentiality_label,
    )
    context, chart_files = account_context(job.account, _month_inputs_for(job), base)
    html = render_html("account_review.html", job.locale, context)
    return writer.render(html, chart_files, document_date=settings.month_end)


def render_portfolio_pdf(
    writer: PdfWriter, month_inputs: MonthInputs, settings: RenderSettings
) -> Pdf:
    currencies = {a.review.get("reporting_currency") for a in month_inputs.accounts}
    base = document_context(
        month=settings.month_start, month_end=settings.month_end, locale=settings.locale,
        currency=currencies.pop() if len(currencies) == 1 else None,
        run_id=settings.run_id, dq_status=settings.dq_status,
        confidentiality_label=settings.confidentiality_label,
    )
    context, chart_files = portfolio_context(month_inputs, base, list_limit=settings.list_limit,
                                             top_accounts=settings.top_accounts)
    html = render_html("portfolio.html", settings.locale, context)
    return writer.render(html, chart_files, document_date=settings.month_end)


# One writer per process: WeasyPrint's advice is to keep one long-lived renderer.
_WRITER: PdfWriter | None = None


def process_writer() -> PdfWriter:
    global _WRITER
    if _WRITER is None:
        _WRITER = PdfWriter()
    return _WRITER
