"""Run ids derived from what determines a run's results, never from the clock.

Same input files, month and configuration give the same run id, so reruns are idempotent
and PDFs and manifests can be byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable


def derive_run_id(files: Iterable[tuple[str, str]], config: dict[str, object]) -> str:
    """A short hex id from (relative path, sha256) pairs and the result-relevant config."""
    payload = json.dumps(
        {"files": sorted(files), "config": config}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]
