"""The portfolio review for the head of key accounts."""

from __future__ import annotations

from pdf_text import pdf_text


def test_portfolio_lists_every_key_account(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    key_accounts = text.rsplit("Key accounts\n", 1)[1]
    assert "Acme Industrial ACC-1 strategic Alice Smith €1,200,000 60.0% +20.0%" in key_accounts
    assert "ACC-2" in key_accounts and "€500,000 25.0% -9.1%" in key_accounts
    assert "ACC-3" not in key_accounts  # standard tier: not a key account


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


def test_at_risk_list_and_manager_coverage(rendered_en):
    out_dir, _files = rendered_en
    text = pdf_text(out_dir / "portfolio.pdf")
    at_risk = text.split("At-risk key accounts")[1].split("Coverage per account manager")[0]
    # account_review.is_at_risk: ACC-2 only (ACC-1 has no risk, ACC-3 is not a key account)
    assert "ACC-2" in at_risk and "ACC-1" not in at_risk and "ACC-3" not in at_risk
    # its high-severity rules only (the cell wraps after health_red)
    assert "Evil & Co churn_risk health_red\nkey 王芳 35\nACC-2 low_p_alive\n" in at_risk
    assert "negative_nps" not in at_risk and "tier_down" not in at_risk
    assert "health_red English risk of health_red English action of health_red" in at_risk
    coverage = text.split("Coverage per account manager")[1].split("Key accounts\n")[1]
    assert "Alice Smith Acme Industrial 7/6\n" in coverage
    assert "王芳" in coverage and "Evil & Co 1/3 ▼" in coverage


def test_chinese_portfolio(warehouse, tmp_path):
    from fixture_warehouse import DQ, MONTH, RUN_ID

    from kam.report import render_reports

    render_reports(warehouse, month=MONTH, out_dir=tmp_path, run_id=RUN_ID, locale="zh-CN",
                   dq_status=DQ, workers=1, progress=False, cache_dir=tmp_path / ".cache")
    text = pdf_text(tmp_path / "portfolio.pdf")
    for label in ("重点客户组合回顾", "各分级留存", "同期群留存", "高风险重点客户",
                  "各客户经理覆盖情况", "净收入留存 (NRR)", "健康度评分处于红色区间",
                  "指标定义：docs/metrics.md"):
        assert label in text, label
