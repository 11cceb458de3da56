"""`kam verify OUT/M`: does the published month still match what its run recorded?

Every file is hashed again and compared with `manifest.json`; the run id and the validation
result of the manifest are compared with `audit.runs` and `audit.validation_results` of the
warehouse (opened read-only); with a public key, the manifest's signature is checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kam.errors import UsageError
from kam.fileio import sha256_file
from kam.publish.manifest import MANIFEST_NAME
from kam.publish.signing import public_key, signature_matches, signature_path


@dataclass
class Verification:
    month_dir: Path
    files_checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # run, validation, signature
    notes: list[str] = field(default_factory=list)  # what was checked and held

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.problems)

    def lines(self) -> list[str]:
        found = [
            *(f"missing: {path}" for path in self.missing),
            *(f"changed: {path} (sha256 differs from the manifest)" for path in self.changed),
            *(f"extra:   {path} (not in the manifest)" for path in self.extra),
            *self.problems,
        ]
        verdict = (
            f"OK: {self.month_dir} matches its manifest"
            if self.ok
            else f"FAILED: {len(found)} discrepancies in {self.month_dir}"
        )
        return [*self.notes, *found, verdict]


def _published_files(month_dir: Path) -> set[str]:
    manifest = month_dir / MANIFEST_NAME
    return {
        path.relative_to(month_dir).as_posix()
        for path in month_dir.rglob("*")
        if path.is_file() and path not in (manifest, signature_path(manifest))
    }


def verify_month(
    month_dir: Path, *, warehouse: Path | None = None, public_key_path: Path | None = None
) -> Verification:
    month_dir = Path(month_dir)
    manifest_path = month_dir / MANIFEST_NAME
    if not manifest_path.is_file():
        raise UsageError(f"{manifest_path} does not exist", hint="give a published OUT/YYYY-MM")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    result = Verification(month_dir)
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    for path, sha256 in sorted(listed.items()):
        target = month_dir / path
        if not target.is_file():
            result.missing.append(path)
        elif sha256_file(target) != sha256:
            result.changed.append(path)
    result.files_checked = len(listed)
    result.extra = sorted(_published_files(month_dir) - set(listed))
    result.notes.append(
        f"files: {len(listed) - len(result.missing) - len(result.changed)} of {len(listed)} "
        "match their sha256"
    )
    if warehouse is not None:
        _check_warehouse(result, manifest, Path(warehouse))
    _check_signature(result, manifest_path, public_key_path)
    return result


def _check_warehouse(result: Verification, manifest: dict, warehouse: Path) -> None:
    if not warehouse.is_file():
        raise UsageError(f"warehouse {warehouse} does not exist")
    run_id, month = manifest["run_id"], manifest["month"]
    claimed = bool(manifest["validation"]["success"])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute(
            "select strftime(month, '%Y-%m'), status, validation_success from audit.runs "
            "where run_id = ?",
            [run_id],
        ).fetchall()
        (checks, blocking_failed) = con.execute(
            "select count(*), count(*) filter (where not success and severity = 'blocking') "
            "from audit.validation_results where run_id = ?",
            [manifest["validation"]["run_id"]],
        ).fetchone()
    if not runs:
        result.problems.append(f"run: {run_id} is not in audit.runs of {warehouse}")
    elif not any(row[0] == month and row[1] == "success" for row in runs):
        result.problems.append(
            f"run: {run_id} in audit.runs is not a successful run for {month} ({runs[0][:2]})"
        )
    elif any(row[2] is not None and bool(row[2]) != claimed for row in runs):
        result.problems.append(
            f"run: audit.runs records validation success {runs[0][2]}, the manifest {claimed}"
        )
    else:
        result.notes.append(f"run: {run_id} for {month} is recorded in audit.runs")
    recorded = checks > 0 and blocking_failed == 0
    if checks == 0:
        result.problems.append(
            f"validation: audit.validation_results has no result for run {run_id}"
        )
    elif recorded != claimed:
        result.problems.append(
            f"validation: the manifest says success={claimed}, audit.validation_results "
            f"has {blocking_failed} blocking failures in {checks} checks"
        )
    else:
        result.notes.append(
            f"validation: {checks} checks in audit.validation_results, "
            f"{blocking_failed} blocking failures, as the manifest says"
        )


def _check_signature(result: Verification, manifest_path: Path, key_path: Path | None) -> None:
    signed = signature_path(manifest_path).is_file()
    if key_path is None:
        if signed:
            result.notes.append("signature: present, not checked (no --public-key given)")
        return
    key = public_key(key_path)
    if not signed:
        result.problems.append(f"signature: {signature_path(manifest_path).name} is missing")
    elif not signature_matches(manifest_path, key):
        result.problems.append(
            f"signature: {signature_path(manifest_path).name} does not match manifest.json "
            f"under {key_path}"
        )
    else:
        result.notes.append(f"signature: valid for {key_path}")
