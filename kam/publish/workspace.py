"""Crash-safe publication of a month's outputs and of the warehouse.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they switched in,
in this order:

1. the month: the staging folder (manifest included) is fsynced and renamed to a hidden
   version folder `OUT/.M.<run id>`, then the symbolic link `OUT/M` is switched to it by
   renaming a new link over the old one. rename(2) replaces the link in one step, so `OUT/M`
   always names a complete month (the old one or the new one) and is never absent;
2. the warehouse: the working copy is fsynced and renamed over the warehouse;
3. delivery (by the flow), which reads the published month.

A crash at any point leaves the published month and the warehouse as they were, or the
month switched and the warehouse not yet (the next run of the month redoes both). Whatever a
crashed run left behind (working copies, staging folders, unswitched versions, old
`.M.previous-*` folders) is removed by the next run, under the warehouse lock, before it
starts (`remove_leftovers`).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import re
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from kam.errors import PipelineError
from kam.fileio import fsync_dir, fsync_tree

# Hidden entries a run creates beside the month folders: `.2026-10.<something>`.
_MONTH_ENTRY = re.compile(r"\.(\d{4}-\d{2})\.(.+)")


def _current_version(link: Path) -> str | None:
    """The hidden folder name `OUT/M` points to, if `OUT/M` is a link."""
    return os.readlink(link) if link.is_symlink() else None


def remove_leftovers(out_dir: Path, warehouse: Path) -> list[Path]:
    """Delete what crashed runs left: working copies of the warehouse, staging folders,
    month versions no link points to. Call only while holding the warehouse lock."""
    removed: list[Path] = []
    out_dir, warehouse = Path(out_dir), Path(warehouse)
    if out_dir.is_dir():
        for entry in out_dir.iterdir():
            match = _MONTH_ENTRY.fullmatch(entry.name)
            if not match or _current_version(out_dir / match.group(1)) == entry.name:
                continue
            _remove(entry)
            removed.append(entry)
    if warehouse.parent.is_dir():
        for entry in warehouse.parent.glob(f".{warehouse.name}.*.work"):
            _remove(entry)
            removed.append(entry)
    return removed


def _remove(entry: Path) -> None:
    if entry.is_symlink() or not entry.is_dir():
        entry.unlink(missing_ok=True)
    else:
        shutil.rmtree(entry, ignore_errors=True)


class StagedMonth:
    """The hidden folder a run writes a month's outputs into before publishing them."""

    def __init__(self, out_dir: Path, month: str, run_id: str):
        self.out_dir = Path(out_dir)
        self.final_dir = self.out_dir / month
        self.month = month
        self.run_id = run_id
        self.path = self.out_dir / f".{month}.staging-{run_id}"

    def __enter__(self) -> StagedMonth:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)

    def keep_as_rejected(self) -> Path:
        """Move what a rejected run wrote (its data-quality evidence) aside for auditors.

        Nothing lands in the month's folder: the evidence goes to `_rejected/<month>-<run>`.
        """
        rejected = self.out_dir / "_rejected" / self.path.name.lstrip(".").replace(".staging", "")
        if rejected.exists():
            shutil.rmtree(rejected)
        rejected.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.path, rejected)
        fsync_dir(rejected.parent)
        return rejected

    def _new_version_name(self) -> str:
        # A rerun with the same run id must not reuse the folder the link points to now.
        base = f".{self.month}.{self.run_id}"
        names = [base, *(f"{base}.{n}" for n in range(1, 100))]
        return next(name for name in names if not (self.out_dir / name).exists())

    def publish(self) -> Path:
        """Switch `OUT/M` to the staged outputs in one atomic step; return `OUT/M`."""
        fsync_tree(self.path)
        version = self._new_version_name()
        os.rename(self.path, self.out_dir / version)
        fsync_dir(self.out_dir)
        previous = _current_version(self.final_dir)
        _switch_link(self.final_dir, version)
        fsync_dir(self.out_dir)
        if previous and previous != version and _MONTH_ENTRY.fullmatch(previous):
            shutil.rmtree(self.out_dir / previous, ignore_errors=True)
        return self.final_dir


def _switch_link(link: Path, target_name: str) -> None:
    """Make `link` a symbolic link to `target_name` (a sibling) without a moment where
    `link` does not exist."""
    temp = link.parent / f".{link.name}.link-{secrets.token_hex(4)}"
    os.symlink(target_name, temp)
    try:
        if link.is_dir() and not link.is_symlink():
            # A month published before links were used is a real folder; rename(2) cannot
            # put a link over a folder, so exchange the two, then drop the old folder.
            _exchange(temp, link)
            shutil.rmtree(temp)
        else:
            os.replace(temp, link)
    except BaseException:
        _remove(temp)
        raise


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> None:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); elsewhere fall back to
    two renames, with a moment where `second` is absent."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                           _RENAME_EXCHANGE)
        if result == 0:
            return
    aside = second.parent / f"{first.name}.aside"
    os.rename(second, aside)
    os.rename(first, second)
    os.rename(aside, first)


class WorkingWarehouse:
    """A copy of the warehouse that a run writes to; swapped in only on success."""

    def __init__(self, warehouse: Path, run_id: str):
        self.target = Path(warehouse)
        # Same file name in a hidden folder: DuckDB names the catalog after the file, and
        # dbt records that name, so the copy must be called what the warehouse is called.
        self.folder = self.target.parent / f".{self.target.name}.{run_id}.work"
        self.path = self.folder / self.target.name
        # dbt's target folder is the run's own: two runs never share manifests or logs.
        self.dbt_target = self.folder / "dbt_target"
        self.copy_seconds = 0.0  # shown in the run's time per stage

    def __enter__(self) -> WorkingWarehouse:
        began = time.monotonic()
        self._discard()
        self.folder.mkdir(parents=True)
        if self.target.exists():
            checkpoint(self.target)
            shutil.copy2(self.target, self.path)
        self.copy_seconds = time.monotonic() - began
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._discard()

    def _discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def commit(self) -> None:
        """Rename the working copy over the warehouse, durably."""
        checkpoint(self.path)
        if _wal(self.target).exists():
            raise PipelineError(
                f"{_wal(self.target)} appeared during the run: something else wrote to "
                f"{self.target}", hint="nothing was changed; stop the other writer and re-run")
        with open(self.path, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.path, self.target)
        fsync_dir(self.target.parent)
        # dbt's manifest of the models that built this warehouse stays beside it, where
        # `kam explain` reads the lineage (Settings.dbt_target_dir names the same folder)
        if self.dbt_target.exists():
            kept = self.target.parent / ".dbt_target"
            shutil.rmtree(kept, ignore_errors=True)
            os.replace(self.dbt_target, kept)


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def checkpoint(database: Path) -> None:
    """Fold a write-ahead log left beside `database` (by a process that died before its
    checkpoint) into the file, so a copy of the file holds everything and no stale log is
    replayed onto a different file later."""
    if not _wal(database).exists():
        return
    try:
        with contextlib.closing(duckdb.connect(str(database))) as con:
            con.execute("checkpoint")
    except duckdb.Error as exc:
        raise PipelineError(
            f"{database} has a write-ahead log that DuckDB cannot apply: {exc}",
            hint=f"move {_wal(database).name} aside after checking no process writes it") from exc


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt for the block, so a stopped run unwinds through
    its `with` blocks and removes its working copy and staging folder, as on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
