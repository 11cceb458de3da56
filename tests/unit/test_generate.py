"""The synthetic export: canonical layout, determinism, integrity and B2B realism."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from statistics import mean, median

import numpy as np
import pytest

from kam.errors import UsageError
from kam.generate import generate_export
from kam.generate.tickets import _manager_load
from kam.generate.window import Window
from kam.month import Month
from kam.schema import TABLES

END_MONTH = Month(2026, 10)
ARGS = {"accounts": 150, "months": 24, "seed": 7, "end_month": END_MONTH}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("export")
    return out, generate_export(out, **ARGS)


@pytest.fixture(scope="module")
def rows(export) -> dict[str, list[dict[str, str]]]:
    out, _ = export
    tables = {}
    for name, table in TABLES.items():
        with open(out / table.file_name, encoding="utf-8", newline="") as f:
            tables[name] = list(csv.DictReader(f))
    return tables


def usd_revenue_by_account(rows) -> dict[str, Decimal]:
    rate = {(r["month"], r["currency"]): Decimal(r["rate_to_reporting"])
            for r in rows["fx_rates"]}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for o in rows["orders"]:
        if o["status"] != "cancelled":
            revenue[o["account_id"]] += Decimal(o["amount"]) * rate[(o["order_date"][:7],
                                                                     o["currency"])]
    return revenue


def test_window_counts_months_back_across_a_year_boundary():
    window = Window(Month(2026, 2), 3)
    assert window.month_labels == ["2025-12", "2026-01", "2026-02"]
    assert list(window.calendar_months) == [12, 1, 2]
    assert window.end_day - window.start_day == 31 + 31 + 28


@pytest.mark.parametrize("kwargs", [{"accounts": 0}, {"months": 0}, {"seed": -1}])
def test_bad_arguments_are_usage_errors(tmp_path, kwargs):
    with pytest.raises(UsageError):
        generate_export(tmp_path, **{**ARGS, **kwargs})


def test_same_arguments_give_identical_bytes_and_another_seed_differs(export, tmp_path):
    out, _ = export
    again = tmp_path / "again"
    other = tmp_path / "other"
    generate_export(again, **ARGS)
    generate_export(other, **{**ARGS, "seed": 8})
    for table in TABLES.values():
        original = (out / table.file_name).read_bytes()
        assert (again / table.file_name).read_bytes() == original, table.file_name
    assert (other / "orders.csv").read_bytes() != (out / "orders.csv").read_bytes()
    assert (other / "accounts.csv").read_bytes() != (out / "accounts.csv").read_bytes()


def test_every_file_has_the_schema_header_and_the_returned_row_count(export, rows):
    out, counts = export
    assert set(counts) == {t.file_name for t in TABLES.values()}
    for name, table in TABLES.items():
        first_line = (out / table.file_name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line == ",".join(table.column_names)
        assert counts[table.file_name] == len(rows[name])
    assert counts["accounts.csv"] == 150
    assert counts["fx_rates.csv"] == 24 * 3


def test_ids_follow_the_house_formats(rows):
    assert rows["accounts"][0]["account_id"] == "ACC-00001"
    assert rows["account_managers"][0]["manager_id"] == "AM-001"
    assert rows["orders"][0]["order_id"] == "ORD-0000001"
    assert all(re.fullmatch(r"TCK-\d{7}", t["ticket_id"]) for t in rows["tickets"])
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+\d*@example\.com", m["email"])
               for m in rows["account_managers"])


def test_references_resolve(rows):
    accounts = {a["account_id"] for a in rows["accounts"]}
    managers = {m["manager_id"] for m in rows["account_managers"]}
    manager_of = {a["account_id"]: a["account_manager_id"] for a in rows["accounts"]}
    assert set(manager_of.values()) <= managers
    for name in ("orders", "tickets", "surveys", "interactions", "contracts"):
        assert {r["account_id"] for r in rows[name]} <= accounts, name
    assert all(i["manager_id"] == manager_of[i["account_id"]] for i in rows["interactions"])


def test_about_one_manager_per_25_accounts_with_both_locales(rows):
    managers = rows["account_managers"]
    assert 5 <= len(managers) <= 8  # 150 accounts, rounded per team
    assert {m["locale"] for m in managers} == {"en", "zh-CN"}
    chinese_accounts = [a for a in rows["accounts"] if a["region"] == "China"]
    assert chinese_accounts
    assert all(re.search(r"[\u4e00-\u9fff]", a["account_name"]) for a in chinese_accounts)


def test_vocabularies_and_scales(rows):
    scales = {"NPS": (0, 10), "CSAT": (1, 5), "CES": (1, 7)}
    for s in rows["surveys"]:
        low, high = scales[s["survey_type"]]
        assert low <= int(s["score"]) <= high
    assert {s["survey_type"] for s in rows["surveys"]} == set(scales)
    assert {t["priority"] for t in rows["tickets"]} == {"urgent", "high", "normal", "low"}
    assert {t["category"] for t in rows["tickets"]} == {"complaint", "incident", "request",
                                                        "other"}
    assert {t["status"] for t in rows["tickets"]} == {"open", "resolved", "closed"}
    assert {i["interaction_type"] for i in rows["interactions"]} == {
        "visit", "call", "email", "meeting", "business_review"}
    assert {a["status"] for a in rows["accounts"]} == {"active", "inactive"}
    assert {a["tier_override"] for a in rows["accounts"]} <= {"", "strategic", "key",
                                                             "standard"}
    assert sum(a["tier_override"] != "" for a in rows["accounts"]) == 3


def test_nothing_is_dated_outside_the_window_or_before_the_account_existed(rows):
    created = {a["account_id"]: a["created_at"] for a in rows["accounts"]}
    first_day, after_end = "2024-11-01", "2026-11-01"
    stamped = {"orders": ["order_date"], "surveys": ["submitted_at"],
               "interactions": ["occurred_at"],
               "tickets": ["opened_at", "first_response_at", "resolved_at"]}
    for name, columns in stamped.items():
        for r in rows[name]:
            assert r[columns[0]] >= max(first_day, created[r["account_id"]]), (name, r)
            assert all(r[c] < after_end for c in columns), (name, r)
    assert max(a["created_at"] for a in rows["accounts"]) < after_end


def test_tickets_are_answered_and_resolved_after_they_open(rows):
    tickets = rows["tickets"]
    for t in tickets:
        if t["first_response_at"]:
            assert t["first_response_at"] >= t["opened_at"]
        if t["resolved_at"]:
            assert t["first_response_at"] and t["resolved_at"] >= t["first_response_at"]
        assert (t["status"] == "open") == (t["resolved_at"] == "")
    assert any(not t["first_response_at"] for t in tickets)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", tickets[0]["opened_at"])


def test_a_few_accounts_carry_most_revenue(rows):
    revenue = sorted(usd_revenue_by_account(rows).values(), reverse=True)
    top_fifth = revenue[: len(rows["accounts"]) // 5]
    assert sum(top_fifth) / sum(revenue) > Decimal("0.6")


def test_the_tier_rule_finds_all_three_tiers(rows):
    rate = {(r["month"], r["currency"]): Decimal(r["rate_to_reporting"])
            for r in rows["fx_rates"]}
    t12m: dict[str, Decimal] = defaultdict(Decimal)
    for o in rows["orders"]:
        if o["status"] != "cancelled" and o["order_date"] >= "2025-11-01":
            t12m[o["account_id"]] += Decimal(o["amount"]) * rate[(o["order_date"][:7],
                                                                  o["currency"])]
    ranked = sorted(((-v, k) for k, v in t12m.items() if v > 0))
    total = sum(-v for v, _ in ranked)
    tiers, above = defaultdict(int), Decimal(0)
    for negative_revenue, _ in ranked:
        share_before = above / total
        tiers["strategic" if share_before < Decimal("0.8") else
              "key" if share_before < Decimal("0.95") else "standard"] += 1
        above -= negative_revenue
    tiers["standard"] += len(rows["accounts"]) - len(ranked)
    assert 0 < tiers["strategic"] < tiers["key"] < tiers["standard"]
    assert tiers["strategic"] <= 0.2 * len(rows["accounts"])


def test_demand_peaks_in_q4_and_dips_in_summer(rows):
    by_month = defaultdict(int)
    for o in rows["orders"]:
        by_month[o["order_date"][:7]] += 1
    # same year, so portfolio growth does not blur the season
    summer = by_month["2025-07"] + by_month["2025-08"]
    assert by_month["2025-11"] + by_month["2025-12"] > 1.25 * summer


def test_orders_include_refunds_cancellations_blank_status_and_unknown_cost(rows):
    orders = rows["orders"]
    assert any(o["status"] == "cancelled" for o in orders)
    assert any(o["status"] == "" for o in orders)
    refunds = [o for o in orders if Decimal(o["amount"]) < 0]
    assert refunds and all(o["status"] != "cancelled" for o in refunds)
    unknown_cost = sum(o["cost"] == "" for o in orders) / len(orders)
    assert 0.02 < unknown_cost < 0.2
    assert {o["currency"] for o in orders} == {"USD", "EUR", "CNY"}
    assert len({o["product_line"] for o in orders}) == 7


def test_accounts_buy_part_of_the_range_so_peers_leave_whitespace(rows):
    lines_of = defaultdict(set)
    for o in rows["orders"]:
        lines_of[o["account_id"]].add(o["product_line"])
    buying = [len(lines) for lines in lines_of.values()]
    # nobody buys nothing, and a good share of accounts leave lines to sell to them
    assert min(buying) >= 1
    assert sum(count < 7 for count in buying) > len(buying) / 3


def test_contracts_chain_renewals_and_start_inside_the_window_or_just_after(rows):
    contracts = rows["contracts"]
    by_id = {c["contract_id"]: c for c in contracts}
    created = {a["account_id"]: a["created_at"] for a in rows["accounts"]}
    assert contracts and all(re.fullmatch(r"CTR-\d{5}", c) for c in by_id)
    assert {c["status"] for c in contracts} <= {"active", "cancelled"}
    for c in contracts:
        assert c["end_date"] > c["start_date"] >= max("2024-11-01", created[c["account_id"]])
        signed = c["signed_date"] or c["start_date"]
        assert signed < "2026-11-01", c  # nothing signed after the export was taken
        if c["start_date"] >= "2026-11-01":
            assert c["currency"] == "USD", c  # needs no rate of a month not exported
        if c["renewal_of"]:
            renewed = by_id[c["renewal_of"]]
            assert renewed["account_id"] == c["account_id"]
            assert date.fromisoformat(c["start_date"]).toordinal() == (
                date.fromisoformat(renewed["end_date"]).toordinal() + 1)
    assert any(c["renewal_of"] for c in contracts)
    assert any(c["signed_date"] == "" for c in contracts)
    assert min(Decimal(c["committed_value"]) for c in contracts) >= 0


def test_ticket_subjects_in_both_languages_with_some_blank(rows):
    subjects = [t["subject"] for t in rows["tickets"]]
    assert any(s == "" for s in subjects)
    assert any(re.search(r"[\u4e00-\u9fff]", s) for s in subjects)
    assert any(re.fullmatch(r"[A-Za-z :,'-]+", s) for s in subjects if s)


def test_fx_rates_list_every_month_with_usd_at_one(rows):
    window = Window(END_MONTH, 24)
    by_currency = defaultdict(dict)
    for r in rows["fx_rates"]:
        by_currency[r["currency"]][r["month"]] = Decimal(r["rate_to_reporting"])
    for currency in ("USD", "EUR", "CNY"):
        assert list(by_currency[currency]) == window.month_labels
    assert set(by_currency["USD"].values()) == {Decimal(1)}
    assert all(Decimal("0.9") < r < Decimal("1.3") for r in by_currency["EUR"].values())
    assert all(Decimal("0.12") < r < Decimal("0.16") for r in by_currency["CNY"].values())


def test_accounts_join_and_churn_inside_the_window(rows):
    joined = [a for a in rows["accounts"] if a["created_at"] >= "2024-11-01"]
    assert 0.2 < len(joined) / len(rows["accounts"]) < 0.6
    last_order = defaultdict(str)
    for o in rows["orders"]:
        last_order[o["account_id"]] = max(last_order[o["account_id"]], o["order_date"])
    inactive = [a["account_id"] for a in rows["accounts"] if a["status"] == "inactive"]
    assert inactive and all(last_order[a] < "2026-09-02" for a in inactive if a in last_order)
    stopped = [a for a, day in last_order.items() if day < "2026-07-01"]
    assert len(stopped) > len(inactive)


def test_manager_load_is_the_manager_month_ticket_count_over_the_median():
    manager = np.array([0, 0, 0, 1, 1, 0])
    month = np.array([0, 0, 0, 0, 1, 1])
    # cells: (m0, month0)=3, (m0, month1)=1, (m1, month0)=1, (m1, month1)=1 -> median 1
    assert list(_manager_load(manager, month, 2)) == [3.0, 3.0, 3.0, 1.0, 1.0, 1.0]


def test_busy_managers_answer_slower_and_slow_service_lowers_nps(tmp_path):
    out = tmp_path / "big"
    generate_export(out, accounts=400, months=12, seed=3, end_month=END_MONTH)
    with open(out / "tickets.csv", encoding="utf-8", newline="") as f:
        tickets = [t for t in csv.DictReader(f) if t["first_response_at"]]
    with open(out / "accounts.csv", encoding="utf-8", newline="") as f:
        manager_of = {a["account_id"]: a["account_manager_id"] for a in csv.DictReader(f)}
    with open(out / "surveys.csv", encoding="utf-8", newline="") as f:
        nps = [s for s in csv.DictReader(f) if s["survey_type"] == "NPS"]

    def hours(t):
        opened, answered = (np.datetime64(t[c].replace(" ", "T")) for c in
                            ("opened_at", "first_response_at"))
        return (answered - opened) / np.timedelta64(1, "h")

    queue = defaultdict(int)
    for t in tickets:
        queue[(manager_of[t["account_id"]], t["opened_at"][:7])] += 1
    normal = [t for t in tickets if t["priority"] == "normal"]
    busy = sorted(queue[(manager_of[t["account_id"]], t["opened_at"][:7])] for t in normal)
    threshold = median(busy)
    slow = [hours(t) for t in normal
            if queue[(manager_of[t["account_id"]], t["opened_at"][:7])] > threshold]
    quick = [hours(t) for t in normal
             if queue[(manager_of[t["account_id"]], t["opened_at"][:7])] <= threshold]
    assert median(slow) > 1.3 * median(quick)

    account_hours = defaultdict(list)
    for t in normal:
        account_hours[t["account_id"]].append(hours(t))
    typical = median(median(h) for h in account_hours.values())
    scores = defaultdict(list)
    for s in nps:
        if s["account_id"] in account_hours:
            served_slowly = median(account_hours[s["account_id"]]) > typical
            scores[served_slowly].append(int(s["score"]))
    assert mean(scores[True]) < mean(scores[False]) - 0.3
