"""The portfolio review at thousands of key accounts: a review, not a listing.

The fixture's two key accounts are cloned (as the render benchmark does) into
SCALE_ACCOUNTS key accounts: half copies of ACC-1 (strategic, meets its engagement
standard, not at risk), half copies of ACC-2 (key, at risk, below its standard, a renewal
at risk). The PDF keeps its size; every account is in the workbook beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile

import duckdb
import openpyxl
import pytest
from fixture_warehouse import DQ, MONTH, RUN_ID, clone_key_accounts
from pdf_text import pdf_text
from pypdf import PdfReader

from kam.report import render_portfolio
from kam.report.data import load_month
from kam.report.read_only import open_read_only
from kam.report.workbook import portfolio_workbook

SCALE_ACCOUNTS = 2000
# clone_key_accounts adds accounts // 2 - 1 copies of each of ACC-1 and ACC-2 beside them.
COPIES = SCALE_ACCOUNTS // 2 - 1
KEY_ACCOUNTS = 2 * (COPIES + 1)
LIST_LIMIT = 50
HOSTILE_FORMULAS = {  # account id -> name a spreadsheet would evaluate
    "ACC-1-0001": '=HYPERLINK("http://x","y")',
    "ACC-1-0002": "@SUM(A1)",
    "ACC-1-0003": "+cmd|' /C calc'!A0",
    "ACC-1-0004": "-2+3",
    "ACC-1-0005": "\tleading tab",
}


@pytest.fixture(scope="module")
def at_scale(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale")
    warehouse = clone_key_accounts(root / "kam.duckdb", SCALE_ACCOUNTS)
    with duckdb.connect(str(warehouse)) as con:
        for account_id, name in HOSTILE_FORMULAS.items():
            con.execute("update marts.account_review set account_name = ? where account_id = ?",
                        [name, account_id])
    files = render_portfolio(warehouse, month=MONTH, out_dir=root / "out", run_id=RUN_ID,
                             locale="en", dq_status=DQ, list_limit=LIST_LIMIT)
    return root / "out", files


@pytest.fixture(scope="module")
def workbook(at_scale):
    """The workbook opened once (openpyxl takes seconds over thousands of rows)."""
    out_dir, _files = at_scale
    return openpyxl.load_workbook(out_dir / "portfolio.xlsx")


def test_the_pdf_stays_a_review(at_scale):
    out_dir, files = at_scale
    pdf = out_dir / "portfolio.pdf"
    pages = len(PdfReader(pdf).pages)
    assert pages <= 20, pages
    assert pdf.stat().st_size <= 5_000_000, pdf.stat().st_size
    assert [(f.path, f.kind, f.pages) for f in files] == [
        ("portfolio.pdf", "portfolio", pages), ("portfolio.xlsx", "portfolio_workbook", None)]


def test_at_risk_list_is_cut_at_the_limit(at_scale):
    out_dir, _files = at_scale
    text = pdf_text(out_dir / "portfolio.pdf")
    at_risk = text.split("At-risk key accounts")[1].split("How far to trust")[0]
    # every copy of ACC-2 is at risk: KEY_ACCOUNTS / 2 accounts, LIST_LIMIT of them shown
    more = KEY_ACCOUNTS // 2 - LIST_LIMIT
    assert f"{more:,} more at-risk accounts are listed in the workbook." in at_risk
    assert at_risk.count("churn_risk health_red low_p_alive") == LIST_LIMIT
    assert f"{KEY_ACCOUNTS:,} key accounts this month" in text
    below = text.split("Key accounts below their engagement standard")[1]
    assert f"{more:,} more key accounts below their engagement standard are listed" in below
    renewals = text.split("Renewals in the next 90 days")[1].split("Lifecycle stages")[0]
    # one renewal per key account (C-1 of ACC-1, K&1 of ACC-2, copied with each account)
    assert f"{KEY_ACCOUNTS - LIST_LIMIT:,} more renewals are listed in the workbook." in renewals


def test_top_lists_hold_the_largest_and_the_weakest(at_scale):
    out_dir, _files = at_scale
    text = pdf_text(out_dir / "portfolio.pdf")
    largest = text.split("Largest by T12M revenue")[1].split("Steepest T12M revenue decline")[0]
    # copies of ACC-1 (€1,200,000) rank first, ties by account id: ACC-1, ACC-1-0001, ...
    assert "Acme Industrial ACC-1 strategic Alice Smith €1,200,000 60.0% +20.0% 78" in largest
    assert largest.count("€1,200,000") == 25
    weakest = text.split("Weakest health")[1]
    assert weakest.split("Health and NPS")[0].count("35") >= 25  # copies of ACC-2, health 35


def test_workbook_holds_every_account(workbook):
    sheet = workbook["Key accounts"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert sheet.max_row == KEY_ACCOUNTS + 1
    rows = {row[0]: dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == KEY_ACCOUNTS
    acme = rows["ACC-1"]  # the fixture's hand-made account, as account_review etc. hold it
    assert (acme["account_name"], acme["tier"], acme["manager_name"]) == (
        "Acme Industrial", "strategic", "Alice Smith")
    assert acme["t12m_revenue"] == 1_200_000 and acme["share"] == 0.6
    assert acme["revenue_t12m_change"] == 0.2 and acme["revenue"] == 105000.5
    assert (acme["health_score"], acme["health_status"], acme["nps"]) == (78.4, "green", 25)
    assert (acme["interactions_90d"], acme["meets_engagement_standard"]) == (7, True)
    assert acme["is_at_risk"] is False and acme["orders"] == 14
    assert workbook["At risk"].max_row == KEY_ACCOUNTS // 2 + 1
    renewals = workbook["Renewals"]
    assert renewals.max_row == KEY_ACCOUNTS + 1
    first = [cell for cell in renewals[2]]
    assert first[0].value == dt.datetime(2026, 12, 31) and first[0].is_date
    assert first[0].number_format == "yyyy-mm-dd"


def test_workbook_cells_never_hold_a_formula(at_scale, workbook):
    out_dir, _files = at_scale
    sheet = workbook["Key accounts"]
    by_id = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for account_id, name in HOSTILE_FORMULAS.items():
        cell = by_id[account_id]
        assert cell.value == name and cell.data_type == "s", account_id
        assert cell.quotePrefix, account_id  # stays text when edited in a spreadsheet
    assert by_id["ACC-1"].quotePrefix is False
    with zipfile.ZipFile(out_dir / "portfolio.xlsx") as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_workbook_bytes_are_reproducible(at_scale):
    out_dir, files = at_scale
    with zipfile.ZipFile(out_dir / "portfolio.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-10-31T00:00:00Z" in core
    # the same rows written again later give the same bytes, the sha256 the manifest holds
    with open_read_only(out_dir.parent / "kam.duckdb") as con:
        inputs = load_month(con, MONTH.first_day, RUN_ID)
    again = portfolio_workbook(inputs, MONTH.last_day)
    assert again == (out_dir / "portfolio.xlsx").read_bytes()
    assert hashlib.sha256(again).hexdigest() == files[1].sha256
