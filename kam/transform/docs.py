"""dbt's documentation site for reviewers, as one self-contained, reproducible HTML file.

`dbt docs generate` stamps its JSON with clocks, invocation ids, a user id and absolute
paths, and records compiled SQL that depends on earlier runs. Those are set to values
derived from the run, or dropped, before the JSON is inlined into dbt's own page, so the
same inputs give the same bytes and the page opens from disk with no server.

`dbt docs generate --static` inlines the same two documents, but as dbt wrote them, in
the same command that writes them: there is no moment to normalise them in between. So
kam asks dbt for the documents and the page, and does the two placeholder replacements
that `--static` would have done itself, after normalising.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kam.assets import DBT_PROJECT_DIR
from kam.fileio import write_atomic

_CLOCK_KEYS = {"generated_at", "invocation_started_at", "run_started_at"}
# Compiled SQL depends on run history (incremental models compile differently once their
# table exists, calling other macros); reviewers read the model source (raw_code) and its
# model lineage, which do not.
_HISTORY_KEYS = {"compiled_code", "compiled_path", "extra_ctes"}
_HISTORY_DEPENDENCIES = {"macros"}


def _normalise(node: Any, *, stamp: str, run_id: str, local: dict[str, str]) -> Any:
    if isinstance(node, dict):
        cleaned = {}
        for key, value in node.items():
            if key in _HISTORY_KEYS:
                continue
            if key in _CLOCK_KEYS:
                value = stamp
            elif key == "invocation_id":
                value = run_id
            elif key == "user_id":
                value = None
            elif key == "created_at" and isinstance(value, float):
                value = 0.0
            elif key == "depends_on" and isinstance(value, dict):
                value = {k: v for k, v in value.items() if k not in _HISTORY_DEPENDENCIES}
            elif isinstance(value, str) and value.startswith(tuple(local)):
                value = _relative(value, local)
            else:
                value = _normalise(value, stamp=stamp, run_id=run_id, local=local)
            cleaned[key] = value
        return cleaned
    if isinstance(node, list):
        return [
            _normalise(item, stamp=stamp, run_id=run_id, local=local)
            for item in node
        ]
    return node


def _relative(value: str, local: dict[str, str]) -> str:
    prefix = max((p for p in local if value.startswith(p)), key=len)
    return local[prefix] + value[len(prefix):]


def write_static_docs(target_dir: Path, out_path: Path, *, run_id: str, stamp: str) -> Path:
    """Inline the normalised manifest and catalog into dbt's index.html at out_path."""
    # Absolute paths of this machine's checkout or install become relative ones, so the page
    # is the same wherever kam runs.
    local = {str(target_dir.resolve()) + "/": ""}
    for project in {str(DBT_PROJECT_DIR), str(DBT_PROJECT_DIR.resolve())}:
        local |= {project + "/": "", project: "dbt_project"}
    documents = {
        name: _normalise(
            json.loads((target_dir / f"{name}.json").read_text()),
            stamp=stamp,
            run_id=run_id,
            local=local,
        )
        for name in ("manifest", "catalog")
    }
    page = (target_dir / "index.html").read_text()
    for name, document in documents.items():
        placeholder = f'"{name.upper()}.JSON INLINE DATA"'
        if placeholder not in page:
            raise RuntimeError(f"dbt's index.html has no {placeholder} placeholder")
        page = page.replace(placeholder, json.dumps(document, sort_keys=True))
    write_atomic(out_path, page.encode("utf-8"))
    return out_path
