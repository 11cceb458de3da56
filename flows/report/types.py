"""The values the report step exchanges with the flow: its input status and its output files."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

ReportKind = Literal["account_review", "portfolio"]


@dataclass(frozen=True)
class DataQualityStatus:
    """What validation said about this run's inputs; printed as each review's footnote."""

    success: bool
    run_id: str
    warnings: int = 0
    quarantined_rows: int = 0
    summary: str = ""


@dataclass(frozen=True)
class RenderedFile:
    """One PDF written under the month's folder, as listed in manifest.json (CONTRACT §4)."""

    path: str  # relative to out_dir, POSIX separators
    kind: ReportKind
    sha256: str
    account_id: str | None
    manager_id: str | None
    tier: str | None
    pages: int

    def manifest_entry(self) -> dict:
        return asdict(self)
