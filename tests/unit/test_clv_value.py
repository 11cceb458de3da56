"""Horizon, discounting and margin ratio of predicted_clv_12m, checked by hand."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from kam.clv.value import (
    discount_factors,
    discounted_purchases,
    margin_ratios,
    month_end_offsets_weeks,
)


def test_horizon_is_the_next_twelve_month_ends_in_weeks():
    weeks = month_end_offsets_weeks(date(2026, 9, 30))
    assert weeks[0] == pytest.approx(31 / 7)  # 31 October 2026
    assert weeks[4] == pytest.approx((31 + 30 + 31 + 31 + 28) / 7)  # 28 February 2027
    assert weeks[-1] == pytest.approx(365 / 7)  # 30 September 2027
    assert month_end_offsets_weeks(date(2027, 9, 30))[-1] == pytest.approx(366 / 7)


def test_twelve_monthly_factors_compound_to_the_annual_rate():
    factors = discount_factors(0.10)
    assert factors[-1] == pytest.approx(1 / 1.10)
    assert factors[0] == pytest.approx(1.10 ** (-1 / 12))
    assert np.all(np.diff(factors) < 0)


def test_discounted_purchases_value_each_months_increment():
    # one purchase a month; at 0% the value is the 12 purchases, at 10% the factors' sum
    cumulative = np.arange(1, 13, dtype=float)
    assert discounted_purchases(cumulative, 0.0)[0] == pytest.approx(12.0)
    expected = sum(1.10 ** (-k / 12) for k in range(1, 13))
    assert discounted_purchases(cumulative, 0.10)[0] == pytest.approx(expected)
    # all 3 purchases in month 2: discounted from the end of month 2
    lumpy = np.array([[0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]], dtype=float)
    assert discounted_purchases(lumpy, 0.10)[0] == pytest.approx(3 * 1.10 ** (-2 / 12))


def test_margin_ratio_own_then_portfolio_then_one():
    revenue = pd.Series({"A": 200.0, "B": 0.0, "C": 50.0})
    margin = pd.Series({"A": 50.0, "B": 0.0, "C": 25.0})
    ratios = margin_ratios(revenue, margin)
    assert ratios.loc["A"].tolist() == [0.25, "account"]
    assert ratios.loc["C"].tolist() == [0.5, "account"]
    assert ratios.loc["B", "margin_ratio"] == pytest.approx(75 / 250)
    assert ratios.loc["B", "margin_ratio_source"] == "portfolio"

    unknown = margin_ratios(pd.Series({"A": 0.0}), pd.Series({"A": 0.0}))
    assert unknown.loc["A"].tolist() == [1.0, "none"]
