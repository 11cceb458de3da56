"""Atomic publication of a month's outputs and of the warehouse.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they swapped in
with renames, so a reader never sees a partial PDF, a manifest listing a missing file, or a
warehouse between two months (a blocked month, exit 3, publishes nothing).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flows.files import sha256_file, write_atomic

MANIFEST_NAME = "manifest.json"

_KIND_BY_PREFIX = (
    ("accounts/", "account_review"),
    ("data_docs/", "data_docs"),
    ("dq/", "validation_results"),
    ("dbt_docs/", "dbt_docs"),
)
_KIND_BY_NAME = {"portfolio.pdf": "portfolio", "data_quality.pdf": "data_quality"}


def kind_of(relative_path: str) -> str:
    if relative_path in _KIND_BY_NAME:
        return _KIND_BY_NAME[relative_path]
    for prefix, kind in _KIND_BY_PREFIX:
        if relative_path.startswith(prefix):
            return kind
    return "other"


@dataclass
class FileEntry:
    path: str
    kind: str
    sha256: str
    account_id: str | None = None
    manager_id: str | None = None
    tier: str | None = None
    pages: int | None = None

    def as_json(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None or k == "sha256"}


@dataclass
class Manifest:
    month: str
    run_id: str
    validation_success: bool
    validation_run_id: str
    files: list[FileEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "month": self.month,
            "run_id": self.run_id,
            "validation": {"success": self.validation_success, "run_id": self.validation_run_id},
            "files": [f.as_json() for f in sorted(self.files, key=lambda f: f.path)],
        }


def build_manifest(
    staging_dir: Path,
    *,
    month: str,
    run_id: str,
    validation_success: bool,
    validation_run_id: str,
    described: dict[str, dict[str, object]] | None = None,
) -> Manifest:
    """Every file under the staging folder, with what the renderers said about it."""
    described = described or {}
    manifest = Manifest(month, run_id, validation_success, validation_run_id)
    for path in sorted(p for p in staging_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(staging_dir).as_posix()
        if relative == MANIFEST_NAME or path.name.startswith("."):
            continue
        extra = described.get(relative, {})
        manifest.files.append(
            FileEntry(
                path=relative,
                kind=str(extra.get("kind") or kind_of(relative)),
                sha256=sha256_file(path),
                account_id=extra.get("account_id"),  # type: ignore[arg-type]
                manager_id=extra.get("manager_id"),  # type: ignore[arg-type]
                tier=extra.get("tier"),  # type: ignore[arg-type]
                pages=extra.get("pages"),  # type: ignore[arg-type]
            )
        )
    return manifest


def write_manifest(staging_dir: Path, manifest: Manifest) -> Path:
    path = staging_dir / MANIFEST_NAME
    body = json.dumps(manifest.as_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, body.encode("utf-8"))
    return path


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
