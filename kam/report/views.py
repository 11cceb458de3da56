"""Template contexts: the marts' rows plus the formatter, labels and charts for one document.

Charts are handed to WeasyPrint through the fetcher as `kam:chart/<name>`; this module only
arranges rows for the templates and never computes a metric.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from kam.rendering.formatting import Formatter
from kam.rendering.masking import mask_contact_details
from kam.rendering.translations import Translator, coded_label
from kam.report import charts
from kam.report.data import AccountInputs, MonthInputs
from kam.report.risks import FiredRisk, fired_risks
from kam.report.types import DataQualityStatus

TIERS = ("strategic", "key", "standard")
SERVICE_PRIORITIES = ("urgent", "high", "normal", "low")
# Known health components (docs/metrics.md, Health score) and their labels; other *_score columns of
# account_health are shown under their column name.
HEALTH_COMPONENT_LABELS = {
    "revenue_trend_score": "Revenue trend",
    "nps_score": "NPS",
    "sla_score": "SLA compliance",
    "sla_compliance_score": "SLA compliance",
    "engagement_score": "Engagement",
    "p_alive_score": "p_alive",
}

# Lifecycle stages in their order of life (account_lifecycle.stage) and the theme and peer
# group codes that arrive as data; each is printed through the key `<kind>.<code>` of the
# translations, falling back to the code itself (a theme a user added to the lexicon).
LIFECYCLE_STAGES = ("prospect", "formation", "stable", "decline", "lapsed")
# The measures of marts.portfolio_distribution drawn as histograms, with their axis labels.
DISTRIBUTION_MEASURES = {"health_score": "Health score", "nps": "NPS"}

ChartFiles = dict[str, tuple[bytes, str]]


def document_context(
    *, month: dt.date, month_end: dt.date, locale: str, currency: str | None,
    run_id: str, dq_status: DataQualityStatus, confidentiality_label: str,
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
        "confidentiality_label": confidentiality_label,
    }


def _svg(content: bytes) -> tuple[bytes, str]:
    return content, charts.SVG_MIME


def revenue_chart(account: AccountInputs, fmt: Formatter, _) -> bytes:
    return revenue_svg(
        fmt.locale, fmt.currency or None,
        tuple(row["month"] for row in account.trend),
        tuple(row["revenue"] for row in account.trend),
        tuple(row["gross_margin"] for row in account.trend),
    )


# Charts are drawn once per shape: reviews whose trend, locale and currency are the same
# (accounts with the same history, a rerun in a long-lived worker) share one SVG, since the
# SVG is a function of these inputs alone.
@lru_cache(maxsize=512)
def revenue_svg(locale: str, currency: str | None, months: tuple, revenue: tuple,
                gross_margin: tuple) -> bytes:
    fmt = Formatter(locale, currency)
    _ = Translator(locale).gettext
    return charts.monthly_bars(
        [fmt.short_month(month) for month in months],
        list(revenue),
        line=list(gross_margin),
        bar_name=_("Revenue"),
        line_name=_("Gross margin"),
        y_label=_("Revenue") + (f" ({fmt.currency})" if fmt.currency else ""),
        tick_format=lambda value: fmt.number(value),
    )


def health_components(row: dict | None) -> list[tuple[str, object, object]]:
    """(label, score, weight) per component column `<name>_score` of account_health."""
    if row is None:
        return []
    return [
        (HEALTH_COMPONENT_LABELS.get(column, column), value,
         row.get(column.removesuffix("_score") + "_weight"))
        for column, value in row.items()
        if column.endswith("_score") and column != "health_score"
    ]


def sla_targets(row: dict | None) -> list[tuple[str, object]]:
    """The tier's first-response targets when account_service carries them."""
    if row is None:
        return []
    return [
        (priority, row[f"sla_target_hours_{priority}"])
        for priority in SERVICE_PRIORITIES
        if row.get(f"sla_target_hours_{priority}") is not None
    ]


def account_context(
    account: AccountInputs, month_inputs: MonthInputs, base: dict
) -> tuple[dict, ChartFiles]:
    fmt: Formatter = base["fmt"]
    _ = Translator(base["lang"]).gettext
    chart_files: ChartFiles = {}
    if account.trend:
        chart_files["revenue.svg"] = _svg(revenue_chart(account, fmt, _))
    components = health_components(account.sections.get("health"))
    context = {
        **base,
        "review": account.review,
        "trend": account.trend,
        "sections": account.sections,
        "not_provided": account.not_provided,
        "health_components": components,
        "sla_targets": sla_targets(account.sections.get("service")),
        "satisfaction_trend": account.satisfaction_trend,
        "comments": [
            {**comment, "comment": mask_contact_details(comment["comment"])}
            for comment in account.comments
        ],
        "risks": fired_risks(account.risks, _),
        "charts": set(chart_files),
        "lifecycle": lifecycle_view(account.sections.get("lifecycle"), _),
        "contracts": account.contracts,
        "renewals": account.renewals,
        "cross_sell": account.cross_sell,
        "themes": themes_view(account.themes, _),
    }
    return context, chart_files


def lifecycle_view(row: dict | None, gettext) -> dict | None:
    """The stage as of M and, when it moved since M-1, the stage it left."""
    if row is None:
        return None
    return {
        "stage": row["stage"],
        "label": coded_label("stage", row["stage"], gettext),
        "previous_label": (coded_label("stage", row["previous_stage"], gettext)
                           if row.get("stage_changed") else None),
    }


def themes_view(rows: list[dict] | None, gettext) -> list[dict] | None:
    """Theme rows with their label, and the example text with contact details masked."""
    if rows is None:
        return None
    return [
        {**row, "label": coded_label("theme", row["theme"], gettext),
         "example_text": mask_contact_details(row["example_text"])}
        for row in rows
    ]


def _health_order(account: AccountInputs) -> tuple:
    health = account.sections.get("health") or {}
    score = health.get("health_score")
    return (score is None, score if score is not None else 0, account.account_id)


def at_risk_accounts(month_inputs: MonthInputs, gettext) -> list[dict]:
    """Key accounts flagged is_at_risk by account_review, weakest health first, with
    their high-severity risks."""
    return [
        {"review": account.review, "health": account.sections.get("health"),
         "risks": [risk for risk in fired_risks(account.risks, gettext) if risk.is_high]}
        for account in sorted(month_inputs.accounts, key=_health_order)
        if account.review.get("is_at_risk")
    ]


def rules_in(at_risk: list[dict]) -> list[FiredRisk]:
    """One fired row per rule listed in `at_risk`, by rule_id, for the table's legend."""
    first_by_rule: dict[str, FiredRisk] = {}
    for item in at_risk:
        for risk in item["risks"]:
            first_by_rule.setdefault(risk.rule_id, risk)
    return [first_by_rule[rule_id] for rule_id in sorted(first_by_rule)]


@dataclass(frozen=True)
class Clipped:
    """The first `limit` rows of a list for the PDF, and how many more the workbook holds."""

    shown: list
    more: int

    @classmethod
    def of(cls, items: list, limit: int) -> Clipped:
        return cls(items[:limit], max(len(items) - limit, 0))


def _value_order(value, *, descending: bool) -> tuple:
    """Sort key: missing values last whichever the direction."""
    if value is None:
        return (1, 0)
    return (0, -value if descending else value)


def ranked_accounts(month_inputs: MonthInputs, value, count: int, *,
                    descending: bool) -> list[dict]:
    """The `count` key accounts with the highest (or lowest) `value(account)`; accounts
    without a value are left out, ties go by account id."""
    valued = [(value(account), account) for account in month_inputs.accounts]
    ordered = sorted(((v, a) for v, a in valued if v is not None),
                     key=lambda pair: (_value_order(pair[0], descending=descending),
                                       pair[1].account_id))
    return [{"review": account.review, "health": account.sections.get("health"),
             "satisfaction": account.sections.get("satisfaction")}
            for _value, account in ordered[:count]]


def _health_score(account: AccountInputs):
    return (account.sections.get("health") or {}).get("health_score")


def top_and_bottom_lists(month_inputs: MonthInputs, count: int) -> dict[str, list[dict]]:
    """Largest key accounts, steepest T12M declines and weakest health, `count` each."""
    return {
        "largest_accounts": ranked_accounts(
            month_inputs, lambda a: a.review.get("t12m_revenue"), count, descending=True),
        "steepest_declines": ranked_accounts(
            month_inputs, lambda a: _negative(a.review.get("revenue_t12m_change")), count,
            descending=False),
        "weakest_health": ranked_accounts(month_inputs, _health_score, count, descending=False),
    }


def _negative(change):
    """Only falling revenue belongs in the list of declines."""
    return change if change is not None and change < 0 else None


def below_engagement_standard(month_inputs: MonthInputs) -> list[dict]:
    """Key accounts below their tier's engagement standard
    (account_engagement.meets_engagement_standard), largest T12M revenue first."""
    below = [account for account in month_inputs.accounts
             if (account.sections.get("engagement") or {}).get("meets_engagement_standard")
             is False]
    below.sort(key=lambda a: (_value_order(a.review.get("t12m_revenue"), descending=True),
                              a.account_id))
    return [{"review": account.review, "engagement": account.sections.get("engagement")}
            for account in below]


def renewals_by_value(rows: list[dict] | None) -> list[dict] | None:
    """Managers with the most committed value due first, so a cut list keeps the largest."""
    if rows is None:
        return None
    return sorted(rows, key=lambda row: (
        _value_order(row.get("committed_value_due"), descending=True),
        row.get("manager_name") or "", row.get("manager_id") or ""))


def portfolio_context(month_inputs: MonthInputs, base: dict, *, list_limit: int = 50,
                      top_accounts: int = 25) -> tuple[dict, ChartFiles]:
    """The portfolio review's context; every list of accounts is cut at `list_limit` rows and
    the top and bottom lists hold `top_accounts` each, so the document keeps its size
    whatever the number of accounts (the workbook beside it has every row)."""
    fmt: Formatter = base["fmt"]
    _ = t = Translator(base["lang"]).gettext  # `_` for literal labels, `t` for data values
    portfolio = month_inputs.portfolio
    chart_files: ChartFiles = {}
    if portfolio.tiers:
        chart_files["pareto.svg"] = _svg(charts.pareto(
            [row["tier_rank"] if "tier_rank" in row else i + 1
             for i, row in enumerate(portfolio.tiers)],
            [row["share"] for row in portfolio.tiers],
            [row["cum_share_before"] for row in portfolio.tiers],
            [row["tier"] for row in portfolio.tiers],
            tier_names={tier: t(tier) for tier in TIERS},
            x_label=_("Accounts ranked by T12M revenue"), y_label=_("Share of T12M revenue"),
            line_name=_("Share of accounts ranked above"),
            percent=lambda value: fmt.fraction(value, 0),
        ))
    if portfolio.retention:
        chart_files["retention.svg"] = _svg(charts.grouped_bars(
            [t(row["tier"]) for row in portfolio.retention],
            {_("NRR"): [row["nrr"] for row in portfolio.retention],
             _("GRR"): [row["grr"] for row in portfolio.retention],
             _("Logo retention"): [row["logo_retention"] for row in portfolio.retention]},
            y_label=_("Retention"), tick_format=lambda value: fmt.fraction(value, 0),
        ))
    chart_files.update(distribution_charts(portfolio.distribution or [], fmt, _))
    at_risk = at_risk_accounts(month_inputs, _)
    cohort_rows, cohort_columns, cells = cohort_grid(portfolio.cohorts)
    if cells:
        chart_files["cohorts.svg"] = _svg(charts.heatmap(
            [fmt.short_month(cohort) for cohort in cohort_rows],
            [str(k) for k in cohort_columns], cells,
            x_label=_("Months since first order"), y_label=_("Cohort (first order)"),
            cell_format=lambda value: fmt.fraction(value, 0),
            annotate=len(cohort_rows) <= 16 and len(cohort_columns) <= 16,
        ))
    at_risk_shown = Clipped.of(at_risk, list_limit)
    context = {
        **base,
        "key_account_count": len(month_inputs.accounts),
        **top_and_bottom_lists(month_inputs, top_accounts),
        "tier_summary": portfolio.tier_summary,
        "retention": portfolio.retention,
        "at_risk": at_risk_shown,
        "fired_rules": rules_in(at_risk_shown.shown),
        "below_engagement": Clipped.of(below_engagement_standard(month_inputs), list_limit),
        "cohort_sizes": cohort_sizes(portfolio.cohorts),
        "charts": set(chart_files),
        "marts": month_inputs.marts,
        **outlook_context(month_inputs, fmt, Translator(base["lang"]), list_limit),
    }
    return context, chart_files


def distribution_charts(rows: list[dict], fmt: Formatter, gettext) -> ChartFiles:
    """One histogram per measure of portfolio_distribution, bars stacked by tier."""
    chart_files: ChartFiles = {}
    for measure, label in DISTRIBUTION_MEASURES.items():
        picked = [row for row in rows if row["measure"] == measure]
        if not picked:
            continue
        bands = sorted({(row["band"], row["band_from"], row["band_to"]) for row in picked})
        counts = {(row["tier"], row["band"]): row["accounts"] for row in picked}
        tiers = [tier for tier in TIERS if any(row["tier"] == tier for row in picked)]
        chart_files[f"distribution_{measure}.svg"] = _svg(charts.banded_counts(
            [f"{fmt.number(low)}–{fmt.number(high)}" for _band, low, high in bands],
            {gettext(tier): [counts.get((tier, band), 0) for band, _low, _high in bands]
             for tier in tiers},
            x_label=gettext(label), y_label=gettext("Key accounts"),
        ))
    return chart_files


def outlook_context(month_inputs: MonthInputs, fmt: Formatter, translator: Translator,
                    list_limit: int = 50) -> dict:
    """The portfolio's renewals, lifecycle, cross-sell, themes and the warning's record."""
    portfolio = month_inputs.portfolio
    _ = translator.gettext
    backtest = portfolio.backtest
    # The summary row sums the base months; with none in the data there is no record yet.
    summary = next((row for row in backtest or []
                    if row["base_month"] is None and row["base_months"]), None)
    return {
        "contracts_not_provided": "contracts" in month_inputs.not_provided,
        "themes_not_provided": "themes" in month_inputs.not_provided,
        "renewals_by_manager": (None if portfolio.renewals_by_manager is None else Clipped.of(
            renewals_by_value(portfolio.renewals_by_manager), list_limit)),
        "renewal_calendar": Clipped.of(portfolio.renewals or [], list_limit),
        "lifecycle_grid": lifecycle_grid(portfolio.lifecycle, _),
        "lifecycle_moves": [
            {**row, "previous_label": coded_label("stage", row["previous_stage"], _),
             "label": coded_label("stage", row["stage"], _)}
            for row in portfolio.lifecycle_moves or []
        ],
        "portfolio_cross_sell": portfolio.cross_sell,
        "portfolio_themes": (None if portfolio.themes is None else [
            {**row, "label": coded_label("theme", row["theme"], _)} for row in portfolio.themes
        ]),
        "backtest_months": (None if backtest is None
                            else [row for row in backtest if row["base_month"] is not None]),
        "backtest_summary": summary,
        "backtest_text": backtest_text(summary, fmt, translator) if summary else None,
    }


def lifecycle_grid(rows: list[dict] | None, gettext) -> dict | None:
    """portfolio_lifecycle as a tier x stage grid: (tier label, [cell per stage]) rows."""
    if rows is None:
        return None
    cells = {(row["tier"], row["stage"]): row for row in rows}
    tiers = [tier for tier in (*TIERS, "all") if any(t == tier for t, _s in cells)]
    return {
        "stages": [coded_label("stage", stage, gettext) for stage in LIFECYCLE_STAGES],
        "rows": [(tier, [cells.get((tier, stage)) for stage in LIFECYCLE_STAGES])
                 for tier in tiers],
    }


def backtest_text(summary: dict, fmt: Formatter, translator: Translator) -> str:
    """The plain-words sentences as one paragraph; Chinese sets no space after 。"""
    separator = "" if fmt.locale.startswith("zh") else " "
    return separator.join(backtest_sentences(summary, fmt, translator))


def backtest_sentences(summary: dict, fmt: Formatter, translator: Translator) -> list[str]:
    """The warning's track record in plain words, from the summary row of
    portfolio_warning_backtest: how many lapses it saw coming, and how often a flag was
    right, with a sentence of its own when either denominator is zero."""
    _, ngettext = translator.gettext, translator.ngettext
    lapsed, flagged = summary["lapsed"], summary["flagged"]
    hits = fmt.number(summary["flagged_lapsed"])
    if lapsed:
        recall = ngettext(
            "Of the %(lapsed)s account that lapsed, the warning had flagged %(hits)s "
            "a year earlier.",
            "Of the %(lapsed)s accounts that lapsed, the warning had flagged %(hits)s "
            "a year earlier.", lapsed) % {"lapsed": fmt.number(lapsed), "hits": hits}
    else:
        recall = _("No active account lapsed within the following year, so there was no "
                   "lapse for the warning to catch.")
    if flagged:
        precision = ngettext(
            "%(hits)s of %(flagged)s flagged account lapsed.",
            "%(hits)s of %(flagged)s flagged accounts lapsed.", flagged,
        ) % {"hits": hits, "flagged": fmt.number(flagged)}
    else:
        precision = _("The warning flagged no active account, so how often a flag is right "
                      "cannot be told yet.")
    return [recall, precision]


def cohort_grid(cohorts: list[dict]) -> tuple[list, list, list[list]]:
    """Place (cohort, k, share) rows in a cohort x k grid; absent cells stay None."""
    cohort_keys = sorted({row["cohort"] for row in cohorts})
    k_keys = sorted({row["k"] for row in cohorts})
    share = {(row["cohort"], row["k"]): row["share"] for row in cohorts}
    cells = [[share.get((cohort, k)) for k in k_keys] for cohort in cohort_keys]
    return cohort_keys, k_keys, cells


def cohort_sizes(cohorts: list[dict]) -> list[tuple]:
    return sorted({(row["cohort"], row["cohort_size"]) for row in cohorts})
