"""Byte-identical reruns, the render cache, parallel workers, no fetching, read-only use."""

from __future__ import annotations

import duckdb
import pytest
from fixture_warehouse import DQ, MONTH, RUN_ID, build_warehouse
from pdf_text import pdf_text

from kam.errors import UsageError
from kam.rendering.engine import PdfWriter
from kam.report import render_one_account, render_reports
from kam.report.data import load_month
from kam.report.render import (
    AccountJob,
    RenderSettings,
    render_account_pdf,
    render_portfolio_pdf,
)


def test_two_runs_in_parallel_workers_give_identical_bytes(warehouse, rendered_en, tmp_path):
    out_dir, first = rendered_en
    # Four key accounts or more go to worker processes; here force them with workers=2 and
    # a fresh cache so every document is rendered again in another process.
    second = render_reports(warehouse, month=MONTH, out_dir=tmp_path / "out", run_id=RUN_ID,
                            locale="en", dq_status=DQ, workers=2, progress=False,
                            cache_dir=tmp_path / "cache")
    assert [f.sha256 for f in second] == [f.sha256 for f in first]
    for f in first:
        assert (tmp_path / "out" / f.path).read_bytes() == (out_dir / f.path).read_bytes()


def test_rerun_reuses_unchanged_documents(warehouse, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = render_reports(warehouse, month=MONTH, out_dir=tmp_path / "a", run_id=RUN_ID,
                           locale="en", dq_status=DQ, workers=1, progress=False,
                           cache_dir=cache)
    rendered = []
    monkeypatch.setattr(PdfWriter, "render", lambda *a, **k: rendered.append(a) or 1 / 0)
    again = render_reports(warehouse, month=MONTH, out_dir=tmp_path / "b", run_id=RUN_ID,
                           locale="en", dq_status=DQ, workers=1, progress=False,
                           cache_dir=cache)
    assert rendered == []  # nothing was rendered: every input was unchanged
    assert again == first
    assert (tmp_path / "b/accounts/ACC-1.pdf").read_bytes() == \
        (tmp_path / "a/accounts/ACC-1.pdf").read_bytes()


def test_changed_portfolio_list_sizes_rerender_the_portfolio_only(warehouse, tmp_path,
                                                                   monkeypatch):
    cache = tmp_path / "cache"
    render_reports(warehouse, month=MONTH, out_dir=tmp_path / "a", run_id=RUN_ID, locale="en",
                   dq_status=DQ, workers=1, progress=False, cache_dir=cache)
    drawn = []
    draw = PdfWriter.render

    def recording(writer, html, *args, **kwargs):
        drawn.append("Key account portfolio review" in html)
        return draw(writer, html, *args, **kwargs)

    monkeypatch.setattr(PdfWriter, "render", recording)
    render_reports(warehouse, month=MONTH, out_dir=tmp_path / "b", run_id=RUN_ID, locale="en",
                   dq_status=DQ, workers=1, progress=False, cache_dir=cache,
                   list_limit=1, top_accounts=1)
    assert drawn == [True]  # the portfolio alone; every account review came from the cache


def test_changed_data_quality_status_rerenders(warehouse, tmp_path):
    cache = tmp_path / "cache"
    first = render_reports(warehouse, month=MONTH, out_dir=tmp_path / "a", run_id=RUN_ID,
                           locale="en", dq_status=DQ, workers=1, progress=False,
                           cache_dir=cache)
    changed = DQ.__class__(True, "val-1", warnings=3, quarantined_rows=5)
    second = render_reports(warehouse, month=MONTH, out_dir=tmp_path / "b", run_id=RUN_ID,
                            locale="en", dq_status=changed, workers=1, progress=False,
                            cache_dir=cache)
    assert first[0].sha256 != second[0].sha256
    assert "3 warnings" in pdf_text(tmp_path / "b/accounts/ACC-1.pdf")
    assert len(list(cache.glob("account-ACC-1.*.pdf"))) == 1  # the stale entry was dropped


def test_rendering_fetches_only_own_assets(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        inputs = load_month(con, MONTH.first_day, RUN_ID, ["ACC-2"])
    writer = PdfWriter()
    settings = RenderSettings(MONTH, RUN_ID, "en", DQ)
    render_account_pdf(writer, AccountJob(inputs.accounts[0], inputs.provided, settings))
    assert writer.refused_urls == []  # the hostile name's file:// URL was never requested


def test_portfolio_fetches_only_own_assets(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        inputs = load_month(con, MONTH.first_day, RUN_ID)
    writer = PdfWriter()
    render_portfolio_pdf(writer, inputs, RenderSettings(MONTH, RUN_ID, "en", DQ))
    assert writer.refused_urls == []  # charts are pure vector: no embedded raster images


def test_warehouse_is_opened_read_only_and_released(warehouse, tmp_path):
    render_one_account(warehouse, month=MONTH, account_id="ACC-1", out_dir=tmp_path,
                       run_id=RUN_ID, locale="en", dq_status=DQ)
    # A writer can open the file afterwards: the report step holds no lock on it.
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute("select count(*) from marts.account_review").fetchone() == (3,)


def test_render_one_account(warehouse, tmp_path):
    rendered = render_one_account(warehouse, month=MONTH, account_id="ACC-1", out_dir=tmp_path,
                                  run_id=RUN_ID, locale="zh-CN", dq_status=DQ)
    assert rendered.path == "accounts/ACC-1.pdf" and rendered.tier == "strategic"
    assert "本月收入" in pdf_text(tmp_path / rendered.path)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["ACC-1.pdf"]


def test_the_configured_confidentiality_label_is_printed_as_text(warehouse, tmp_path):
    label = "Board <b>only</b> & auditors"
    rendered = render_one_account(warehouse, month=MONTH, account_id="ACC-1", out_dir=tmp_path,
                                  run_id=RUN_ID, locale="en", dq_status=DQ,
                                  confidentiality_label=label)
    text = pdf_text(tmp_path / rendered.path)
    assert label in text and "Confidential: internal use only" not in text


def test_render_one_account_refuses_a_standard_account(warehouse, tmp_path):
    with pytest.raises(UsageError, match="ACC-3"):
        render_one_account(warehouse, month=MONTH, account_id="ACC-3", out_dir=tmp_path,
                           run_id=RUN_ID, locale="en", dq_status=DQ)


def test_unknown_locale_is_a_usage_error(warehouse, tmp_path):
    with pytest.raises(UsageError, match="fr"):
        render_reports(warehouse, month=MONTH, out_dir=tmp_path, run_id=RUN_ID, locale="fr",
                       dq_status=DQ)


def test_sections_whose_input_was_not_provided_say_so(tmp_path):
    warehouse = build_warehouse(tmp_path / "kam.duckdb",
                                provided={"surveys": False, "tickets": False})
    rendered = render_one_account(warehouse, month=MONTH, account_id="ACC-1", out_dir=tmp_path,
                                  run_id=RUN_ID, locale="en", dq_status=DQ)
    text = pdf_text(tmp_path / rendered.path)
    assert "Not provided: surveys.csv was not part of this month's export." in text
    assert "Not provided: tickets.csv was not part of this month's export." in text
    assert "Tickets opened" not in text and "Recent comments" not in text
    assert "Interactions in the last 90 days 7" in text  # interactions.csv was provided


def test_sections_without_marts_are_left_out(tmp_path):
    warehouse = build_warehouse(tmp_path / "kam.duckdb", with_sections=False)
    files = render_reports(warehouse, month=MONTH, out_dir=tmp_path / "out", run_id=RUN_ID,
                           locale="en", dq_status=DQ, workers=1, progress=False,
                           cache_dir=tmp_path / "cache")
    text = pdf_text(tmp_path / "out" / files[0].path)
    assert "Revenue of the month" in text
    for absent in ("Customer lifetime value", "Health score", "Satisfaction", "Service"):
        assert absent not in text
    portfolio = pdf_text(tmp_path / "out/portfolio.pdf")
    assert "Not available: marts.portfolio_retention has no row for this month." in portfolio
