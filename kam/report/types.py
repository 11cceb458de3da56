"""The values the report step exchanges with the flow: its input status and its output files."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

ReportKind = Literal["account_review", "portfolio", "portfolio_workbook"]


@dataclass(frozen=True)
class DataQualityStatus:
    """What validation said about this run's inputs; printed as each review's footnote."""

    success: bool
    run_id: str
    warnings: int = 0
    quarantined_rows: int = 0
    summary: str = ""

    @classmethod
    def from_validation(cls, validation, *, run_id: str) -> DataQualityStatus:
        """Summarise kam.validate's ValidationSummary (None: validation did not run)."""
        if validation is None:
            return cls(success=False, run_id=run_id, summary="validation did not run")
        return cls(
            success=bool(validation.success),
            run_id=getattr(validation, "run_id", None) or run_id,
            warnings=len(validation.warnings),
            quarantined_rows=int(validation.quarantined_rows),
            summary=validation.failure_line() or "",
        )


@dataclass(frozen=True)
class RenderedFile:
    """One document (a PDF, or the portfolio workbook) written under the month's folder, as
    listed in manifest.json."""

    path: str  # relative to out_dir, POSIX separators
    kind: ReportKind
    sha256: str
    account_id: str | None
    manager_id: str | None
    tier: str | None
    pages: int | None  # None: not a paged document (the workbook)

    def manifest_entry(self) -> dict:
        return asdict(self)
