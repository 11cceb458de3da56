"""An auditor's tools on a real run: `kam explain` lists the rows behind every figure of an
account review (and they recompute it), `kam verify` names every tampered file and checks the
manifest's Ed25519 signature."""

from __future__ import annotations

import csv
import json
import re
import shutil
import statistics
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prefect.blocks.system import Secret

from flows.monthly_review import monthly_account_review
from kam.cli import cli
from kam.clv import bgnbd, gamma_gamma
from kam.clv.value import discounted_purchases, month_end_offsets_weeks
from kam.errors import UsageError
from kam.explain import ACCOUNT_METRICS, PORTFOLIO_METRICS, explain_metric
from kam.month import Month
from kam.publish import private_key_pem, sign_manifest
from kam.settings import Settings

MONTH = Month.parse("2026-10")
MONTH_END = date(2026, 10, 31)
TIER_LEVEL = {"standard": 0, "key": 1, "strategic": 2}


def _write_key_pair(folder: Path, name: str) -> tuple[Path, Path]:
    key = Ed25519PrivateKey.generate()
    private, public = folder / f"{name}.pem", folder / f"{name}.pub.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


def _busiest_account(export: Path) -> str:
    """The account with the most order rows in the 12 months to M: a key account with rows
    behind every figure."""
    with (export / "orders.csv").open(encoding="utf-8", newline="") as handle:
        counts = Counter(row["account_id"] for row in csv.DictReader(handle)
                         if row["order_date"] >= "2025-11-01")
    return max(sorted(counts), key=counts.__getitem__)


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


@pytest.fixture(scope="module")
def audited(sample_export, tmp_path_factory):
    """One signed run for 2026-10 on the sample export plus two rows validation quarantines
    for the busiest account: an order with an unknown status and an NPS score of 12."""
    root = tmp_path_factory.mktemp("audit")
    export = root / "export"
    shutil.copytree(sample_export, export)
    account = _busiest_account(export)
    _append(export / "orders.csv",
            f'"ORD-9999001","{account}",2026-10-20,"Hardware",1,500.00,100.00,"EUR","pending"')
    _append(export / "surveys.csv", f'"SRV-9999001","{account}",2026-10-12 10:00:00,"NPS",12,')
    private, public = _write_key_pair(root, "signing")
    _, other_public = _write_key_pair(root, "other")
    settings = Settings.load(input_dir=export, month=MONTH, out_dir=root / "output",
                             warehouse=root / "warehouse" / "kam.duckdb", signing_key=private)
    result = monthly_account_review(settings)
    return {"settings": settings, "result": result, "account": account, "public": public,
            "other_public": other_public}


def _explain(audited, name: str, month: Month = MONTH, **scope):
    settings = audited["settings"]
    return explain_metric(settings.warehouse, settings.dbt_target_dir, month=month,
                          metric_name=name, **scope)


# ---- how the listed rows give each figure (written here, independently of the models) ------

def _total(rows, column) -> Decimal:
    return sum((row[column] for row in rows), Decimal(0))


def _ratio(numerator, denominator):
    return None if denominator == 0 else numerator / denominator


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _nps(rows):
    points = [1 if r["score"] >= 9 else -1 if r["score"] <= 6 else 0 for r in rows]
    return _ratio(100.0 * sum(points), len(points))


def _revenue_change(rows):
    current = _total([r for r in rows if r["t12m_window"] == "T12M"], "converted_amount")
    prior = _total([r for r in rows if r["t12m_window"] == "prior T12M"], "converted_amount")
    return float((current - prior) / prior) if prior > 0 else None


def _own(rows, account):
    (row,) = [r for r in rows if r["account_id"] == account]
    return row


def _tier_of(rows, account):
    row = _own(rows, account)
    assert row["cum_share_before"] == pytest.approx(
        float(row["t12m_revenue_ranked_above"] / row["total_positive_t12m_revenue"]))
    revenues = [r["t12m_revenue"] for r in rows]
    assert revenues == sorted(revenues, reverse=True)  # the neighbourhood is the ranking
    computed = ("standard" if row["t12m_revenue"] <= 0 else "strategic"
                if row["cum_share_before"] < 0.80 else "key"
                if row["cum_share_before"] < 0.95 else "standard")
    assert computed == row["computed_tier"]
    return row["tier"]


def _tier_change(rows):
    if len(rows) == 1:
        return "new"
    before, now = (TIER_LEVEL[r["tier"]] for r in rows)
    return "up" if now > before else "down" if now < before else "same"


def _clv(explanation):
    days, inputs = explanation.rows, explanation.inputs
    x = len(days) - 1
    t_x = (days[-1]["order_date"] - days[0]["order_date"]).days / 7
    T = (MONTH_END - days[0]["order_date"]).days / 7
    assert (inputs["frequency_x"], inputs["recency_t_x"], inputs["age_T"]) == pytest.approx(
        (x, t_x, T))
    assert inputs["model"] == "bgnbd_gamma_gamma"
    params = bgnbd.BgNbdParams(inputs["r"], inputs["alpha"], inputs["a"], inputs["b"])
    spending = gamma_gamma.GammaGammaParams(inputs["p"], inputs["q"], inputs["gamma"])
    args = (np.array([x]), np.array([t_x]), np.array([T]))
    cumulative = np.column_stack([bgnbd.expected_purchases(params, t, *args)
                                  for t in month_end_offsets_weeks(MONTH_END)])
    mean_repeat_spend = float(_total(days[1:], "day_amount")) / x
    spend = gamma_gamma.expected_spend(spending, np.array([x]), np.array([mean_repeat_spend]))
    # stored to six decimals and to the cent (docs/metrics.md)
    return {
        "p_alive": round(bgnbd.p_alive(params, *args)[0], 6),
        "expected_purchases_12m": round(cumulative[0, -1], 6),
        "expected_avg_order_value": round(spend[0], 2),
        "predicted_clv_12m": round(inputs["margin_ratio"] * spend[0]
                                   * discounted_purchases(cumulative,
                                                          Settings().clv_discount_rate)[0], 2),
    }[explanation.metric.name]


def _days_since(latest):
    return None if latest is None else (MONTH_END - latest).days


def _churn(rows):
    if len(rows) < 3:
        return None
    gap = _median([r["gap_days"] for r in rows])
    return _days_since(rows[-1]["order_date"]) > max(60, 2 * gap)


# ---- the deeper review: lifecycle, contracts, renewals, cross-sell, themes ------------------

def _stage(rows, month_start: date) -> str:
    by_month = {r["month"]: r for r in rows if r["month"] <= month_start}
    window_start = Month.of(month_start).shift(-11).first_day
    ordered = [m for m in sorted(by_month) if by_month[m]["orders"] > 0]
    if not ordered:
        return "prospect"
    if sum(r["orders"] for m, r in by_month.items() if m >= window_start) == 0:
        return "lapsed"
    if ordered[0] >= window_start:
        return "formation"
    now = by_month[month_start]["t12m_revenue"]
    before_row = by_month.get(Month.of(month_start).shift(-12).first_day)
    before = before_row["t12m_revenue"] if before_row else None
    if before is not None and before > 0 and now < before * Decimal("0.80"):
        return "decline"
    return "stable"


def _contracts(explanation):
    figures = {}
    for contract in explanation.records:
        elapsed = (MONTH_END - contract["start_date"]).days + 1
        to_date = contract["committed_value"] * elapsed / contract["term_days"]
        revenue = _total([r for r in explanation.rows
                          if r["contract_id"] == contract["contract_id"]], "converted_amount")
        share = elapsed / contract["term_days"]
        fulfillment = _ratio(float(revenue), float(to_date))
        figures[contract["contract_id"]] = {
            "contract_committed_value": contract["committed_value"],
            "committed_to_date": float(to_date),
            "revenue_to_date": revenue,
            "fulfillment": fulfillment,
            "elapsed_share": share,
            "under_fulfilled": fulfillment is not None and fulfillment < 0.80 and share >= 0.25,
        }
    return {item: values[explanation.metric.name] for item, values in figures.items()}


def _renewals(explanation):
    rows, name = explanation.rows, explanation.metric.name
    figures = {}
    for due in (r for r in rows if r["is_due"]):
        days = (due["end_date"] - MONTH_END).days
        assert 0 < days <= 90
        renewed = any(r["renewal_of"] == due["contract_id"] != r["contract_id"] for r in rows)
        figures[due["contract_id"]] = {
            "renewal_end_date": due["end_date"], "days_to_end": days,
            "renewal_committed_value": due["committed_value"], "renewed": renewed,
            "renewal_at_risk": not renewed
            and explanation.inputs["health_status"] in {"red", "amber"},
        }[name]
    return figures


def _cross_sell(explanation):
    peers = {r["peer_account_id"] for r in explanation.records}
    figures = {}
    for line in explanation.value:
        on_line = [r for r in explanation.rows if r["product_line"] == line]
        assert _total([r for r in on_line if r["is_this_account"]], "converted_amount") <= 0
        by_peer = {peer: _total([r for r in on_line if r["account_id"] == peer],
                                "converted_amount") for peer in peers}
        buying = [amount for amount in by_peer.values() if amount > 0]
        figures[line] = {
            "peers": len(peers), "buying_peers": len(buying),
            "peer_penetration": len(buying) / len(peers),
            "peer_median_revenue": float(statistics.median(buying)),
        }[explanation.metric.name]
    return figures


def _counts(row) -> bool:
    text, keyword = row["text"].lower(), row["keyword"]
    if row["language"] != "en":
        return keyword in text
    return re.search(rf"(^|[^a-z0-9]){re.escape(keyword)}([^a-z0-9]|$)", text) is not None


def _themes(explanation):
    figures = {}
    for theme in explanation.value:
        texts = {(r["text_source"], r["text_id"]): r for r in explanation.rows
                 if r["theme"] == theme and _counts(r)}
        pressing = [r for r in texts.values() if r["is_negative"] or r["is_complaint"]]
        newest = sorted(pressing or texts.values(),
                        key=lambda r: (-r["written_at"].timestamp(), r["text_source"],
                                       r["text_id"]))[0]
        figures[theme] = {
            "theme_mentions": len(texts),
            "theme_negative_mentions": sum(r["is_negative"] for r in texts.values()),
            "theme_complaint_mentions": sum(r["is_complaint"] for r in texts.values()),
            "theme_example": newest["text"],
        }[explanation.metric.name]
    return figures


_DEEPER = {"contract_fulfillment": _contracts,
           "contract_renewals": _renewals, "account_whitespace": _cross_sell,
           "account_themes": _themes}


_OPERATORS = {"lt": lambda v, t: v < t, "le": lambda v, t: v <= t, "gt": lambda v, t: v > t,
              "ge": lambda v, t: v >= t}
_CONTRACT_COUNTS = {"under_fulfilled_contracts": "under_fulfilled",
                    "renewals_at_risk": "renewal_at_risk"}


def _risks(explanation, explain):
    """Each fired rule's value is the figure its metric explains to, and it breaks the rule."""
    fired = {}
    for rule in explanation.rows:
        metric, operator, threshold = rule["metric"], rule["operator"], rule["threshold"]
        if metric in _CONTRACT_COUNTS:
            figure = sum(explain(_CONTRACT_COUNTS[metric]).value.values())
        else:
            figure = explain(metric).value
        if operator in {"is_true", "is_false"}:
            assert figure is (operator == "is_true")
            fired[rule["rule_id"]] = "true" if figure else "false"
        elif operator == "eq":
            assert str(figure) == threshold
            fired[rule["rule_id"]] = str(figure)
        else:
            assert _OPERATORS[operator](float(figure), float(threshold))
            assert float(rule["metric_value"]) == pytest.approx(float(figure), rel=1e-6)
            fired[rule["rule_id"]] = rule["metric_value"]
    return fired


def _recompute(explanation, account, explain=None):
    rows, name = explanation.rows, explanation.metric.name
    base = name.removesuffix("_t12m")
    if name == "lifecycle_stage":
        return _stage(rows, MONTH.first_day)
    if name == "previous_stage":
        return _stage(rows, MONTH.shift(-1).first_day)
    if name == "risks":
        return _risks(explanation, explain)
    if explanation.metric.mart in _DEEPER:
        return _DEEPER[explanation.metric.mart](explanation)
    if name == "health_status":
        present = [r for r in rows if r["score"] is not None]
        score = sum(float(r["score"]) * float(r["weight"]) for r in present) / sum(
            float(r["weight"]) for r in present)
        return "green" if score >= 70 else "amber" if score >= 40 else "red"
    if name in {"revenue", "revenue_ytd", "t12m_revenue", "revenue_t12m_prior"}:
        return _total(rows, "converted_amount")
    if name == "gross_margin":
        return _total([r for r in rows if r["margin"] is not None], "margin")
    if name == "historical_clv":
        return sum((r["margin"] if r["converted_cost"] is not None else r["converted_amount"]
                    for r in rows), Decimal(0))
    if name == "margin_coverage":
        known = _total([r for r in rows if r["converted_cost"] is not None], "converted_amount")
        return _ratio(float(known), float(_total(rows, "converted_amount")))
    if name == "revenue_t12m_change":
        return _revenue_change(rows)
    if name == "share":
        row = _own(rows, account)
        return float(row["t12m_revenue"] / row["total_positive_t12m_revenue"])
    if name == "tier":
        return _tier_of(rows, account)
    if name == "tier_change":
        return _tier_change(rows)
    if name in {"p_alive", "expected_purchases_12m", "expected_avg_order_value",
                "predicted_clv_12m"}:
        return _clv(explanation)
    if name == "health_score":
        present = [r for r in rows if r["score"] is not None]
        return _ratio(sum(float(r["score"]) * float(r["weight"]) for r in present),
                      sum(float(r["weight"]) for r in present))
    if name == "nps":
        return _nps(rows)
    if name == "csat":
        return _ratio(100.0 * sum(r["score"] >= 4 for r in rows), len(rows))
    if name == "ces":
        return _ratio(float(sum(r["score"] for r in rows)), len(rows))
    if base == "sla_compliance":
        met = sum(r["sla_status"] == "met" for r in rows)
        return _ratio(100.0 * met, met + sum(r["sla_status"] == "missed" for r in rows))
    if base in {"sla_met", "sla_missed", "sla_pending"}:
        assert {r["sla_status"] for r in rows} <= {base.removeprefix("sla_")}
        return len(rows)
    if base == "median_first_response_hours":
        return _median([r["first_response_hours"] for r in rows])
    if base == "median_resolution_hours":
        return _median([r["resolution_hours"] for r in rows])
    if base == "complaints":
        assert {r["category"] for r in rows} <= {"complaint"}
        return len(rows)
    if name == "open_escalations":
        assert all(r["is_open_at_month_end"] and (r["priority"] in {"urgent", "high"}
                   or r["category"] == "complaint") for r in rows)
        return len(rows)
    if name == "open_tickets":
        assert all(r["is_open_at_month_end"] for r in rows)
        return len(rows)
    if name == "engagement_standard":
        (row,) = rows
        return {"strategic": 6, "key": 3, "standard": 1}[row["tier"]]
    if name == "meets_engagement_standard":
        (row,) = rows
        return row["interactions_90d"] >= row["engagement_standard"]
    if name == "days_since_last_visit_or_meeting":
        return _days_since(rows[0]["occurred_at"].date() if rows else None)
    if name == "days_since_last_order":
        return _days_since(rows[-1]["order_date"] if rows else None)
    if name == "median_gap_days":
        return _median([r["gap_days"] for r in rows]) if len(rows) >= 3 else None
    if name == "churn_risk":
        return _churn(rows)
    # counts: orders, responses, tickets opened, interactions
    return len(rows)


def test_the_busiest_account_is_reviewed_and_has_rows_behind_each_section(audited):
    account = audited["account"]
    with duckdb.connect(str(audited["settings"].warehouse), read_only=True) as con:
        (is_key,) = con.execute("select is_key_account from marts.account_review "
                                "where account_id = ? and month = ?",
                                [account, MONTH.first_day]).fetchone()
    assert is_key
    for name in ("revenue", "nps", "csat", "tickets_opened_t12m", "interactions_90d",
                 "p_alive", "health_score"):
        assert _explain(audited, name, account_id=account).rows, name


def _assert_same(expected, value):
    if isinstance(expected, dict):
        assert set(expected) == set(value)
        for item, figure in expected.items():
            _assert_same(figure, value[item])
    elif expected is None or value is None:
        assert expected is None and value is None
    elif isinstance(expected, Decimal):
        assert expected == value  # money is exact: no tolerance
    elif isinstance(expected, float):
        assert expected == pytest.approx(float(value), rel=1e-9, abs=1e-9)
    else:
        assert expected == value


@pytest.mark.parametrize("name", sorted(ACCOUNT_METRICS))
def test_the_listed_rows_recompute_every_figure_of_the_account_review(audited, name):
    account = audited["account"]
    explanation = _explain(audited, name, account_id=account)
    _assert_same(_recompute(explanation, account,
                            lambda metric: _explain(audited, metric, account_id=account)),
                 explanation.value)
    assert explanation.metric.mart in {node.name for node in explanation.lineage} | {
        "account_review"}
    assert explanation.definition  # the dbt column description


ITEMISED = sorted(name for name, metric in ACCOUNT_METRICS.items() if metric.item)


@pytest.mark.parametrize("name", ITEMISED)
def test_the_deeper_figures_recompute_for_a_key_account_that_has_them(audited, name):
    """Each contract, renewal, product line and theme figure, for the first key account
    whose review lists at least one item of it (the busiest account may have none)."""
    metric = ACCOUNT_METRICS[name]
    shown = f"and {metric.where}" if metric.where else ""
    with duckdb.connect(str(audited["settings"].warehouse), read_only=True) as con:
        found = con.execute(
            f"select min(m.account_id) from marts.{metric.mart} as m "
            "join marts.account_review as r using (account_id, month) "
            f"where m.month = ? and r.is_key_account {shown}",
            [MONTH.first_day]).fetchone()
    (account,) = found
    assert account is not None, f"the sample export gives no key account a {metric.mart} row"
    explanation = _explain(audited, name, account_id=account)
    assert explanation.value and explanation.rows
    _assert_same(_recompute(explanation, account,
                            lambda metric: _explain(audited, metric, account_id=account)),
                 explanation.value)
    (item, figure), *_ = explanation.value.items()
    one = _explain(audited, name, account_id=account, item=item)  # --item: just that one
    assert one.value == figure


def _portfolio_figure(explanation):
    rows, name = explanation.rows, explanation.metric.name
    if explanation.metric.mart == "portfolio_retention":
        base = _total(rows, "base_t12m_revenue")
        return {
            "nrr": float(_total(rows, "t12m_revenue") / base),
            "grr": float(sum((min(r["t12m_revenue"], r["base_t12m_revenue"]) for r in rows),
                             Decimal(0)) / base),
            "logo_retention": sum(r["t12m_revenue"] > 0 for r in rows) / len(rows),
            "base_accounts": len(rows),
        }[name]
    if explanation.metric.mart == "portfolio_renewals":
        by_manager = {}
        for manager in {r["manager_id"] for r in rows}:
            own = [r for r in rows if r["manager_id"] == manager]
            at_risk = [r for r in own if r["renewal_at_risk"]]
            by_manager[manager] = {
                "renewals_due": len(own), "committed_value_due": _total(own, "committed_value"),
                "renewals_at_risk": len(at_risk),
                "committed_value_at_risk": _total(at_risk, "committed_value"),
            }[name]
        return by_manager
    if name == "stage_moves":
        return dict(Counter(r["move"] for r in rows))
    return {
        "accounts": len(rows),
        "t12m_revenue": _total(rows, "t12m_revenue"),
        "share": sum(r["share"] for r in rows if r["t12m_revenue"] > 0),
    }[name]


@pytest.mark.parametrize("name", sorted(PORTFOLIO_METRICS))
def test_the_listed_accounts_recompute_the_portfolio_figures(audited, name):
    metric = PORTFOLIO_METRICS[name]
    explanation = _explain(audited, name, tier="key" if metric.by_tier else None)
    rows = explanation.rows
    assert rows
    if metric.by_tier:
        tiers = {r.get("tier", r.get("base_tier")) for r in rows}
        assert tiers == {"key"}
    expected = _portfolio_figure(explanation)
    if isinstance(expected, float):
        assert expected == pytest.approx(explanation.value, rel=1e-12)
    else:
        _assert_same(expected, explanation.value)


def test_an_earlier_month_is_explained_from_the_marts_that_keep_it(audited):
    """One run keeps 24 months of monthly revenue and 13 of T12M satisfaction: September's
    figures are read from those marts and the listed rows recompute them."""
    account, september = audited["account"], MONTH.shift(-1)
    revenue = _explain(audited, "revenue", month=september, account_id=account)
    assert revenue.read_from == "account_monthly.revenue"
    assert revenue.rows and {r["order_date"].month for r in revenue.rows} == {9}
    assert _total(revenue.rows, "converted_amount") == revenue.value
    assert any("history" in note for note in revenue.notes)
    nps = _explain(audited, "nps", month=september, account_id=account)
    assert nps.read_from == "account_satisfaction_monthly.nps_t12m"
    assert all(r["submitted_at"] < datetime(2026, 10, 1) for r in nps.rows)
    _assert_same(_nps(nps.rows), nps.value)


def test_a_month_kept_from_its_own_run_is_explained_with_a_note(audited, tmp_path):
    """A warehouse that also keeps September from a run for September (made here by adding
    that run's rows to a copy): September's revenue is read from the review's mart with the
    run named; rows evaluated as of October (tickets) are refused in one line."""
    copy = tmp_path / "warehouse" / "kam.duckdb"
    shutil.copytree(audited["settings"].warehouse.parent, copy.parent)
    account, september = audited["account"], MONTH.shift(-1).first_day
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "insert into marts.account_review select * replace (cast(? as date) as month, "
            "(select revenue from marts.account_monthly where account_id = ? and month = ?) "
            "as revenue) from marts.account_review where account_id = ? and month = ?",
            [september, account, september, account, MONTH.first_day])
        con.execute("insert into marts.account_service select * replace (cast(? as date) as "
                    "month) from marts.account_service where account_id = ? and month = ?",
                    [september, account, MONTH.first_day])
        con.execute("insert into audit.runs select * replace ('september0000000' as run_id, "
                    "cast(? as date) as month, finished_at - interval 1 day as finished_at) "
                    "from audit.runs where run_id = ?", [september, audited["result"].run_id])
    scope = {"month": MONTH.shift(-1), "metric_name": "revenue", "account_id": account}
    revenue = explain_metric(copy, audited["settings"].dbt_target_dir, **scope)
    assert revenue.read_from == "account_review.revenue" and revenue.run_id == "september0000000"
    assert _total(revenue.rows, "converted_amount") == revenue.value
    assert any("kept from run september0000000 for 2026-09" in note for note in revenue.notes)
    # that run recorded no export files, so they differ from those loaded now
    assert any("may not recompute" in note for note in revenue.notes)
    with pytest.raises(UsageError) as refused:
        explain_metric(copy, audited["settings"].dbt_target_dir,
                       **(scope | {"metric_name": "sla_compliance"}))
    assert refused.value.message.startswith(
        "the rows behind sla_compliance (staging.int_tickets_sla_evaluated) are evaluated as "
        "of 2026-10")


def test_a_month_a_mart_does_not_keep_is_refused_in_one_line(audited):
    settings, account = audited["settings"], audited["account"]
    result = CliRunner().invoke(cli, [
        "explain", "--month", "2026-09", "--account", account, "--metric", "sla_compliance",
        "--warehouse", str(settings.warehouse)])
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(
        "error: sla_compliance of 2026-09 is not kept: marts.account_service keeps 2026-10 (")


def test_quarantined_rows_that_would_have_counted_are_listed_with_their_reason(audited):
    account = audited["account"]
    revenue = _explain(audited, "revenue", account_id=account)
    assert [(q["row_key"], q["column_name"], q["value"]) for q in revenue.quarantined] == [
        ("ORD-9999001", "status", "pending")]
    assert "ORD-9999001" not in {r["order_id"] for r in revenue.rows}
    nps = _explain(audited, "nps", account_id=account)
    assert [(q["source_file"], q["row_key"], q["value"]) for q in nps.quarantined] == [
        ("surveys.csv", "SRV-9999001", "12")]
    assert all(q["reason"] for q in revenue.quarantined + nps.quarantined)


def test_explain_prints_the_value_as_the_pdf_shows_it_and_json_for_scripts(audited):
    settings, account = audited["settings"], audited["account"]
    args = ["explain", "--month", str(MONTH), "--account", account, "--metric", "nps",
            "--warehouse", str(settings.warehouse)]
    text = CliRunner().invoke(cli, args)
    assert text.exit_code == 0, text.output
    nps = _explain(audited, "nps", account_id=account)
    first_line = text.output.splitlines()[0]
    assert first_line == f"NPS (nps), account {account}, 2026-10: {nps.shown}"
    assert "marts.account_satisfaction.nps" in text.output
    assert "stg_crm__surveys" in text.output and "SRV-9999001" in text.output
    assert all(f"surveys.csv  {r['source_line']}" in text.output for r in nps.rows)
    as_json = CliRunner().invoke(cli, [*args, "--format", "json"])
    data = json.loads(as_json.output)
    assert data["shown"] == nps.shown and len(data["rows"]) == len(nps.rows)
    assert data["lineage"][-1]["name"] == "account_satisfaction"
    unknown = CliRunner().invoke(cli, [*args[:-2], "--metric", "npx"])
    assert unknown.exit_code == 2 and "unknown account metric 'npx'" in unknown.output


# ---- kam verify ---------------------------------------------------------------------------

def _verify(audited, month_dir: Path, public_key: Path | None):
    args = ["verify", str(month_dir), "--warehouse", str(audited["settings"].warehouse)]
    if public_key is not None:
        args += ["--public-key", str(public_key)]
    return CliRunner().invoke(cli, args)


def test_verify_passes_an_untouched_month_with_the_right_key(audited):
    result = _verify(audited, audited["result"].month_dir, audited["public"])
    assert result.exit_code == 0, result.output
    assert f"run: {audited['result'].run_id} for 2026-10 is recorded in audit.runs" in result.output
    assert "signature: valid" in result.output and result.output.splitlines()[-1].startswith("OK")


def test_verify_fails_with_a_wrong_key(audited):
    result = _verify(audited, audited["result"].month_dir, audited["other_public"])
    assert result.exit_code == 1
    assert "signature: manifest.json.sig does not match manifest.json" in result.output


def test_verify_names_the_changed_the_missing_and_the_extra_file(audited, tmp_path):
    month_dir = tmp_path / "2026-10"
    shutil.copytree(audited["result"].month_dir, month_dir)
    changed, deleted = sorted(p.relative_to(month_dir).as_posix()
                              for p in (month_dir / "accounts").glob("*.pdf"))[:2]
    with (month_dir / changed).open("ab") as handle:
        handle.write(b"%tampered\n")
    (month_dir / deleted).unlink()
    (month_dir / "accounts" / "added.pdf").write_bytes(b"%PDF-1.7\n")
    result = _verify(audited, month_dir, audited["public"])
    assert result.exit_code == 1
    assert f"changed: {changed} (sha256 differs from the manifest)" in result.output
    assert f"missing: {deleted}" in result.output
    assert "extra:   accounts/added.pdf (not in the manifest)" in result.output
    assert "signature: valid" in result.output  # the manifest itself was not touched
    assert "FAILED: 3 discrepancies" in result.output


def test_verify_fails_when_the_manifest_claims_another_run(audited, tmp_path):
    month_dir = tmp_path / "2026-10"
    shutil.copytree(audited["result"].month_dir, month_dir)
    manifest = json.loads((month_dir / "manifest.json").read_text())
    manifest["run_id"] = "0000000000000000"
    (month_dir / "manifest.json").write_text(json.dumps(manifest))
    result = _verify(audited, month_dir, None)
    assert result.exit_code == 1
    assert "run: 0000000000000000 is not in audit.runs" in result.output
    assert "signature: present, not checked" in result.output


# ---- the signing key from a Prefect Secret block ------------------------------------------

def test_a_manifest_signed_with_a_key_from_a_secret_block_verifies(audited, tmp_path):
    month_dir = tmp_path / "2026-10"
    shutil.copytree(audited["result"].month_dir, month_dir)
    (month_dir / "manifest.json.sig").unlink()
    private, public = _write_key_pair(tmp_path, "block")
    Secret(value=private.read_text(encoding="utf-8")).save("kam-audit-signing-key",
                                                           overwrite=True)
    settings = Settings.load(signing_key_secret="kam-audit-signing-key")
    pem = private_key_pem(settings.signing_key, settings.signing_key_secret)
    assert pem == private.read_bytes()
    sign_manifest(month_dir / "manifest.json", pem, where=settings.signing_key_secret)
    checked = _verify(audited, month_dir, public)
    assert checked.exit_code == 0, checked.output
    assert "signature: valid" in checked.output
    assert _verify(audited, month_dir, audited["public"]).exit_code == 1  # not the file's key


def test_a_missing_secret_block_is_named_in_one_line(audited):
    with pytest.raises(UsageError) as refused:
        private_key_pem(None, "kam-no-such-signing-key")
    assert refused.value.message == (
        "signing key: no Prefect Secret block named 'kam-no-such-signing-key'")
    assert "\n" not in refused.value.one_line()
