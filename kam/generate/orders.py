"""Orders: Poisson counts per account and month, shaped by size, season, growth and churn."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from kam.generate.arrow import (
    date_column,
    decimal_column,
    id_column,
    id_width,
    label_column,
)
from kam.generate.fx import RATE_SCALE
from kam.generate.parties import CURRENCIES, Parties
from kam.generate.window import Window, active_days, scatter_events

# Demand by calendar month: quarter-end pushes, summer dip, Q4 budget flush.
SEASONALITY = np.array([0.88, 0.93, 1.07, 0.97, 1.0, 1.05, 0.82, 0.76, 1.04, 1.08, 1.16, 1.26])
ORDERS_PER_MONTH = 2.8  # for an account of median size, before season and growth
SIZE_ELASTICITY = 0.55  # bigger accounts order more often ...
QUANTITY_ELASTICITY = 0.35  # ... and in larger quantities


@dataclass(frozen=True)
class ProductLine:
    name: str
    list_price_usd: float
    mean_quantity: float
    margin: float
    cost_unknown: float  # share of rows whose cost the CRM does not know


PRODUCT_LINES = [
    ProductLine("Hardware", 420.0, 3.0, 0.28, 0.04),
    ProductLine("Software Licenses", 1150.0, 2.0, 0.82, 0.03),
    ProductLine("Professional Services", 160.0, 12.0, 0.38, 0.18),
    ProductLine("Support Plans", 900.0, 1.0, 0.64, 0.05),
    ProductLine("Consumables", 35.0, 25.0, 0.45, 0.08),
    ProductLine("Cloud Services", 640.0, 2.0, 0.58, 0.06),
    ProductLine("Training", 280.0, 4.0, 0.42, 0.12),
]
# How likely an account of median size in each industry (rows, in parties.INDUSTRIES
# order) is to buy each product line at all (columns, in PRODUCT_LINES order). Bigger
# accounts buy more of the range; what a peer buys and an account does not is the
# cross-sell whitespace.
LINE_ADOPTION = np.array([
    # HW    SW    PS    SUP   CONS  CLOUD TRAIN
    [0.85, 0.45, 0.55, 0.60, 0.80, 0.30, 0.35],  # Manufacturing
    [0.60, 0.55, 0.35, 0.45, 0.75, 0.50, 0.25],  # Retail
    [0.55, 0.65, 0.50, 0.70, 0.60, 0.45, 0.40],  # Healthcare
    [0.35, 0.85, 0.60, 0.65, 0.20, 0.70, 0.35],  # Financial Services
    [0.50, 0.85, 0.55, 0.60, 0.25, 0.80, 0.45],  # Technology
    [0.75, 0.45, 0.40, 0.55, 0.70, 0.35, 0.30],  # Logistics
    [0.80, 0.50, 0.65, 0.60, 0.55, 0.30, 0.45],  # Energy
    [0.40, 0.70, 0.35, 0.45, 0.50, 0.60, 0.70],  # Education
])
STATUSES = ["completed", "cancelled"]


def make_orders(rng: np.random.Generator, window: Window, parties: Parties,
                rates: np.ndarray) -> dict[str, pa.Array]:
    lo, hi, share = active_days(window, parties.created_day, parties.churn_day)
    years = np.arange(window.months) / 12.0
    growth = np.exp(rng.normal(0.06, 0.15, parties.size.size)[:, None] * years[None, :])
    season = SEASONALITY[window.calendar_months - 1][None, :]
    rate = ORDERS_PER_MONTH * parties.size[:, None] ** SIZE_ELASTICITY
    account, month, day = scatter_events(rng, rate * season * growth * share, lo, hi)
    order = np.lexsort((account, day))  # order ids follow the calendar
    account, month, day = account[order], month[order], day[order]
    n = account.size

    product = _product_lines(rng, parties, account)
    lines = PRODUCT_LINES
    quantity = 1 + rng.poisson(np.array([p.mean_quantity for p in lines])[product]
                               * parties.size[account] ** QUANTITY_ELASTICITY)
    # bigger accounts negotiate bigger discounts, up to 30% off list
    discount = np.clip(0.08 + 0.04 * np.log(parties.size[account]), 0.0, 0.3)
    unit_usd = (np.array([p.list_price_usd for p in lines])[product] * (1 - discount)
                * rng.lognormal(0.0, 0.08, n))
    currency = parties.currency[account]
    to_local = 10**RATE_SCALE / rates[currency, month]
    amount = np.rint(quantity * unit_usd * to_local * 100).astype(np.int64)  # cents
    margin = np.clip(np.array([p.margin for p in lines])[product] + rng.normal(0, 0.06, n),
                     -0.1, 0.95)
    cost = np.rint(amount * (1 - margin)).astype(np.int64)
    cost_known = rng.random(n) >= np.array([p.cost_unknown for p in lines])[product]

    outcome = rng.random(n)
    cancelled = outcome < 0.03
    blank_status = (outcome >= 0.03) & (outcome < 0.045)
    refund = (outcome >= 0.045) & (outcome < 0.065)
    # a refund credits back all or part of an order: negative amount and cost
    refunded_share = rng.choice([1.0, 0.5, 0.25], n, p=[0.5, 0.3, 0.2])
    amount = np.where(refund, -np.rint(amount * refunded_share).astype(np.int64), amount)
    cost = np.where(refund, -np.rint(cost * refunded_share).astype(np.int64), cost)

    return {
        "order_id": id_column("ORD-", np.arange(1, n + 1), id_width(n, 7)),
        "account_id": label_column(parties.account_ids, account),
        "order_date": date_column(day),
        "product_line": label_column([p.name for p in lines], product),
        "quantity": pa.array(quantity, pa.int64()),
        "amount": decimal_column(amount, 2),
        "cost": decimal_column(cost, 2, cost_known),
        "currency": label_column(CURRENCIES, currency),
        "status": label_column(STATUSES, cancelled.astype(np.int64), ~blank_status),
    }


def _product_lines(rng, parties: Parties, account: np.ndarray) -> np.ndarray:
    """Each account buys the lines it has adopted (by industry and size), leaning towards
    a few of them (its own Dirichlet mix over the adopted lines)."""
    accounts, lines = parties.size.size, len(PRODUCT_LINES)
    chance = np.clip(LINE_ADOPTION[parties.industry] + 0.08 * np.log(parties.size)[:, None],
                     0.05, 0.97)
    adopted = rng.random((accounts, lines)) < chance
    favourite = rng.integers(0, lines, accounts)  # every account buys at least one line
    adopted[np.arange(accounts), favourite] = True
    weights = rng.dirichlet(np.full(lines, 0.7), accounts) * adopted
    mix = (weights / weights.sum(axis=1, keepdims=True)).cumsum(axis=1)
    draw = rng.random(account.size)
    return (draw[:, None] > mix[account]).sum(axis=1).clip(max=lines - 1)
