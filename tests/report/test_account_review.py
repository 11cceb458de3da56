"""Account reviews rendered from the fixture warehouse, read back from the PDF."""

from __future__ import annotations

import hashlib
import re
import subprocess

import duckdb
from fixture_warehouse import HOSTILE_NAME, RUN_ID
from pdf_text import pdf_text
from pypdf import PdfReader


def test_writes_one_review_per_key_account_and_the_portfolio(rendered_en):
    out_dir, files = rendered_en
    assert [f.path for f in files] == ["accounts/ACC-1.pdf", "accounts/ACC-2.pdf",
                                       "portfolio.pdf", "portfolio.xlsx"]
    assert [(f.kind, f.account_id, f.manager_id, f.tier) for f in files] == [
        ("account_review", "ACC-1", "M-1", "strategic"),
        ("account_review", "ACC-2", "M-2", "key"),
        ("portfolio", None, None, None),
        ("portfolio_workbook", None, None, None),
    ]
    for f in files:
        content = (out_dir / f.path).read_bytes()
        assert f.sha256 == hashlib.sha256(content).hexdigest()
        if f.kind == "portfolio_workbook":
            assert f.pages is None
            continue
        info = subprocess.run(["pdfinfo", str(out_dir / f.path)], capture_output=True,
                              text=True, check=True).stdout
        assert f.pages == int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    assert sorted(p.name for p in out_dir.rglob("*") if p.is_file()) == [
        "ACC-1.pdf", "ACC-2.pdf", "portfolio.pdf", "portfolio.xlsx"]  # no temporary file left


def test_summary_kpis_equal_the_mart(rendered_en, warehouse):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-1.pdf")
    con = duckdb.connect(str(warehouse), read_only=True)
    row = con.execute(
        "select revenue, revenue_ytd, t12m_revenue, revenue_t12m_prior, gross_margin, orders, "
        "share, revenue_t12m_change, margin_coverage "
        "from marts.account_review where account_id = 'ACC-1'"
    ).fetchone()
    con.close()
    assert [str(v) for v in row] == [
        "105000.5000", "980000.2500", "1200000.0000", "1000000.0000", "31500.1500", "14",
        "0.6", "0.2", "0.95"]
    # Labels and values sit in a grid: each label line is followed by its values' line.
    # Money is shown in whole units of the reporting currency, halves rounded up.
    assert ("Revenue of the month Revenue year to date Revenue T12M\n"
            "€105,001 €980,000 €1,200,000\nshare of portfolio: 60.0%") in text
    assert "T12M change vs last year Gross margin Orders\n+20.0% €31,500 14" in text
    assert "last year: €1,000,000 margin coverage: 95.0%" in text
    assert "Acme Industrial" in text and "Alice Smith" in text and "October 2026" in text
    assert "strategic unchanged" in text


def test_sections_show_their_marts(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-1.pdf")
    # CLV: 250000.75 -> €250,001; p_alive 0.93; 12.4 purchases; AOV 8500.5 -> €8,501.
    assert "Historical CLV Predicted CLV, next 12 months Probability still active\n" \
           "€250,001 €105,000 93.0%" in text
    assert "12.4 €8,501" in text
    # Health 78.4 -> 78, green, with its components.
    assert "78\nGREEN green ≥ 70, amber 40–70, red < 40" in text
    for component in ("Revenue trend 80 25%", "NPS 63 20%", "SLA compliance 75 15%",
                      "Engagement 100 15%", "p_alive 93 25%"):
        assert component in text
    # Satisfaction by quarter end (M-9, M-6, M-3, M); the M-1 row is not a quarter end.
    assert "Jan 2026 40 10 90.0% 10 5.5 8" in text
    assert "Apr 2026 35 12 88.5% 12 5.3 9" in text
    assert "Jul 2026 30 14 87.0% 13 5.1 10" in text
    assert "Oct 2026 25 16 85.3% 15 5.0 11" in text
    assert "Sep 2026" not in text.split("Satisfaction")[1].split("Service")[0]
    # Service: month and T12M columns, and the tier's targets.
    assert "Tickets opened 4 40" in text
    assert "First response within target / missed / pending 3 / 1 / 0 37 / 3 / 0" in text
    assert "First-response SLA compliance 75.0% 92.5%" in text
    assert "Median first response 3.5 h 2.8 h" in text
    assert "Median resolution 20.3 h 18.0 h" in text
    assert "Complaints 1 6" in text and "Open tickets at month end 2" in text
    assert "Open escalations 1" in text
    assert "urgent 1.0 h · high 4.0 h · normal 8.0 h · low 24.0 h" in text
    # Engagement against the tier's standard.
    assert "Interactions in the last 90 days 7" in text
    assert "Standard for the strategic tier 6" in text
    assert "Meets the tier's standard yes" in text
    assert "Days since last visit or meeting 12 (October 19, 2026)" in text
    assert "under_fulfilled_contracts 1.00 ≥ 1.00" in text  # its one rule (contracts)
    assert "Days since last order: 5 · median gap between orders: 21.5 · churn risk: no" in text


def test_survey_comments_are_masked(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-1.pdf")
    assert "Call me on [phone] or write to [email]" in text
    assert "1234567" not in text and "jo@acme.example" not in text
    assert "Delivery on 2026-10-05 was late" in text
    assert "From the September run" not in text  # account_survey_comments for M only


def test_fired_risks_name_metric_and_threshold(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-2.pdf")
    # ACC-2's rows of marts.account_risks, high severity first, labels by rule_id in Chinese
    risks = text.split("风险与建议措施")[1]
    assert risks.index("churn_risk = 是") < risks.index("health_score 35.20 < 40.00") \
        < risks.index("p_alive 0.42 < 0.50") < risks.index("margin_coverage 0.50 < 0.80")
    assert "健康度评分处于红色区间" in risks and "本月与客户发起人商定挽回计划" in risks
    assert "English risk of" not in risks
    for condition in ("health_score 35.20 < 40.00", "churn_risk = 是", "p_alive 0.42 < 0.50",
                      "nps -10.00 < 0.00", "sla_compliance_t12m 85.00 < 90.00",
                      "open_tickets 6.00 ≥ 5.00",
                      "meets_engagement_standard = 否",
                      "margin_coverage 0.50 < 0.80"):
        assert condition in text, condition
    assert "tier_change" not in text  # ACC-2 went up, not down


def test_page_footer_and_running_header(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-1.pdf")
    assert "Page 1 of 3" in text and "Page 3 of 3" in text
    assert text.count(f"Confidential: internal use only · Run {RUN_ID}") == 3
    # every page says where the definitions of its figures are
    assert text.count("Definitions: docs/metrics.md and dbt_docs/ in this month’s folder") == 3
    assert text.count("Acme Industrial October 2026") == 3  # running header on each page


def test_fonts_are_embedded(rendered_en):
    out_dir, _files = rendered_en
    listing = subprocess.run(["pdffonts", str(out_dir / "accounts/ACC-2.pdf")],
                             capture_output=True, text=True, check=True).stdout
    font_rows = listing.splitlines()[2:]
    assert font_rows, listing
    assert all(row.split()[-5] == "yes" for row in font_rows), listing  # the emb column
    assert "WenQuanYi" in listing


def test_chinese_review_for_a_chinese_speaking_manager(rendered_en):
    out_dir, _files = rendered_en
    # ACC-2's manager has locale zh-CN: the review is Chinese whatever --locale says.
    text = pdf_text(out_dir / "accounts/ACC-2.pdf")
    for label in ("客户经理", "本月收入", "近12个月收入", "毛利", "风险与建议措施",
                  "第 1 页，共 3 页", "机密：仅限内部使用", "2026年10月", "王芳",
                  "指标定义：docs/metrics.md 及本月文件夹中的 dbt_docs/"):
        assert label in text, label
    assert "重点 由普通上调" in text  # tier key, up from standard, in Chinese


def test_hostile_account_name_is_text(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "accounts/ACC-2.pdf")
    assert HOSTILE_NAME in text.replace("\n", " ")
    reader = PdfReader(out_dir / "accounts/ACC-2.pdf")
    assert all("/Annots" not in page for page in reader.pages)  # no link, no file annotation
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    assert len(reader.pages[0].images) == 0  # nothing was loaded as an image
