"""The portfolio review for the head of key accounts."""

from __future__ import annotations

import openpyxl
from pdf_text import pdf_text


def test_key_accounts_ranked_by_revenue_decline_and_health(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    lists = text.split("Key accounts\n", 1)[1].split("Health and NPS across the key accounts")[0]
    assert "2 key accounts this month" in lists
    largest = lists.split("Largest by T12M revenue")[1].split("Steepest T12M revenue decline")[0]
    # ACC-1 (€1,200,000) before ACC-2 (€500,000); ACC-3 is not a key account
    assert "Acme Industrial ACC-1 strategic Alice Smith €1,200,000 60.0% +20.0% 78" in largest
    assert largest.index("ACC-1") < largest.index("ACC-2") and "ACC-3" not in lists
    assert "€500,000 25.0% -9.1% 35" in largest
    # only ACC-2's T12M revenue fell (-9.1%); ACC-1 grew
    declines = lists.split("Steepest T12M revenue decline")[1].split("Weakest health")[0]
    assert "ACC-2" in declines and "ACC-1" not in declines
    weakest = lists.split("Weakest health")[1]
    assert weakest.index("ACC-2") < weakest.index("ACC-1")  # health 35.2 before 78.4


def test_health_and_nps_distribution_is_drawn(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    section = text.split("Health and NPS across the key accounts")[1]
    assert "0–10 10–20 20–30 30–40 40–50 50–60 60–70 70–80 80–90 90–100" in section
    assert "-100–-80 -80–-60" in section


def test_tier_distribution_equals_the_mart(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    # Ordered strategic, key, standard whatever the mart's row order.
    assert ("strategic 1 0 0 0 0 €1,200,000 60.0%\nkey 1 0 1 0 1 €500,000 25.0%\n"
            "standard 1 0 0 0 0 €300,000 15.0%") in text


def test_retention_by_tier_equals_the_mart(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    assert "strategic 1 120.0% 95.0% 100.0%" in text
    assert "key 0 — — —" in text  # an empty base has null rates, not zeros
    assert "standard 2 87.5% 62.5% 50.0%" in text
    assert "all 3 105.7% 81.2% 66.7%" in text


def test_at_risk_list_and_engagement_below_standard(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    at_risk = text.split("At-risk key accounts")[1].split("How far to trust")[0]
    # account_review.is_at_risk: ACC-2 only (ACC-1 has no risk, ACC-3 is not a key account)
    assert "ACC-2" in at_risk and "ACC-1" not in at_risk and "ACC-3" not in at_risk
    # its high-severity rules only (the cells wrap)
    assert "Evil & churn_risk health_red low_p_alive\nkey 王芳 35\nCo ACC-2 renewal_at_risk\n" \
        in at_risk
    assert "negative_nps" not in at_risk and "tier_down" not in at_risk
    assert "health_red English risk of health_red English action of health_red" in at_risk
    assert "listed in the workbook" not in at_risk  # one at-risk account, under the limit
    below = text.split("Key accounts below their engagement standard")[1]
    # ACC-2 had 1 interaction against its tier's 3; ACC-1 met its 6 with 7
    assert "Evil & Co ACC-2 key 王芳 €500,000 1/3 ▼" in below
    assert "ACC-1" not in below.split("Data quality")[0]


def test_the_workbook_beside_the_pdf(rendered_en):
    out_dir, files = rendered_en
    assert [f.path for f in files if f.kind == "portfolio_workbook"] == ["portfolio.xlsx"]
    workbook = openpyxl.load_workbook(out_dir / "portfolio.xlsx")
    assert workbook.sheetnames == ["Key accounts", "At risk", "Risks fired", "Renewals",
                                   "Renewals by manager", "Lifecycle", "Cross-sell"]
    at_risk = list(workbook["At risk"].iter_rows(values_only=True))
    assert at_risk == [
        ("account_id", "account_name", "tier", "manager_id", "manager_name", "health_score",
         "rules_fired"),
        ("ACC-2", '<img src="file:///etc/passwd"> Evil & Co', "key", "M-2", "王芳", 35.2,
         "churn_risk health_red low_p_alive renewal_at_risk"),
    ]
    # ACC-1's three best cross-sell lines, as its review lists them
    cross_sell = [row[5:7] for row in workbook["Cross-sell"].iter_rows(min_row=2,
                                                                      values_only=True)]
    assert cross_sell == [(1, "Hydraulics"), (2, "<i>Lubricants</i>"), (3, "Sensors")]


def test_chinese_portfolio(warehouse, tmp_path):
    from fixture_warehouse import DQ, MONTH, RUN_ID

    from kam.report import render_reports

    render_reports(warehouse, month=MONTH, out_dir=tmp_path, run_id=RUN_ID, locale="zh-CN",
                   dq_status=DQ, workers=1, progress=False, cache_dir=tmp_path / ".cache",
                   list_limit=1)
    text = pdf_text(tmp_path / "portfolio.pdf")
    for label in ("重点客户组合回顾", "各分级留存", "同期群留存", "高风险重点客户",
                  "互动低于标准的重点客户", "净收入留存 (NRR)", "健康度评分处于红色区间",
                  "近12个月收入最高", "重点客户的健康度与 NPS 分布",
                  "另有 1 份到期合同列在工作簿中。", "指标定义：docs/metrics.md"):
        assert label in text, label
