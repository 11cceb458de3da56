"""The months an export covers, and how events are scattered over the days accounts are active.

Days are integers counted from 1970-01-01 (numpy's datetime64[D] epoch) so that every
per-event computation stays a vectorised integer operation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kam.errors import UsageError
from kam.month import Month

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Window:
    """`months` calendar months ending with `end_month` (inclusive)."""

    end_month: Month
    months: int

    def __post_init__(self) -> None:
        if self.months < 1:
            raise UsageError(f"months must be at least 1, got {self.months}")

    @property
    def month_starts(self) -> np.ndarray:
        """First day of each month plus the first day after the window (months + 1 values)."""
        last = np.datetime64(str(self.end_month), "M")
        months = np.arange(last - self.months + 1, last + 2, dtype="datetime64[M]")
        return months.astype("datetime64[D]").astype(np.int64)

    @property
    def start_day(self) -> int:
        return int(self.month_starts[0])

    @property
    def end_day(self) -> int:
        """The first day after the window (exclusive bound)."""
        return int(self.month_starts[-1])

    @property
    def calendar_months(self) -> np.ndarray:
        """Calendar month number (1-12) of each month in the window."""
        months = self.month_starts[:-1].astype("datetime64[D]").astype("datetime64[M]")
        return months.astype(np.int64) % 12 + 1

    @property
    def month_labels(self) -> list[str]:
        months = self.month_starts[:-1].astype("datetime64[D]").astype("datetime64[M]")
        return [str(m) for m in months]


def active_days(window: Window, created_day: np.ndarray, churn_day: np.ndarray):
    """Per account and month, the half-open day range [lo, hi) in which the account buys.

    An account is active from its creation day until (excluding) its churn day. Returns
    lo, hi and the active share of each month, all shaped (accounts, months).
    """
    starts = window.month_starts
    lo = np.maximum(starts[None, :-1], created_day[:, None])
    hi = np.minimum(starts[None, 1:], churn_day[:, None])
    hi = np.maximum(hi, lo)
    share = (hi - lo) / np.diff(starts)[None, :]
    return lo, hi, share


def scatter_events(rng: np.random.Generator, expected: np.ndarray, lo: np.ndarray,
                   hi: np.ndarray):
    """Draw a Poisson number of events per (account, month) cell and a day for each.

    Returns the account index, month index and day of every event. Weekend days are
    mostly moved to the neighbouring Friday or Monday (B2B buyers work weekdays) when
    that day is still inside the cell's active range.
    """
    counts = rng.poisson(expected)
    cells = np.flatnonzero(counts)
    per_cell = counts.ravel()[cells]
    cell = np.repeat(cells, per_cell)
    account, month = np.divmod(cell, expected.shape[1])
    first, stop = lo.ravel()[cell], hi.ravel()[cell]
    day = first + (rng.random(cell.size) * (stop - first)).astype(np.int64)
    day = _mostly_weekdays(rng, day, first, stop)
    return account, month, day


def _mostly_weekdays(rng, day, first, stop):
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    moved = np.where(weekday == 5, day - 1, np.where(weekday == 6, day + 1, day))
    keep_weekend = rng.random(day.size) < 0.1
    inside = (moved >= first) & (moved < stop)
    return np.where(inside & ~keep_weekend, moved, day)


def office_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight: mostly office hours (08:00-18:00), some any time."""
    office = rng.integers(8 * 3600, 18 * 3600, n)
    anytime = rng.integers(0, SECONDS_PER_DAY, n)
    return np.where(rng.random(n) < 0.88, office, anytime)
