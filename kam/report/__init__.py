"""PDF reports: monthly key account reviews and the portfolio review (Jinja2 + WeasyPrint)."""

from kam.report.render import render_one_account, render_portfolio, render_reports
from kam.report.types import DataQualityStatus, RenderedFile

__all__ = ["DataQualityStatus", "RenderedFile", "render_one_account", "render_portfolio",
           "render_reports"]
