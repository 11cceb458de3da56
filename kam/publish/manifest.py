"""The month's manifest: every published file with its sha256 and what it is about."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kam.fileio import sha256_file, write_atomic
from kam.publish.signing import sign_manifest, signature_path

MANIFEST_NAME = "manifest.json"

_KIND_BY_PREFIX = (
    ("accounts/", "account_review"),
    ("data_docs/", "data_docs"),
    ("dq/", "validation_results"),
    ("dbt_docs/", "dbt_docs"),
)
_KIND_BY_NAME = {"portfolio.pdf": "portfolio", "portfolio.xlsx": "portfolio_workbook",
                 "data_quality.pdf": "data_quality"}


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
        # the manifest and its signature describe the files; they cannot list themselves
        itself = (MANIFEST_NAME, signature_path(Path(MANIFEST_NAME)).name)
        if relative in itself or path.name.startswith("."):
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
    _write_json(path, manifest.as_json())
    return path


def replace_entry(
    month_dir: Path, entry: dict[str, object], signing_pem: bytes | None = None
) -> None:
    """Put one re-rendered file's entry into a published month's manifest, if it has one.

    The manifest changes, so its signature is made again with the signing key when one is
    configured, and removed otherwise: a signature of the previous manifest would be false.
    """
    path = month_dir / MANIFEST_NAME
    if not path.exists():
        return
    listing = json.loads(path.read_text(encoding="utf-8"))
    others = [f for f in listing["files"] if f["path"] != entry["path"]]
    kept = {key: value for key, value in entry.items() if value is not None}
    listing["files"] = sorted([*others, kept], key=lambda f: f["path"])
    _write_json(path, listing)
    if signing_pem is not None:
        sign_manifest(path, signing_pem)
    else:
        signature_path(path).unlink(missing_ok=True)


def _write_json(path: Path, document: dict[str, object]) -> None:
    body = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, body.encode("utf-8"))


