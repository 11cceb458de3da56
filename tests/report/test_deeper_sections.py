"""Contracts and renewals, lifecycle stage, cross-sell, themes and the churn warning's track
record, read back from the PDFs rendered from the fixture warehouse in both languages.

ACC-1's manager has no locale (the run's locale applies); ACC-2's manager reads Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import duckdb
import pytest
from fixture_warehouse import (
    DQ,
    HOSTILE_CONTRACT,
    HOSTILE_EXAMPLE,
    HOSTILE_LINE,
    MONTH,
    RUN_ID,
    build_warehouse,
)
from pdf_text import pdf_text

from kam.report import render_one_account, render_reports


def between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


@pytest.fixture(scope="module")
def rendered_zh(warehouse, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("out_zh")
    render_reports(warehouse, month=MONTH, out_dir=out_dir, run_id=RUN_ID, locale="zh-CN",
                   dq_status=DQ, workers=1, progress=False,
                   cache_dir=tmp_path_factory.mktemp("cache_zh"))
    return out_dir


@pytest.fixture(scope="module")
def text(rendered_en, rendered_zh) -> Callable[[str, str], str]:
    """The text of a PDF of the fixture month rendered in a locale run (en or zh-CN), by its
    path in the month folder; each PDF is read once."""
    out_dirs = {"en": rendered_en[0], "zh-CN": rendered_zh}

    @cache
    def read(locale: str, name: str) -> str:
        return pdf_text(out_dirs[locale] / name)

    return read


class ChangedMonth:
    """A fresh fixture warehouse, changed by SQL, rendered in English."""

    def __init__(self, warehouse: Path, tmp_path: Path):
        self.warehouse = warehouse
        self.tmp_path = tmp_path

    def review(self, account_id: str = "ACC-1") -> str:
        """The text of one account's review, rendered on its own."""
        out_dir = self.tmp_path / "one"
        rendered = render_one_account(self.warehouse, month=MONTH, account_id=account_id,
                                      out_dir=out_dir, run_id=RUN_ID, locale="en",
                                      dq_status=DQ)
        return pdf_text(out_dir / rendered.path)

    def render_all(self) -> Callable[[str], str]:
        """Render every review and the portfolio; returns the text of a PDF by its path."""
        out_dir = self.tmp_path / "out"
        render_reports(self.warehouse, month=MONTH, out_dir=out_dir, run_id=RUN_ID,
                       locale="en", dq_status=DQ, workers=1, progress=False, cache_dir=None)
        return lambda name: pdf_text(out_dir / name)


@pytest.fixture
def changed_month(tmp_path) -> Callable[..., ChangedMonth]:
    """Build the fixture warehouse (build_warehouse's options), run the SQL statements on it."""

    def build(*statements: str, **options) -> ChangedMonth:
        warehouse = build_warehouse(tmp_path / "kam.duckdb", **options)
        if statements:
            with duckdb.connect(str(warehouse)) as con:
                for statement in statements:
                    con.execute(statement)
        return ChangedMonth(warehouse, tmp_path)

    return build


def test_lifecycle_stage_beside_the_tier(text):
    # ACC-1 moved from formation to stable; ACC-2 stayed in decline (no "last month").
    assert "Tier strategic unchanged Lifecycle stage Stable was Formation last month" in \
        text("en", "accounts/ACC-1.pdf")
    assert "分级 战略 (VIP) 未变化 生命周期阶段 稳定期 上月为形成期" in \
        text("zh-CN", "accounts/ACC-1.pdf")
    chinese = text("en", "accounts/ACC-2.pdf")
    assert "生命周期阶段 退化期" in chinese and "上月为" not in chinese


def test_contracts_in_force_and_renewals_due(text):
    review = text("en", "accounts/ACC-1.pdf")
    section = between(review, "Contracts and renewals\n", "Cross-sell")
    # C-1: 304/365 of the term elapsed (83%), 250,000 of 304,000 due: 82.2%.
    assert "C-1 Jan 1, 2026 – Dec 31, 2026 €365,000 €304,000 €250,000 82.2% 83% of term" \
        in section
    # C-2: half of what is due, a third of the term gone: behind plan.
    assert "Jul 1, 2026 – Jun 30, 2027 €730,000 €246,000 €123,000 50.0% 34% of term" in section
    assert section.index("C-2") < section.index("behind plan")
    assert section.count("behind plan") == 1  # C-2 only (the note says "Behind plan: ...")
    assert "C-0" not in review  # a row of September's run
    renewals = section.split("Renewals due in the next 90 days\n")[1]
    assert "Contract Ends Days to end Committed value Renewed\n" \
           "C-1 Dec 31, 2026 61 €365,000 yes, by C-4" in renewals


def test_contracts_in_chinese_with_a_renewal_at_risk(text):
    section = between(text("en", "accounts/ACC-2.pdf"), "合同与续约\n", "交叉销售")
    # Revenue ahead of what is due: 400,000 / 365,000 = 109.6%; not behind plan.
    assert "2025年11月1日 – 2027年1月29日 €455,000 €365,000 €400,000 109.6% 已过合同期 80%" \
        in section
    assert "履约落后\n" not in section.split("履约率：")[0]
    # Due on day 90, not renewed, health red: at risk.
    assert f"{HOSTILE_CONTRACT} 2027年1月29日 90 €455,000 否 有风险" in section


def test_cross_sell_lists_the_top_three_lines(text):
    section = between(text("en", "accounts/ACC-1.pdf"), "Cross-sell\n",
                      "Customer lifetime value")
    assert "Peers: the 7 other accounts of the same\nindustry and tier with revenue." in section
    assert ("Product line Peers buying it Peer penetration Peers' median revenue on the line, "
            "T12M\nHydraulics 6 / 7 85.7% €42,001\n"
            f"{HOSTILE_LINE} 4 / 7 57.1% €18,000\nSensors 4 / 7 57.1% €9,000\n") in section
    assert "Valves" not in section  # rank 4
    chinese = text("zh-CN", "accounts/ACC-1.pdf")
    assert "同类客户：同行业、同分级且有收入的其他 7 个客户。" in chinese
    assert "Hydraulics 6 / 7 85.7% €42,001" in chinese
    # ACC-2 has no opportunity row (too few peers)
    assert "无交叉销售机会：没有至少半数同类客户购买而本客户缺少的产品线，或同类客户不足五个。" in \
        text("en", "accounts/ACC-2.pdf")


def test_themes_with_masked_examples(text):
    section = between(text("en", "accounts/ACC-1.pdf"), "Themes, last 12 months\n",
                      "Engagement")
    assert ("Theme Mentions Negative Complaints\nDelivery 5 2 1\n"
            "“Late delivery again, call [phone]” ticket subject, Sep 14, 2026\n"
            "Billing 2 0 0\n“Invoice sent to [email] twice” survey comment, Mar 2, 2026\n"
            "onboarding 1 0 0\n") in section  # a theme the user added keeps its own name
    assert "2345" not in section and "ap@acme.example" not in section
    chinese = text("zh-CN", "accounts/ACC-1.pdf")
    assert "交付与物流 5 2 1\n“Late delivery again, call [phone]” 工单主题, 2026年9月14日" \
        in chinese
    assert "账单与发票 2 0 0" in chinese
    assert f"价格 1 1 0\n“{HOSTILE_EXAMPLE}” 调查评论, 2026年8月3日" in \
        text("en", "accounts/ACC-2.pdf")


def test_contract_risks_with_their_actions(text):
    english = between(text("en", "accounts/ACC-1.pdf"), "Risks and recommended actions",
                      "Data quality")
    assert "A contract in force is behind its pro-rata commitment Review the contract's " \
           "call-off plan with\nmedium\nunder_fulfilled_contracts 1.00 ≥ 1.00 the buyer and " \
           "agree catch-up orders" in english
    chinese = between(text("en", "accounts/ACC-2.pdf"), "风险与建议措施", "数据质量")
    assert "合同将在90天内到期且未续签，客户健康度为黄色或红色 立即与客户发起人启动续约沟通，" \
           "并优先解决健\n高\nrenewals_at_risk 1.00 ≥ 1.00 康度问题" in chinese


def test_portfolio_renewals_by_manager_and_calendar(text):
    section = between(text("en", "portfolio.pdf"), "Renewals in the next 90 days\n",
                      "Lifecycle stages")
    assert "Alice Smith 1 €365,000 0 €0 0 €0 Dec 31, 2026" in section
    assert "王芳 1 €455,000 1 €455,000 1 €455,000 Jan 29, 2027" in section
    calendar = section.split("Calendar\n")[1]
    # soonest end first; the hostile name and contract id wrap in their cells
    first = calendar.index("Dec 31, 2026 61 Acme Industrial C-1 Alice Smith €365,000 yes")
    assert first < calendar.index("Jan 29, 2027 90") < calendar.index("王芳 €455,000 no at risk")
    assert "C-9" not in section  # the standard account's renewal
    assert "王芳 1 €455,000 1 €455,000 1 €455,000 2027年1月29日" in text("zh-CN", "portfolio.pdf")


def test_portfolio_lifecycle_grid_and_moves(text):
    section = between(text("en", "portfolio.pdf"), "Lifecycle stages\n",
                      "Cross-sell opportunity")
    assert ("Tier Prospect Formation Stable Decline Lapsed\nstrategic 0 0 1 (+1) 0 0\n"
            "key 0 0 0 1 0\nstandard 0 0 1 0 0\nAll accounts 0 0 2 (+1) 1 0") in section
    assert "From To Accounts Key accounts\nFormation Stable 1 1" in section
    chinese = between(text("zh-CN", "portfolio.pdf"), "客户生命周期阶段\n",
                      "各产品线交叉销售机会")
    assert "分级 考察期 形成期 稳定期 退化期 流失\n战略 (VIP) 0 0 1 (+1) 0 0" in chinese
    assert "全部客户 0 0 2 (+1) 1 0" in chinese and "形成期 稳定期 1 1" in chinese


def test_portfolio_cross_sell_and_themes(text):
    portfolio = text("en", "portfolio.pdf")
    cross_sell = between(portfolio, "Cross-sell opportunity by product line\n", "Top themes")
    assert ("Hydraulics 1 1 €42,001\n" f"{HOSTILE_LINE} 1 1 €18,000\nSensors 1 1 €9,000\n"
            "Valves 1 0 €500") in cross_sell
    themes = between(portfolio, "Top themes across key accounts, last 12 months\n", "Coverage")
    assert ("Theme Key accounts Mentions Negative Complaints\nDelivery 1 5 2 1\n"
            "Price 1 1 1 0\nBilling 1 2 0 0\nonboarding 1 1 0 0") in themes
    assert "交付与物流 1 5 2 1\n价格 1 1 1 0\n账单与发票 1 2 0 0" in text("zh-CN", "portfolio.pdf")


def test_portfolio_track_record_in_plain_words(text):
    section = between(text("en", "portfolio.pdf"), "How far to trust the churn warning\n",
                      "Confidential")
    assert ("Of the 14 accounts that lapsed, the warning had flagged 9 a year earlier. "
            "9 of 23 flagged accounts\nlapsed.") in section
    assert "Aug 2025 40 0 4 0 — 0.0%" in section  # nobody flagged: no precision
    assert "Sep 2025 42 11 5 4 36.4% 80.0%" in section
    assert "Oct 2025 45 12 5 5 41.7% 100.0%" in section
    assert "All base months 127 23 14 9 39.1% 64.3%" in section
    chinese = text("zh-CN", "portfolio.pdf")
    assert "在流失的 14 个客户中，预警在一年前已标记其中 9 个。被标记的 23 个客户中有 9 个流失。" \
        in chinese
    assert "全部基准月 127 23 14 9 39.1% 64.3%" in chinese


def test_sections_whose_inputs_were_not_provided(changed_month):
    rendered = changed_month(
        provided={"contracts": False, "surveys": False, "tickets": False}).render_all()
    review = rendered("accounts/ACC-1.pdf")
    assert "Contracts and renewals\nNot provided: contracts.csv was not part of this month's " \
           "export." in review
    assert "Themes, last 12 months Not provided: this month's export has neither surveys.csv " \
           "nor ticket subjects (the subject column of tickets.csv)." in " ".join(review.split())
    assert "Jan 1, 2026" not in review and "Delivery 5" not in review
    portfolio = rendered("portfolio.pdf")
    assert "Renewals in the next 90 days\nNot provided: contracts.csv was not part of this " \
           "month's export." in portfolio
    assert "Top themes across key accounts, last 12 months\nNot provided: this month's export " \
           "has neither surveys.csv nor ticket subjects" in portfolio
    chinese = rendered("accounts/ACC-2.pdf")
    assert "合同与续约\n未提供：本月导出不含 contracts.csv。" in chinese


def test_sections_with_nothing_to_show_say_so(changed_month):
    emptied = changed_month(
        *(f"delete from marts.{mart}"
          for mart in ("contract_fulfillment", "contract_renewals", "account_themes",
                       "account_whitespace", "portfolio_renewals", "portfolio_whitespace",
                       "portfolio_themes", "portfolio_lifecycle_moves")),
        "delete from marts.account_risks where account_id = 'ACC-1'",
        "delete from marts.portfolio_warning_backtest",
        "insert into marts.portfolio_warning_backtest values "
        "(date '2026-10-01', null, 0, 0, 0, 0, 0, null, null)",
    )
    review = emptied.review("ACC-1")
    assert "Contracts and renewals\nNo contract in force and no renewal due in the next 90 " \
           "days." in review
    assert "Cross-sell\nNo cross-sell opportunity" in review
    assert "Themes, last 12 months\nNo theme mentioned in the last 12 months." in review
    assert "No risk rule fired this month." in review
    portfolio = " ".join(emptied.render_all()("portfolio.pdf").split())  # lines unwrapped
    for empty in ("No key account contract ends in the next 90 days.",
                  "No account changed stage since last month.",
                  "No cross-sell opportunity for any key account this month.",
                  "No key account mentioned a theme in the last 12 months.",
                  "Not enough history yet: the warning can be checked once the data reaches "
                  "12 months past its first base month."):
        assert empty in portfolio, empty


def test_older_warehouse_without_the_new_marts(changed_month):
    """A warehouse built before these marts existed renders without the new sections."""
    rendered = changed_month(with_sections=False).render_all()
    review = rendered("accounts/ACC-1.pdf")
    portfolio = rendered("portfolio.pdf")
    for absent in ("Contracts and renewals", "Cross-sell", "Themes", "Lifecycle stage"):
        assert absent not in review
    for absent in ("Renewals in the next 90 days", "Lifecycle stages", "How far to trust"):
        assert absent not in portfolio


def test_cross_sell_says_when_peers_are_the_whole_tier(changed_month):
    # too few peers in the industry: tier peers
    review = changed_month(
        "update marts.account_whitespace set peer_group = 'tier', peers = 12").review("ACC-1")
    unwrapped = " ".join(review.split())
    assert "Peers: the 12 other accounts of the same tier with revenue (too few in its " \
           "industry)." in unwrapped
    assert "Hydraulics 6 / 12" in unwrapped


def test_themes_without_ticket_subjects_come_from_comments(changed_month):
    """Extract records a tickets export without a subject column in the load manifest."""
    review = changed_month(
        "alter table audit.load_manifest add column columns_not_provided VARCHAR",
        "update audit.load_manifest set columns_not_provided = 'subject' "
        "where table_name = 'tickets'",
    ).review("ACC-1")
    assert "Themes, last 12 months\nTicket subjects were not provided: themes come from survey " \
           "comments only.\nTheme Mentions" in review
    assert "Delivery 5 2 1" in review  # the rows dbt computed are still shown


def test_themes_from_subjects_alone_are_still_shown(changed_month):
    review = changed_month(provided={"surveys": False}).review("ACC-1")
    assert "Themes, last 12 months\nsurveys.csv was not provided: themes come from ticket " \
           "subjects only." in review
