"""Surveys: quarterly NPS per account, CSAT and CES after resolved tickets.

Every score follows the account's service quality (slow first responses lower it), with
noise, and is kept inside its scale: NPS 0-10, CSAT 1-5, CES 1-7 (7 = very easy).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kam.generate.arrow import (
    id_column,
    id_width,
    label_column,
    timestamp_column,
    with_nulls,
)
from kam.generate.parties import Parties
from kam.generate.tickets import TicketFacts
from kam.generate.window import SECONDS_PER_DAY, Window, active_days, office_seconds

SURVEY_TYPES = ["NPS", "CSAT", "CES"]
SCALES = {"NPS": (0, 10), "CSAT": (1, 5), "CES": (1, 7)}
COMMENTS = {
    # (English, Chinese) by sentiment: negative, neutral, positive
    0: (["Response times are too slow.", "Too many escalations this quarter.",
         "Invoices keep arriving with errors."],
        ["响应太慢了。", "问题一直没有解决。", "发票经常出错。"]),
    1: (["Service is fine, pricing could be better.", "Okay overall.",
         "Onboarding took longer than planned."],
        ["整体还可以。", "价格可以再优惠一些。", "实施周期有点长。"]),
    2: (["Great support team!", "Our account manager is very responsive.",
         "Smooth delivery, thank you."],
        ["服务很好，谢谢！", "客户经理响应很及时。", "交付顺利。"]),
}
COMMENT_SHARE = 0.25


def make_surveys(rng: np.random.Generator, window: Window, parties: Parties,
                 tickets: TicketFacts) -> dict[str, pa.Array]:
    accounts = parties.size.size
    # the account's standing opinion: worse where first responses are slow
    sentiment = -0.9 * tickets.account_slowness + rng.normal(0.0, 0.6, accounts)
    nps_account, nps_at = _relationship_surveys(rng, window, parties)
    after_ticket = tickets.resolved & (rng.random(tickets.account.size) < 0.45)
    t_account = tickets.account[after_ticket]
    t_at = tickets.resolved_at[after_ticket] + rng.integers(600, 3 * SECONDS_PER_DAY,
                                                            t_account.size)
    t_type = np.where(rng.random(t_account.size) < 0.65, 1, 2)
    t_slowness = tickets.slowness[after_ticket]

    account = np.concatenate([nps_account, t_account])
    submitted = np.concatenate([nps_at, t_at])
    kind = np.concatenate([np.zeros(nps_account.size, dtype=np.int64), t_type])
    mood = sentiment[account] - 0.5 * np.concatenate([np.zeros(nps_account.size), t_slowness])
    keep = submitted < window.end_day * SECONDS_PER_DAY
    order = np.lexsort((account[keep], submitted[keep]))
    account, submitted, kind, mood = (x[keep][order] for x in (account, submitted, kind, mood))

    score = _scores(rng, kind, mood)
    return {
        "response_id": id_column("SRV-", np.arange(1, account.size + 1),
                                 id_width(account.size, 7)),
        "account_id": label_column(parties.account_ids, account),
        "submitted_at": timestamp_column(submitted),
        "survey_type": label_column(SURVEY_TYPES, kind),
        "score": pa.array(score, pa.int64()),
        "comment": _comments(rng, score, kind, parties.chinese[account]),
    }


def _relationship_surveys(rng, window: Window, parties: Parties):
    """NPS invitations go out in the last month of each quarter; bigger accounts answer more."""
    lo, hi, share = active_days(window, parties.created_day, parties.churn_day)
    quarter_end = np.isin(window.calendar_months, [3, 6, 9, 12])
    expected = (0.35 + 0.25 * parties.size[:, None] ** 0.3) * share * quarter_end[None, :]
    counts = rng.poisson(expected)
    cells = np.repeat(np.arange(counts.size), counts.ravel())
    first, stop = lo.ravel()[cells], hi.ravel()[cells]
    day = first + (rng.random(cells.size) * (stop - first)).astype(np.int64)
    seconds = day * SECONDS_PER_DAY + office_seconds(rng, cells.size)
    return cells // window.months, seconds


def _scores(rng, kind, mood):
    noise = rng.normal(0.0, 1.0, kind.size)
    raw = np.select(
        [kind == 0, kind == 1],
        [7.6 + 1.4 * mood + 1.5 * noise, 4.0 + 0.6 * mood + 0.7 * noise],
        5.4 + 0.9 * mood + 1.0 * noise,
    )
    low = np.array([SCALES[t][0] for t in SURVEY_TYPES])[kind]
    high = np.array([SCALES[t][1] for t in SURVEY_TYPES])[kind]
    return np.clip(np.rint(raw), low, high).astype(np.int64)


def _comments(rng, score, kind, chinese):
    """A short comment on some responses, in Chinese for Chinese accounts."""
    low = np.array([SCALES[t][0] for t in SURVEY_TYPES])[kind]
    high = np.array([SCALES[t][1] for t in SURVEY_TYPES])[kind]
    position = (score - low) / (high - low)
    sentiment = np.digitize(position, [0.55, 0.8])
    pick = rng.integers(0, 3, score.size)
    labels = [COMMENTS[s][lang][i] for lang in (0, 1) for s in (0, 1, 2) for i in range(3)]
    index = chinese.astype(np.int64) * 9 + sentiment * 3 + pick
    column = label_column(labels, index)
    return with_nulls(column, rng.random(score.size) < COMMENT_SHARE)
