"""HTML from Jinja templates, PDF from WeasyPrint, files written atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from kam.assets import TEMPLATE_DIR
from kam.rendering.fetcher import ProjectAssetFetcher
from kam.rendering.translations import Translator

STATIC_DIR = TEMPLATE_DIR / "static"


@lru_cache(maxsize=4)
def template_environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every template is HTML; account names are untrusted text
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    translator = Translator(locale)
    env.install_gettext_callables(translator.gettext, translator.ngettext, newstyle=True)
    # Labels that come from data (tier names, rule texts) go through `| t`: translated like
    # `_()`, but without `%` placeholder formatting, so "10%" in a label stays text.
    env.filters["t"] = translator.gettext
    return env


def render_html(template_name: str, locale: str, context: dict) -> str:
    return template_environment(locale).get_template(template_name).render(**context)


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class PdfWriter:
    """One per process: keeps the font configuration and parsed stylesheet between documents."""

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self._fetcher = ProjectAssetFetcher(STATIC_DIR)
        self.refused_urls: list[str] = []  # what documents asked for and did not get
        self.stylesheet = CSS(
            url="kam:asset/report.css", url_fetcher=self._fetcher, font_config=self.font_config
        )

    def render(
        self, html: str, charts: dict[str, tuple[bytes, str]] | None = None, *,
        document_date: dt.date,
    ) -> Pdf:
        fetcher = ProjectAssetFetcher(STATIC_DIR, charts)
        document = HTML(string=html, base_url="kam:asset/", url_fetcher=fetcher).render(
            stylesheets=[self.stylesheet], font_config=self.font_config
        )
        self.refused_urls.extend(fetcher.refused)
        with source_date_epoch(document_date):
            content = document.write_pdf()
        return Pdf(content=content, pages=len(document.pages))


@contextlib.contextmanager
def source_date_epoch(day: dt.date):
    """Pin the clock that fontTools writes into each embedded font subset's `head` table.

    fontTools honours SOURCE_DATE_EPOCH (reproducible-builds.org); without it every PDF
    would carry the rendering time inside its fonts and no two runs would match.
    """
    epoch = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(epoch))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
