"""One run at a time per warehouse.

A run (and `kam report`, which writes into a published month) holds an operating-system
lock on `.<warehouse>.lock` beside the warehouse for its whole length. The kernel releases
the lock when the holding process ends, however it ends, so a crashed run never blocks the
next one. Who holds the lock (pid, host, run, start time) is written to the sidecar
`.<warehouse>.lock.json`: a run that waits longer than `lock_timeout_seconds` stops with one
line naming the warehouse and that holder. A sidecar left by a dead holder is simply
overwritten by the next run that takes the lock.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from kam.errors import PipelineError
from kam.fileio import write_atomic

# Locks this process holds, by lock file: a backfill holds the lock for all its months and
# each monthly run inside it finds the lock already its own.
_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()


def lock_paths(warehouse: Path) -> tuple[Path, Path]:
    """The lock file and its JSON sidecar, beside the warehouse."""
    warehouse = Path(warehouse).absolute()
    return (warehouse.parent / f".{warehouse.name}.lock",
            warehouse.parent / f".{warehouse.name}.lock.json")


def read_holder(warehouse: Path) -> dict[str, object] | None:
    """What the sidecar says about the lock's (last) holder, if anything readable."""
    try:
        return json.loads(lock_paths(warehouse)[1].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _describe(holder: dict[str, object] | None) -> str:
    if not holder:
        return "another process (no holder recorded)"
    return (f"run {holder.get('run_id')} (pid {holder.get('pid')} on {holder.get('host')}, "
            f"started {holder.get('started_at')})")


@contextmanager
def warehouse_lock(warehouse: Path, run_id: str, timeout_seconds: float) -> Iterator[None]:
    """Hold the warehouse's lock for the block; wait up to `timeout_seconds` for it."""
    lock_file, sidecar = lock_paths(warehouse)
    with _HELD_GUARD:
        nested = lock_file in _HELD
        if nested:
            _HELD[lock_file] += 1
    if nested:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[lock_file] -= 1
        return

    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # fallback_to_soft=False: a lock file without a kernel lock would outlive a crash.
    # preserve_lock_file: deleting it on release would let two runs lock two inodes.
    lock = FileLock(lock_file, timeout=timeout_seconds, thread_local=False,
                    fallback_to_soft=False, preserve_lock_file=True)
    try:
        lock.acquire()
    except Timeout as exc:
        raise PipelineError(
            f"warehouse {Path(warehouse)} is in use by {_describe(read_holder(warehouse))}; "
            f"waited {timeout_seconds:g} s",
            hint="wait for that run to finish, or raise lock_timeout_seconds "
                 "(KAM_LOCK_TIMEOUT_SECONDS)",
        ) from exc
    try:
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "run_id": run_id,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "warehouse": str(Path(warehouse).absolute()),
        }
        # Overwrites whatever a dead holder left behind.
        write_atomic(sidecar, (json.dumps(holder, indent=2) + "\n").encode("utf-8"))
        with _HELD_GUARD:
            _HELD[lock_file] = 1
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD.pop(lock_file, None)
            sidecar.unlink(missing_ok=True)
    finally:
        lock.release()
