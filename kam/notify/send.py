"""Send a notice through every configured block; one broken block never hides the others."""

from __future__ import annotations

import logging

from prefect.blocks.core import Block

from kam.notify.messages import Notice

log = logging.getLogger(__name__)


def send_notice(block_names: list[str], notice: Notice) -> list[str]:
    """Send `notice` through each named block; returns one line per block that failed.

    A notification must never turn into the run's failure, so errors are logged and
    returned rather than raised.
    """
    problems = []
    for name in block_names:
        try:
            block = Block.load(name)
            block.notify(notice.body, subject=notice.subject)
        except Exception as exc:  # any block, any transport: report, never raise
            problems.append(f"notification block {name}: {type(exc).__name__}: {exc}")
            log.warning("could not notify through %s: %s", name, exc)
    return problems
