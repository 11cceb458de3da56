"""Per-account purchase history in the form both CLV models read (docs/metrics.md, Lifetime value).

One transaction per account per calendar day: same-day completed rows are summed, refunds
included (a day whose rows net to zero or less is still a transaction). The first
transaction starts the account's clock and is not a repeat. Times are days / 7, in weeks:
t_x from the first to the last transaction, T from the first transaction to `as_of` (the
last day of the reporting month). Spend per repeat transaction excludes the first one.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = [
    "account_id", "first_date", "last_date", "transactions", "x", "t_x", "T",
    "mean_repeat_spend", "mean_spend",
]


def summarise_transactions(orders: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per account with at least one transaction on or before `as_of`.

    `orders` holds completed order rows with columns account_id, order_date and amount
    (reporting currency); rows dated after `as_of` are ignored. Columns: x = repeat
    transactions, t_x and T in weeks, mean_repeat_spend (NaN when x = 0) and mean_spend
    over all transactions, the first included.
    """
    as_of_ts = pd.Timestamp(as_of)
    rows = orders.loc[:, ["account_id", "order_date", "amount"]].copy()
    rows["order_date"] = pd.to_datetime(rows["order_date"]).dt.normalize()
    rows["amount"] = rows["amount"].astype(float)
    rows = rows[rows["order_date"] <= as_of_ts]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})

    daily = rows.groupby(["account_id", "order_date"], as_index=False)["amount"].sum()
    daily = daily.sort_values(["account_id", "order_date"], kind="stable")
    per_account = daily.groupby("account_id", sort=True)
    summary = pd.DataFrame(
        {
            "first_date": per_account["order_date"].first(),
            "last_date": per_account["order_date"].last(),
            "transactions": per_account["amount"].size(),
            "total_spend": per_account["amount"].sum(),
            "first_spend": per_account["amount"].first(),
        }
    ).reset_index()

    day = pd.Timedelta(days=1)
    summary["x"] = summary["transactions"] - 1
    summary["t_x"] = (summary["last_date"] - summary["first_date"]) / day / 7
    summary["T"] = (as_of_ts - summary["first_date"]) / day / 7
    repeat = summary["x"] > 0
    summary["mean_repeat_spend"] = np.where(
        repeat,
        (summary["total_spend"] - summary["first_spend"]) / summary["x"].where(repeat, 1),
        np.nan,
    )
    summary["mean_spend"] = summary["total_spend"] / summary["transactions"]
    return summary[SUMMARY_COLUMNS]
