"""Customer contracts: yearly or two-year commitments, most of them renewed back to back.

Larger accounts are more likely to sign one. A commitment is the account's own monthly
run rate over the export, times the term, times a negotiating factor, so some contracts
run ahead of plan and some fall behind. Every contract starts inside the export window
(fx_rates.csv covers only its months) or, for a renewal signed before the export was
taken, right after it; such early renewals are kept only for accounts billed in the rate-1
currency (USD), whose commitments need no rate of a month the export does not have yet.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kam.generate.arrow import date_column, decimal_column, id_column, id_width, label_column
from kam.generate.parties import CURRENCIES, Parties
from kam.generate.window import Window

RENEWAL_RATE = 0.8  # share of contracts renewed when the account is still buying
CANCELLED_SHARE = 0.03
UNSIGNED_SHARE = 0.2  # first contracts whose export leaves signed_date empty
RATE_ONE_CURRENCY = CURRENCIES.index("USD")


def make_contracts(rng: np.random.Generator, window: Window, parties: Parties,
                   orders: dict[str, pa.Array]) -> dict[str, pa.Array]:
    count = parties.size.size
    run_rate = _monthly_run_rate(window, parties, orders)
    signs = (rng.random(count) < np.clip(0.5 + 0.15 * np.log(parties.size), 0.1, 0.95)) & (
        run_rate > 0)
    first_start = _month_start(np.maximum(parties.created_day, window.start_day)
                               + rng.integers(0, 365, count))

    rows = []  # (account, start, end, cents, status, renewal_of row, signed or -1)
    for account in np.flatnonzero(signs):
        start, previous = int(first_start[account]), -1
        while True:
            months = 24 if rng.random() < 0.2 else 12
            end = _add_months(start, months) - 1
            factor = rng.lognormal(0.05, 0.25)
            cents = int(round(run_rate[account] * months * factor, -4))  # whole hundreds
            if previous < 0:
                signed = -1 if rng.random() < UNSIGNED_SHARE else start - int(rng.integers(5, 60))
            else:
                signed = start - int(rng.integers(30, 120))
            if (signed if signed >= 0 else start) >= window.end_day:
                break  # signed after the export was taken: not in it
            if start >= window.end_day and parties.currency[account] != RATE_ONE_CURRENCY:
                break  # would need the rate of a month the export does not have yet
            cancelled = rng.random() < CANCELLED_SHARE
            rows.append((account, start, end, cents, int(cancelled), previous, signed))
            # churn_day is the window's end for an account still buying
            still_buying = parties.churn_day[account] >= min(end, window.end_day)
            renewed = not cancelled and still_buying and rng.random() < RENEWAL_RATE
            if not renewed:
                break
            previous, start = len(rows) - 1, end + 1

    order = sorted(range(len(rows)), key=lambda i: (rows[i][1], rows[i][0]))
    number = {row: n for n, row in enumerate(order, start=1)}
    table = [rows[i] for i in order]
    account = np.array([r[0] for r in table], dtype=np.int64)
    previous = np.array([number.get(r[5], 0) for r in table], dtype=np.int64)
    signed = np.array([r[6] for r in table], dtype=np.int64)
    width = id_width(len(table), 5)
    return {
        "contract_id": id_column("CTR-", np.arange(1, len(table) + 1), width),
        "account_id": label_column(parties.account_ids, account),
        "start_date": date_column(np.array([r[1] for r in table], dtype=np.int64)),
        "end_date": date_column(np.array([r[2] for r in table], dtype=np.int64)),
        "committed_value": decimal_column(np.array([r[3] for r in table], dtype=np.int64), 2),
        "currency": label_column(CURRENCIES, parties.currency[account]),
        "status": label_column(["active", "cancelled"],
                               np.array([r[4] for r in table], dtype=np.int64)),
        "renewal_of": pc.if_else(pa.array(previous > 0),
                                 id_column("CTR-", previous, width), pa.scalar(None, pa.string())),
        "signed_date": pc.if_else(pa.array(signed >= 0), date_column(np.maximum(signed, 0)),
                                  pa.scalar(None, pa.date32())),
    }


def _monthly_run_rate(window: Window, parties: Parties, orders: dict[str, pa.Array]):
    """Completed revenue per active month, in cents of the account's own currency."""
    account = pc.index_in(orders["account_id"], value_set=pa.array(parties.account_ids))
    account = account.to_numpy(zero_copy_only=False)
    cents = pc.multiply(pc.cast(orders["amount"], pa.float64()), 100).to_numpy(
        zero_copy_only=False)
    completed = pc.fill_null(pc.not_equal(orders["status"], "cancelled"), True).to_numpy(
        zero_copy_only=False)
    revenue = np.bincount(account[completed], cents[completed], parties.size.size)
    first = np.maximum(parties.created_day, window.start_day)
    last = np.minimum(parties.churn_day, window.end_day)
    active_months = np.maximum((last - first) / 30.44, 1.0)
    return revenue / active_months


def _month_start(days: np.ndarray) -> np.ndarray:
    """The first day of the month after each day (or the day itself when it is a 1st)."""
    months = (np.asarray(days, dtype="datetime64[D]") - np.timedelta64(1, "D")).astype(
        "datetime64[M]") + 1
    return months.astype("datetime64[D]").astype(np.int64)


def _add_months(day: int, months: int) -> int:
    month = np.datetime64(int(day), "D").astype("datetime64[M]") + months
    return int(month.astype("datetime64[D]").astype(np.int64))
