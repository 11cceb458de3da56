"""The run history: successful runs from `audit.runs`, failed and rejected ones from a
small side store beside the warehouse.

A failed run's working copy of the warehouse is discarded with everything it wrote, so its
record cannot live in `audit.runs`; it is appended, one JSON line per run, to
`<warehouse stem>.failed-runs.jsonl` next to the warehouse file. One `write` of one short
line in append mode, so concurrent appends do not interleave and no DuckDB writer is needed.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

STOPPED_AFTER = "stopped after "


@dataclass(frozen=True)
class RunRecord:
    month: str
    run_id: str | None
    status: str  # success / failed / rejected
    started_at: datetime | None
    finished_at: datetime | None
    stage: str | None  # the last stage reached
    reviews: int
    message: str | None  # the failure line; empty for a success

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("started_at", "finished_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["duration_seconds"] = self.duration_seconds
        return data


def failure_store(warehouse: Path) -> Path:
    return Path(warehouse).with_name(f"{Path(warehouse).stem}.failed-runs.jsonl")


def record_failure(warehouse: Path, record: RunRecord) -> Path:
    """Append a failed or rejected run to the side store; returns its path."""
    store = failure_store(warehouse)
    store.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record.as_json(), ensure_ascii=False, sort_keys=True) + "\n").encode()
    handle = os.open(store, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line)
        os.fsync(handle)
    finally:
        os.close(handle)
    return store


def _timestamp(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _successes(warehouse: Path) -> list[RunRecord]:
    if not Path(warehouse).exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        known = con.execute("select count(*) from information_schema.tables "
                            "where table_schema = 'audit' and table_name = 'runs'").fetchone()[0]
        if not known:
            return []
        rows = con.execute("select month, run_id, status, started_at, finished_at, "
                           "accounts_reviewed, message from audit.runs").fetchall()
    records = []
    for month, run_id, status, started, finished, reviews, message in rows:
        stage = message[len(STOPPED_AFTER):] if (message or "").startswith(STOPPED_AFTER) else None
        records.append(RunRecord(
            month=month.strftime("%Y-%m") if isinstance(month, date) else str(month),
            run_id=run_id, status=status, started_at=started, finished_at=finished,
            stage=stage, reviews=int(reviews or 0),
            message=None if status == "success" else message,
        ))
    return records


def _failures(warehouse: Path) -> list[RunRecord]:
    store = failure_store(warehouse)
    if not store.exists():
        return []
    records = []
    for line in store.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        records.append(RunRecord(
            month=data["month"], run_id=data.get("run_id"), status=data["status"],
            started_at=_timestamp(data.get("started_at")),
            finished_at=_timestamp(data.get("finished_at")), stage=data.get("stage"),
            reviews=int(data.get("reviews") or 0), message=data.get("message"),
        ))
    return records


def read_history(warehouse: Path) -> list[RunRecord]:
    """Every recorded run, oldest first."""
    records = _successes(warehouse) + _failures(warehouse)
    return sorted(records, key=lambda r: (r.started_at or datetime.min, r.month))
