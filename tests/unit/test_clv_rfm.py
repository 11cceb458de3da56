"""Purchase histories (docs/metrics.md, CLV): one transaction per day, weeks = days / 7."""

from datetime import date

import pandas as pd
import pytest

from kam.clv.rfm import summarise_transactions


def orders(*rows):
    return pd.DataFrame(rows, columns=["account_id", "order_date", "amount"])


def test_the_documented_example_first_order_on_1_january():
    summary = summarise_transactions(orders(("A", "2026-01-01", 100.0)), date(2026, 9, 30))
    row = summary.iloc[0]
    assert row["x"] == 0
    assert row["t_x"] == 0
    assert row["T"] == pytest.approx(272 / 7)
    assert pd.isna(row["mean_repeat_spend"])
    assert row["mean_spend"] == 100.0


def test_same_day_rows_are_one_transaction_and_the_first_is_not_a_repeat():
    summary = summarise_transactions(
        orders(
            ("A", "2026-03-10", 30.0),
            ("A", "2026-01-01", 100.0),
            ("A", "2026-01-01", 50.0),   # same day as the first: one transaction of 150
            ("A", "2026-03-10", -10.0),  # a same-day refund nets into that day
            ("A", "2026-05-05", 60.0),
            ("A", "2026-10-01", 999.0),  # after the as-of date: ignored
        ),
        date(2026, 9, 30),
    )
    row = summary.iloc[0]
    assert row["transactions"] == 3
    assert row["x"] == 2
    assert row["t_x"] == pytest.approx(124 / 7)  # 1 January to 5 May
    assert row["mean_repeat_spend"] == pytest.approx((20.0 + 60.0) / 2)
    assert row["mean_spend"] == pytest.approx((150.0 + 20.0 + 60.0) / 3)


def test_a_refund_alone_on_a_day_is_still_a_transaction():
    summary = summarise_transactions(
        orders(("B", "2026-09-01", 80.0), ("B", "2026-09-15", -80.0)), date(2026, 9, 30)
    )
    row = summary.iloc[0]
    assert (row["x"], row["t_x"], row["T"]) == (1, 2.0, pytest.approx(29 / 7))
    assert row["mean_repeat_spend"] == -80.0


def test_accounts_are_summarised_separately_and_in_order():
    summary = summarise_transactions(
        orders(("B", "2026-09-30", 5.0), ("A", "2026-09-01", 1.0), ("A", "2026-09-08", 2.0)),
        date(2026, 9, 30),
    )
    assert summary["account_id"].tolist() == ["A", "B"]
    assert summary["x"].tolist() == [1, 0]
    assert summary["T"].tolist() == pytest.approx([29 / 7, 0.0])


def test_no_orders_give_an_empty_summary():
    summary = summarise_transactions(orders(("A", "2026-10-01", 1.0)), date(2026, 9, 30))
    assert summary.empty
