"""What a validation run found, in the shape the flow and the command line need."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Finding:
    """One failed expectation, with the first offending row as an example."""

    table: str
    column: str | None
    expectation: str
    severity: str
    rationale: str
    unexpected_count: int | None
    source_file: str | None = None
    source_line: int | None = None
    value: str | None = None

    def where(self) -> str:
        place = self.source_file or f"{self.table}.csv"
        if self.source_line is not None:
            place += f" line {self.source_line}"
        if self.column:
            place += f", column {self.column}"
        return place


@dataclass
class ValidationSummary:
    run_id: str
    month: str
    blocking_failures: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    quarantined_rows: int = 0
    expectations_evaluated: int = 0
    tables_validated: list[str] = field(default_factory=list)
    tables_not_provided: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)

    @property
    def success(self) -> bool:
        """True when nothing blocks the month; warnings only quarantine rows."""
        return not self.blocking_failures

    def failure_line(self) -> str | None:
        """One line naming file, row and column of the first blocking failure, or None."""
        if self.success:
            return None
        first = self.blocking_failures[0]
        value = f" (value {first.value!r})" if first.value is not None else ""
        more = len(self.blocking_failures) - 1
        also = f"; {more} more blocking failure(s) in dq/summary.json" if more else ""
        return (
            f"data quality: {first.where()}: {first.expectation} failed{value}: "
            f"{first.rationale.rstrip('.')}{also}; correct the export and run again"
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["success"] = self.success
        data["paths"] = [str(p) for p in self.paths]
        return data
