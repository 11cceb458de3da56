"""Account reviews rendered from the fixture warehouse, read back from the PDF."""

from __future__ import annotations

import hashlib
import subprocess

import duckdb
from conftest import DQ
from fixture_warehouse import HOSTILE_NAME, MONTH, RUN_ID
from pdf_text import pdf_text

from flows.report import render_reports


def test_writes_one_review_per_key_account_and_the_portfolio(rendered_en):
    out_dir, files = rendered_en
    assert [f.path for f in files] == ["accounts/ACC-1.pdf", "accounts/ACC-2.pdf", "portfolio.pdf"]
    assert [(f.kind, f.account_id, f.manager_id, f.tier) for f in files] == [
        ("account_review", "ACC-1", "M-1", "strategic"),
        ("account_review", "ACC-2", "M-2", "key"),
        ("portfolio", None, None, None),
    ]
    for f in files:
        content = (out_dir / f.path).read_bytes()
        assert f.sha256 == hashlib.sha256(content).hexdigest()
        assert f.pages >= 1
    assert not list(out_dir.rglob("*.tmp"))


def test_kpis_in_the_pdf_equal_the_mart(rendered_en, warehouse):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-1.pdf")
    con = duckdb.connect(str(warehouse), read_only=True)
    row = con.execute(
        "select revenue, revenue_ytd, t12m_revenue, revenue_t12m_prior, gross_margin, orders "
        "from marts.account_review where account_id = 'ACC-1'"
    ).fetchone()
    con.close()
    assert [str(v) for v in row] == [
        "105000.5000", "980000.2500", "1200000.0000", "1000000.0000", "31500.1500", "14"]
    # Labels and values sit in a grid: each label line is followed by its values' line.
    # Money is shown in whole units of the reporting currency, halves rounded up.
    assert ("Revenue of the month Revenue year to date Revenue T12M\n"
            "€105,001 €980,000 €1,200,000") in text
    assert "T12M change vs last year Gross margin Orders\n+20.0% €31,500 14" in text
    assert "last year: €1,000,000 margin coverage: 95.0%" in text
    assert "Acme Industrial" in text and "Alice Smith" in text and "October 2026" in text
    assert "strategic" in text


def test_page_footer_and_running_header(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-1.pdf")
    assert "Page 1 of 1" in text
    assert f"Run {RUN_ID}" in text
    assert "Confidential: internal use only" in text


def test_fonts_are_embedded(rendered_en):
    out_dir, _files = rendered_en
    listing = subprocess.run(["pdffonts", str(out_dir / "accounts/ACC-2.pdf")],
                             capture_output=True, text=True, check=True).stdout
    font_rows = listing.splitlines()[2:]
    assert font_rows, listing
    assert all(row.split()[-5] == "yes" for row in font_rows), listing  # the emb column
    assert "WenQuanYi" in listing


def test_hostile_account_name_is_text_and_nothing_is_fetched(rendered_en):
    out_dir, _files = rendered_en
    # ACC-2's manager reads Chinese: the review is in zh-CN, the name stays verbatim.
    text = pdf_text(out_dir / "accounts/ACC-2.pdf")
    assert HOSTILE_NAME in text
    assert "客户经理" in text and "本月收入" in text and "第 1 页，共 1 页" in text


def test_two_runs_give_identical_bytes(warehouse, rendered_en, tmp_path):
    out_dir, first = rendered_en
    second = render_reports(warehouse, month=MONTH, out_dir=tmp_path, run_id=RUN_ID,
                            locale="en", dq_status=DQ)
    assert [f.sha256 for f in second] == [f.sha256 for f in first]
    for f in first:
        assert (tmp_path / f.path).read_bytes() == (out_dir / f.path).read_bytes()


def test_portfolio_lists_every_key_account(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    assert "ACC-1" in text and "ACC-2" in text
    assert "ACC-3" not in text  # standard tier: not a key account
