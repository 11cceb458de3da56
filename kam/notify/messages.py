"""What a notification says: one line of why, the run id, and where to look."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str


def _body(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


def failed_notice(month: str, run_id: str | None, reason: str, where: str | None) -> Notice:
    """A run that stopped with an error (exit 1): nothing new was published."""
    return Notice(
        subject=f"kam {month}: run failed",
        body=_body(
            f"kam run for {month} failed: {reason}",
            f"run id: {run_id or 'not derived (the run stopped before reading the export)'}",
            f"where to look: {where}" if where else None,
            "nothing was published for the month",
        ),
    )


def rejected_notice(month: str, run_id: str | None, reason: str, evidence: str | None) -> Notice:
    """A month rejected by a blocking data-quality failure (exit 3)."""
    return Notice(
        subject=f"kam {month}: month rejected by data quality",
        body=_body(
            f"kam rejected {month}: {reason}",
            f"run id: {run_id}",
            f"evidence: {evidence}" if evidence else None,
            "nothing was published for the month; correct the export and run again",
        ),
    )


def published_notice(month: str, run_id: str, reviews: int, where: str) -> Notice:
    return Notice(
        subject=f"kam {month}: {reviews} reviews published",
        body=_body(
            f"kam published {reviews} account reviews for {month}",
            f"run id: {run_id}",
            f"where: {where}",
        ),
    )
