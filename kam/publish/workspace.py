"""Atomic publication of a month's outputs and of the warehouse.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they swapped in
with renames, so a reader never sees a partial PDF, a manifest listing a missing file, or a
warehouse between two months (a blocked month, exit 3, publishes nothing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class StagedMonth:
    """The hidden folder a run writes a month's outputs into before publishing them."""

    def __init__(self, out_dir: Path, month: str, run_id: str):
        self.out_dir = out_dir
        self.final_dir = out_dir / month
        self.path = out_dir / f".{month}.staging-{run_id}"

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
        return rejected

    def publish(self) -> Path:
        """Swap the staged folder in place of the month's folder."""
        previous = self.out_dir / f".{self.final_dir.name}.previous-{self.path.name}"
        if self.final_dir.exists():
            os.replace(self.final_dir, previous)
        os.replace(self.path, self.final_dir)
        if previous.exists():
            shutil.rmtree(previous, ignore_errors=True)
        return self.final_dir


class WorkingWarehouse:
    """A copy of the warehouse that a run writes to; swapped in only on success."""

    def __init__(self, warehouse: Path, run_id: str):
        self.target = warehouse
        # Same file name in a hidden folder: DuckDB names the catalog after the file, and
        # dbt records that name, so the copy must be called what the warehouse is called.
        self.folder = warehouse.parent / f".{warehouse.name}.{run_id}.work"
        self.path = self.folder / warehouse.name

    def __enter__(self) -> WorkingWarehouse:
        self._discard()
        self.folder.mkdir(parents=True)
        if self.target.exists():
            shutil.copy2(self.target, self.path)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._discard()

    def _discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def commit(self) -> None:
        os.replace(self.path, self.target)
