"""Manager touchpoints: more of them, and more face to face, for bigger accounts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kam.generate.arrow import id_column, id_width, label_column, timestamp_column
from kam.generate.parties import Parties
from kam.generate.window import (
    SECONDS_PER_DAY,
    Window,
    active_days,
    office_seconds,
    scatter_events,
)

INTERACTION_TYPES = ["visit", "call", "email", "meeting", "business_review"]
SMALL_ACCOUNT_MIX = np.array([0.03, 0.32, 0.5, 0.13, 0.02])
LARGE_ACCOUNT_MIX = np.array([0.15, 0.25, 0.3, 0.2, 0.1])


def make_interactions(rng: np.random.Generator, window: Window,
                      parties: Parties) -> dict[str, pa.Array]:
    lo, hi, share = active_days(window, parties.created_day, parties.churn_day)
    expected = np.minimum(0.25 + 0.45 * parties.size[:, None] ** 0.45, 12.0) * share
    account, _, day = scatter_events(rng, expected, lo, hi)
    occurred = day * SECONDS_PER_DAY + office_seconds(rng, day.size)
    order = np.lexsort((account, occurred))
    account, occurred = account[order], occurred[order]
    n = account.size

    # the larger the account, the closer its mix to site visits and business reviews
    weight = np.clip(np.log(parties.size[account]) / 6 + 0.3, 0.0, 1.0)[:, None]
    mix = ((1 - weight) * SMALL_ACCOUNT_MIX + weight * LARGE_ACCOUNT_MIX).cumsum(axis=1)
    kind = (rng.random(n)[:, None] > mix).sum(axis=1).clip(max=len(INTERACTION_TYPES) - 1)
    return {
        "interaction_id": id_column("INT-", np.arange(1, n + 1), id_width(n, 7)),
        "account_id": label_column(parties.account_ids, account),
        "occurred_at": timestamp_column(occurred),
        "interaction_type": label_column(INTERACTION_TYPES, kind),
        "manager_id": label_column(parties.manager_ids, parties.manager[account]),
    }
