"""Contracts, lifecycle, cross-sell, themes and the warning's back-test on the second
hand-made export (tests/dbt/deeper_fixture.py), M = 2026-10 (last day 2026-10-31).

Every expected value is worked out by hand in the comments beside it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from deeper_fixture import DEEPER_EXPORT
from marts_fixture import create_warehouse, dbt_build, query

M = "2026-10-01"


@pytest.fixture(scope="module")
def deeper(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deeper")
    warehouse = create_warehouse(root / "kam.duckdb", DEEPER_EXPORT)
    statuses = dbt_build(warehouse, root / "target", month="2026-10")
    failed = [(name, status) for name, status in statuses if status not in ("success", "pass")]
    assert failed == []
    return warehouse


def test_fulfillment_of_the_contracts_in_force(deeper):
    rows = query(
        deeper,
        "select contract_id, account_id, manager_id, elapsed_days, term_days, committed_value, "
        "committed_to_date, revenue_to_date, fulfillment, under_fulfilled "
        "from marts.contract_fulfillment where month = ? order by contract_id",
        M,
    )
    assert rows == [
        # 2026-01-01..12-31: 304 of 365 days; 36500 x 304 / 365 = 30400; revenue from
        # 01-01 to 10-31 = 20000 + 4320 (the last day counts; 12-31 is before the start,
        # 11-01 after M) = 24320; 24320 / 30400 = 0.80 exactly: not under 0.80
        ("K1", "CA", "M1", 304, 365, D("36500"), D("30400"), D("24320"), 0.8, False),
        # 2026-01-01..12-15: 304 of 349 days; 349 x 304 / 349 = 304; no revenue
        ("K12", "CC", "M1", 304, 349, D("349"), D("304"), D("0"), 0.0, True),
        # starts on the last day of M: 1 of 365 days elapsed; 3650 / 365 = 10; the order
        # of that very day counts: 4320 / 10 = 432; a quarter of the term has not elapsed
        ("K2", "CA", "M1", 1, 365, D("3650"), D("10"), D("4320"), 432.0, False),
        # ends on the last day of M: 365 of 365 days; 1000 USD x 0.9 (rate of 2025-11) =
        # 900; revenue 500; 500 / 900 < 0.80 with the whole term elapsed
        ("K3", "CB", "M1", 365, 365, D("900"), D("900"), D("500"), pytest.approx(5 / 9), True),
        # 2026-02-01..2027-01-29: 273 of 363 days; 3630 x 273 / 363 = 2730
        ("K5", "CC", "M1", 273, 363, D("3630"), D("2730"), D("0"), 0.0, True),
        # 2026-02-02..2027-01-30: 272 of 363 days; 3630 x 272 / 363 = 2720
        ("K6", "CD", "M1", 272, 363, D("3630"), D("2720"), D("0"), 0.0, True),
        # 304 of 365 days; 1460 x 304 / 365 = 1216
        ("K7", "CC", "M1", 304, 365, D("1460"), D("1216"), D("0"), 0.0, True),
        # 2025-12-01..2026-11-30: 31 + 304 = 335 of 365 days; 730 x 335 / 365 = 670
        ("K9", "CD", "M1", 335, 365, D("730"), D("670"), D("0"), 0.0, True),
    ]
    # K4 starts after M, K8 in 2027, K10 was signed after M, K11 is cancelled: none in force


def test_elapsed_share_of_the_term(deeper):
    shares = dict(query(deeper, "select contract_id, elapsed_share "
                                "from marts.contract_fulfillment where month = ?", M))
    assert shares["K2"] == pytest.approx(1 / 365)
    assert shares["K3"] == 1.0


def test_renewals_due_in_the_next_90_days(deeper):
    rows = query(
        deeper,
        "select contract_id, account_id, manager_id, end_date, days_to_end, committed_value, "
        "renewed, renewed_by, health_status, renewal_at_risk "
        "from marts.contract_renewals where month = ? order by days_to_end, contract_id",
        M,
    )
    assert rows == [
        # K10 (signed after M) and K11 (cancelled) name K9 but do not exist for M
        ("K9", "CD", "M1", date(2026, 11, 30), 30, D("730"), False, None, "green", False),
        # renews itself only: not renewed; CC has no interaction, health 0 = red
        ("K12", "CC", "M1", date(2026, 12, 15), 45, D("349"), False, None, "red", True),
        ("K1", "CA", "M1", date(2026, 12, 31), 61, D("36500"), False, None, "green", False),
        # renewed by K8 of another account, starting after M but signed before its end
        ("K7", "CC", "M1", date(2026, 12, 31), 61, D("1460"), True, "K8", "red", False),
        # starts after M, signed in M: exists and is due
        ("K4", "CB", "M1", date(2027, 1, 15), 76, D("750"), False, None, "green", False),
        # 2027-01-29 is day 90: due; K6 ends on 2027-01-30, day 91, and is not
        ("K5", "CC", "M1", date(2027, 1, 29), 90, D("3630"), False, None, "red", True),
    ]


def test_contract_figures_per_account_and_their_risk_rules(deeper):
    assert query(
        deeper,
        "select account_id, contracts_in_force, under_fulfilled_contracts, committed_to_date, "
        "revenue_to_date_of_contracts, renewals_due, renewals_at_risk, "
        "committed_value_up_for_renewal, next_contract_end_date "
        "from marts.account_contracts where month = ? and contracts_in_force + renewals_due > 0 "
        "order by account_id",
        M,
    ) == [
        # K1 + K2: 30400 + 10; 24320 + 4320 (each contract counts the revenue in its window)
        ("CA", 2, 0, D("30410"), D("28640"), 1, 0, D("36500"), date(2026, 12, 31)),
        ("CB", 1, 1, D("900"), D("500"), 1, 0, D("750"), date(2027, 1, 15)),
        # K5 + K7 + K12 = 2730 + 1216 + 304; up for renewal K5 + K12 (K7 is renewed)
        ("CC", 3, 3, D("4250"), D("0"), 3, 2, D("3979"), date(2026, 12, 15)),
        ("CD", 2, 2, D("3390"), D("0"), 1, 0, D("730"), date(2026, 11, 30)),
    ]
    fired = query(
        deeper,
        "select account_id, rule_id, severity, value from marts.account_risks "
        "where month = ? and rule_id in ('contract_under_fulfilled', 'renewal_at_risk') "
        "order by account_id, rule_id",
        M,
    )
    assert fired == [
        ("CB", "contract_under_fulfilled", "medium", "1"),
        ("CC", "contract_under_fulfilled", "medium", "3"),
        ("CC", "renewal_at_risk", "high", "2"),
        ("CD", "contract_under_fulfilled", "medium", "2"),
    ]


def test_lifecycle_stages(deeper):
    rows = query(
        deeper,
        "select account_id, stage, previous_stage, stage_changed from marts.account_lifecycle "
        "where month = ? and account_id like 'L%' order by account_id",
        M,
    )
    assert rows == [
        ("L1", "prospect", "prospect", False),  # no order at all
        # first order on 2025-11-01, the first day of T12M
        ("L2", "formation", "formation", False),
        # first order on 2025-10-31: outside T12M as of M (T12M 100 = the year before:
        # stable), inside the T12M of M-1 (2025-10..2026-09): formation then
        ("L3", "stable", "formation", True),
        # T12M holds only a refund (-50): a completed order, so not lapsed; -50 < 0.80 x 500
        ("L4", "decline", "decline", False),
        ("L5", "lapsed", "lapsed", False),  # last order 2025-06-01
        # 800 is exactly 0.80 x 1000: not below, so stable
        ("L6", "stable", "stable", False),
        ("L7", "prospect", None, False),  # created 2026-10-20: did not exist at M-1
    ]


def test_whitespace_of_an_account_with_enough_industry_peers(deeper):
    rows = query(
        deeper,
        "select product_line, peer_group, peers, buying_peers, peer_penetration, "
        "peer_median_revenue, rank from marts.account_whitespace "
        "where month = ? and account_id = 'R1' order by rank",
        M,
    )
    # R1 buys A; its peers are R2..R7 (6, Retail key with revenue). C: R2..R6 buy it,
    # 5 / 6, median of 10, 20, 30, 40, 50 = 30. Zeta, alpha and B: R2, R3, R4, 3 / 6 =
    # exactly 0.50, an opportunity; Zeta and alpha tie on median 50 and sort by code point
    # (Z = 90 before a = 97); B's median of 10, 30, 20 is 20. D: 2 / 6, not one.
    assert rows == [
        ("C", "industry_tier", 6, 5, pytest.approx(5 / 6), D("30"), 1),
        ("Zeta", "industry_tier", 6, 3, 0.5, D("50"), 2),
        ("alpha", "industry_tier", 6, 3, 0.5, D("50"), 3),
        ("B", "industry_tier", 6, 3, 0.5, D("20"), 4),
    ]


def test_whitespace_falls_back_to_the_tier_then_to_nothing(deeper):
    rows = query(
        deeper,
        "select account_id, product_line, peer_group, peers, peer_penetration, "
        "peer_median_revenue, rank from marts.account_whitespace "
        "where month = ? and account_id in ('KE', 'P0') order by account_id, rank",
        M,
    )
    assert rows == [
        # KE is the only Energy key account (0 industry peers < 5): its peers are the
        # other key accounts with revenue, R1..R7 (P0 has none). A: 7 / 7, C: 5 / 7
        ("KE", "A", "tier", 7, 1.0, D("100"), 1),
        ("KE", "C", "tier", 7, pytest.approx(5 / 7), D("30"), 2),
        # P0 has no revenue, so it is nobody's peer, but has 7 Retail key peers itself
        ("P0", "A", "industry_tier", 7, 1.0, D("100"), 1),
        ("P0", "C", "industry_tier", 7, pytest.approx(5 / 7), D("30"), 2),
    ]
    # S9, the only strategic account, has no peers at all; standard accounts buy no line;
    # R2..R4 lack only D (2 / 6)
    accounts = query(deeper, "select distinct account_id from marts.account_whitespace "
                             "where month = ? order by 1", M)
    assert accounts == [("KE",), ("P0",), ("R1",), ("R5",), ("R6",), ("R7",)]


def test_themes_of_the_last_twelve_months(deeper):
    rows = query(
        deeper,
        "select theme, mentions, negative_mentions, complaint_mentions, theme_rank, "
        "example_id, example_text from marts.account_themes "
        "where month = ? and account_id = 'T1' order by theme_rank",
        M,
    )
    assert rows == [
        # S-3 (CES 5, 发票 inside a longer phrase) and S-6 (CSAT 1, "invoices"): both
        # negative; the example is the newer negative one
        ("billing", 2, 2, 0, 1, "S-6", "Invoices wrong, price increase not agreed"),
        # S-4 ("DELAYED", "shipment"; NPS 9), complaint K-1 (物流 and "delay" between
        # Chinese characters) and K-3 ("re-delay", opened at the first instant of T12M);
        # the complaint is the example
        ("delivery", 3, 0, 1, 2, "K-1", "物流delay严重"),
        ("price", 1, 1, 0, 3, "S-6", "Invoices wrong, price increase not agreed"),
        # "quality" between Chinese characters matches
        ("quality", 1, 1, 0, 4, "S-1", "这批货quality太差"),
        ("relationship", 1, 0, 0, 5, "S-4", "Shipment was DELAYED but the account manager helped"),
    ]
    # S-2 "The latest update is great" mentions nothing ("late" is inside "latest"); S-5
    # is before T12M, K-2 after M, K-4 has a blank subject


def test_the_warning_back_test(deeper):
    rows = query(
        deeper,
        "select base_month, base_months, active, flagged, lapsed, flagged_lapsed, precision, "
        "recall from marts.portfolio_warning_backtest where month = ? "
        "order by base_month nulls last",
        M,
    )
    # Base months M-23..M-12 = 2024-11..2025-10, from 2025-01 on (L4's order of
    # 2025-01-10 is the earliest). Active: L4 (500 in 2025-01) and B1 (2025-01..03) from
    # 2025-01, L6 from 2025-03, L5 from 2025-06, L3 in 2025-10. Lapsed a year later: L4
    # always (nothing, then only its refund), B1 from 2025-03 (nothing after 2025-03-15),
    # L5 always; L6 and L3 order again. Flagged: B1 from 2025-05, when 77 days since
    # 03-15 exceed max(60, 2 x 29.5) (gaps 31 and 28 days); 46 days at 2025-04-30 do not.
    assert rows == [
        (date(2025, 1, 1), 1, 2, 0, 1, 0, None, 0.0),  # nobody flagged: precision null
        (date(2025, 2, 1), 1, 2, 0, 1, 0, None, 0.0),
        (date(2025, 3, 1), 1, 3, 0, 2, 0, None, 0.0),
        (date(2025, 4, 1), 1, 3, 0, 2, 0, None, 0.0),
        (date(2025, 5, 1), 1, 3, 1, 2, 1, 1.0, 0.5),
        (date(2025, 6, 1), 1, 4, 1, 3, 1, 1.0, pytest.approx(1 / 3)),
        (date(2025, 7, 1), 1, 4, 1, 3, 1, 1.0, pytest.approx(1 / 3)),
        (date(2025, 8, 1), 1, 4, 1, 3, 1, 1.0, pytest.approx(1 / 3)),
        (date(2025, 9, 1), 1, 4, 1, 3, 1, 1.0, pytest.approx(1 / 3)),
        (date(2025, 10, 1), 1, 5, 1, 3, 1, 1.0, pytest.approx(1 / 3)),
        # sums: 2+2+3+3+3+4+4+4+4+5 = 34 active, 6 flagged, 1+1+2+2+2+3+3+3+3+3 = 23
        # lapsed, 6 both: precision 6 / 6, recall 6 / 23
        (None, 10, 34, 6, 23, 6, 1.0, pytest.approx(6 / 23)),
    ]


def test_a_contract_currency_without_a_rate_for_its_start_month_fails_the_build(tmp_path):
    export = {**DEEPER_EXPORT, "fx_rates": [
        {"month": "2025-12", "currency": "USD", "rate_to_reporting": D("0.9")}]}
    warehouse = create_warehouse(tmp_path / "kam.duckdb", export)
    statuses = dict(dbt_build(warehouse, tmp_path / "target", month="2026-10"))
    # K3 is in USD and starts in 2025-11, which has no USD rate
    failed = [name for name, status in statuses.items() if status in ("fail", "error")]
    assert failed == ["every_contract_has_an_fx_rate_for_its_currency_and_start_month"]


def test_distribution_counts_every_key_account_with_a_value_once(deeper):
    """portfolio_distribution against the accounts it bands: each key account with a health
    score (or an NPS) in exactly one band of its tier, and every band present."""
    counted = dict(query(
        deeper,
        "select measure || '/' || tier, sum(accounts) from marts.portfolio_distribution "
        "where month = ? group by all", M))
    expected = dict(query(
        deeper,
        "select 'health_score/' || t.tier, count(h.health_score) from marts.account_tier t "
        "left join marts.account_health h using (account_id, month) "
        "where t.month = ? and t.tier in ('strategic', 'key') group by all "
        "union all "
        "select 'nps/' || t.tier, count(s.nps) from marts.account_tier t "
        "left join marts.account_satisfaction s using (account_id, month) "
        "where t.month = ? and t.tier in ('strategic', 'key') group by all", M, M))
    assert counted == expected
    bands = query(deeper, "select measure, count(distinct band), min(band_from), max(band_to) "
                  "from marts.portfolio_distribution where month = ? group by all order by 1", M)
    assert bands == [("health_score", 10, 0, 100), ("nps", 10, -100, 100)]
