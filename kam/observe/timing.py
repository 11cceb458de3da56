"""Where a run's time went: seconds per stage, shown in the run summary.

A run on a large export spends its time in a few places (start-up, landing, validation,
dbt, rendering, the working copy of the warehouse); the summary names them so that a slow
month can be explained without a profiler. Wall-clock seconds, measured with a monotonic
clock; nothing here changes what a run does.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Set by the command line once its imports are done, just before it calls the flow.
_cli_ready: float | None = None


def mark_cli_ready() -> None:
    """Note that the command line has imported everything and is about to start the flow."""
    global _cli_ready
    _cli_ready = time.time()


def _process_started() -> float | None:
    """The wall-clock instant this process started (Linux /proc), or None elsewhere."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        with open("/proc/uptime", "rb") as uptime:
            seconds_since_boot = float(uptime.read().split()[0])
    except (OSError, IndexError, ValueError):
        return None
    started_after_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return time.time() - seconds_since_boot + started_after_boot


class StageTimes:
    """Seconds spent per stage of one run, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def note_start_up(self) -> None:
        """Record what passed before the flow's first line: the imports (process start to
        the command line being ready) and the start of Prefect (its temporary API server,
        the flow run's creation). Only when run from `kam`, where both instants are known."""
        now, started = time.time(), _process_started()
        if _cli_ready is None or started is None:
            return
        self.seconds["imports"] = max(_cli_ready - started, 0.0)
        self.seconds["prefect start"] = max(now - _cli_ready, 0.0)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - began)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def line(self) -> str:
        """`time per stage: imports 6.1 s, prefect start 3.9 s, extract 20.4 s, ...`"""
        parts = [f"{name} {seconds:.1f} s" for name, seconds in self.seconds.items()]
        return "time per stage: " + (", ".join(parts) if parts else "-")
