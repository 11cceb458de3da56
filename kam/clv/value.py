"""From expected purchases and spend to a discounted 12-month margin (docs/metrics.md, CLV).

The horizon is the twelve calendar months after M. Month k (1..12) ends on the last day of
M+k; its length in weeks is measured like T, as days / 7 from the last day of M. Expected
purchases in month k are E[Y(t_k)] - E[Y(t_(k-1))], valued at the expected spend per
transaction times the margin ratio, and discounted from the end of month k at the monthly
rate (1 + annual_rate)^(1/12) - 1, so twelve months compound to exactly the annual rate:

    predicted_clv_12m = margin_ratio * E[Z] * sum_k (E[Y(t_k)] - E[Y(t_(k-1))])
                        / (1 + annual_rate)^(k/12)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from kam.month import Month

HORIZON_MONTHS = 12


def month_end_offsets_weeks(as_of: date, months: int = HORIZON_MONTHS) -> np.ndarray:
    """Weeks from `as_of` (the last day of M) to the last day of each of the next months."""
    month = Month.of(as_of)
    return np.array([(month.shift(k).last_day - as_of).days / 7 for k in range(1, months + 1)])


def discount_factors(annual_rate: float, months: int = HORIZON_MONTHS) -> np.ndarray:
    """1 / (1 + annual_rate)^(k/12) for k = 1..months (value at the end of month k)."""
    return (1.0 + annual_rate) ** (-np.arange(1, months + 1) / 12)


def discounted_purchases(cumulative_purchases: np.ndarray, annual_rate: float) -> np.ndarray:
    """Sum over months of each month's expected purchases times its discount factor.

    `cumulative_purchases` has one row per account and one column per month end:
    E[Y(t_1)], ..., E[Y(t_12)].
    """
    cumulative = np.atleast_2d(cumulative_purchases)
    monthly = np.diff(cumulative, axis=1, prepend=0.0)
    factors = discount_factors(annual_rate, cumulative.shape[1])
    # Month by month in a fixed order: a matrix product's BLAS kernel orders the additions
    # by the CPU, and the figures must not depend on the machine.
    discounted = np.zeros(cumulative.shape[0])
    for month, factor in enumerate(factors):
        discounted += monthly[:, month] * factor
    return discounted


def margin_ratios(known_cost_revenue: pd.Series, known_cost_margin: pd.Series) -> pd.DataFrame:
    """Each account's margin ratio and where it came from.

    Inputs are indexed by account_id: revenue and gross margin over the account's
    completed rows whose cost is known. The ratio is margin / revenue when that revenue
    is positive ("account"); otherwise the portfolio's ratio over all accounts' known-cost
    rows ("portfolio"); with no known-cost revenue anywhere it is 1 ("none"): the value
    counts in full, the reading historical_clv gives rows with unknown cost.
    """
    revenue = known_cost_revenue.astype(float)
    margin = known_cost_margin.reindex(revenue.index).astype(float).fillna(0.0)
    total_revenue = revenue.sum()
    portfolio_ratio = margin.sum() / total_revenue if total_revenue > 0 else None
    own = revenue > 0
    ratio = pd.Series(np.nan, index=revenue.index)
    ratio[own] = margin[own] / revenue[own]
    source = pd.Series("account", index=revenue.index, dtype=object)
    if portfolio_ratio is None:
        ratio[~own], source[~own] = 1.0, "none"
    else:
        ratio[~own], source[~own] = portfolio_ratio, "portfolio"
    return pd.DataFrame({"margin_ratio": ratio, "margin_ratio_source": source})
