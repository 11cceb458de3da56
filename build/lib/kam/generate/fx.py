"""Monthly exchange rates into USD: USD at 1, EUR and CNY drifting like real rates."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kam.generate.arrow import decimal_column, label_column
from kam.generate.parties import CURRENCIES
from kam.generate.window import Window

RATE_SCALE = 6  # decimal places written to fx_rates.csv
# (starting rate in USD, monthly volatility of the log rate)
DRIFT = {"USD": (1.0, 0.0), "EUR": (1.08, 0.018), "CNY": (0.14, 0.008)}


def make_rates(rng: np.random.Generator, window: Window) -> np.ndarray:
    """Rates in millionths of a USD, shaped (currencies, months)."""
    rates = np.empty((len(CURRENCIES), window.months), dtype=np.int64)
    for i, code in enumerate(CURRENCIES):
        start, volatility = DRIFT[code]
        steps = rng.normal(0.0, volatility, window.months)
        # mean reversion keeps a 3-year path within a plausible band around the start
        log_rate = np.zeros(window.months)
        log_rate[0] = 2 * steps[0]  # the window opens wherever the rate happened to be
        for m in range(1, window.months):
            log_rate[m] = 0.9 * log_rate[m - 1] + steps[m]
        rates[i] = np.rint(start * np.exp(log_rate) * 10**RATE_SCALE).astype(np.int64)
    return rates


def rates_table(window: Window, rates: np.ndarray) -> dict[str, pa.Array]:
    """One row per month and currency, months in order."""
    months = np.repeat(np.arange(window.months), len(CURRENCIES))
    currency = np.tile(np.arange(len(CURRENCIES)), window.months)
    return {
        "month": label_column(window.month_labels, months),
        "currency": label_column(CURRENCIES, currency),
        "rate_to_reporting": decimal_column(rates[currency, months], RATE_SCALE),
    }
