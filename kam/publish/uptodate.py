"""Is the month already done? A rerun with the same run id need not build anything again.

The run id is derived from the input files' sha256 and the configuration that changes
results (kam.run_id), so the same id means the same inputs and the same settings. A run
with an id that already succeeded for the month is redone only when what it left is not
intact:

- a full run (until publish): the month published under `OUT/M` carries this run id in its
  manifest, every listed file still has its sha256 and no file was added (kam verify's own
  check, against the warehouse's audit.runs and audit.validation_results too), and when a
  signing key is configured the manifest is signed;
- a run stopped earlier (`--until`): the warehouse records a successful run with this id for
  the month that went at least as far, and its `raw` tables still hold this run's load
  (audit.last_load), since a later load replaces them.

Anything else (a changed or missing file, another run id, a warehouse without the run)
gives None and the run does all its work as usual.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kam.publish.manifest import MANIFEST_NAME
from kam.publish.signing import signature_path
from kam.publish.verify import verify_month
from kam.settings import Stage

# what a run lists as the files it rendered
RENDERED_KINDS = {"account_review", "portfolio", "portfolio_workbook"}


@dataclass(frozen=True)
class UpToDate:
    """What an earlier run with the same id left, found intact."""

    reason: str  # one line for the run's summary
    month_dir: Path | None = None  # the published month, for a full run
    files: list[str] = field(default_factory=list)
    accounts_reviewed: int = 0


def _recorded_runs(warehouse: Path, run_id: str, month: str) -> list[tuple[str, int]]:
    """(how far, accounts reviewed) of this id's successful runs for the month."""
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute(
                "select message, accounts_reviewed from audit.runs where run_id = ? "
                "and status = 'success' and strftime(month, '%Y-%m') = ?",
                [run_id, month]).fetchall()
    except duckdb.Error:  # no audit.runs yet: a warehouse no run has finished on
        return []
    return [(str(message or "").removeprefix("stopped after "), int(reviewed or 0))
            for message, reviewed in rows]


def _holds_load_of(warehouse: Path, run_id: str) -> bool:
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            loads = {row[0] for row in con.execute(
                "select distinct run_id from audit.last_load").fetchall()}
    except duckdb.Error:
        return False
    return loads == {run_id}


def _published(out_dir: Path, month: str, run_id: str, warehouse: Path,
               signed: bool) -> UpToDate | None:
    month_dir = Path(out_dir) / month
    manifest_path = month_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("run_id") != run_id or (signed and not signature_path(manifest_path).is_file()):
        return None
    verification = verify_month(month_dir, warehouse=warehouse)
    if not verification.ok:
        return None
    files = sorted(entry["path"] for entry in manifest["files"]
                   if entry.get("kind") in RENDERED_KINDS)
    reviews = sum(entry.get("kind") == "account_review" for entry in manifest["files"])
    return UpToDate(
        f"{month} is already published by run {run_id} (same inputs and settings) and its "
        f"{verification.files_checked} files match their manifest: nothing to redo",
        month_dir, files, reviews)


def already_done(*, out_dir: Path, warehouse: Path, month: str, run_id: str, until: Stage,
                 signed: bool = False) -> UpToDate | None:
    """What a successful earlier run with `run_id` left for `month`, if intact; else None."""
    warehouse = Path(warehouse)
    if not warehouse.is_file():
        return None
    recorded = _recorded_runs(warehouse, run_id, month)
    if until is Stage.publish:
        if not any(reached == Stage.publish.value for reached, _ in recorded):
            return None
        return _published(out_dir, month, run_id, warehouse, signed)
    reached = [Stage(r) for r, _ in recorded if r in Stage.__members__]
    if not any(until.stops_by(stage) for stage in reached):
        return None
    if not _holds_load_of(warehouse, run_id):
        return None
    return UpToDate(f"{month}: the warehouse already holds run {run_id} (same inputs and "
                    f"settings) through {until.value}: nothing to redo")
