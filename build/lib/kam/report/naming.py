"""Output file names derived from account ids, safe on every file system."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_file_stem(account_id: str) -> str:
    """Return `account_id` unchanged when it is a plain name, else a cleaned, unique stem.

    Anything outside [A-Za-z0-9._-] becomes "_", leading dots are dropped (no hidden files,
    no "..") and a short hash of the original id is appended so that two ids that clean to
    the same text still get different files.
    """
    cleaned = _UNSAFE.sub("_", account_id).lstrip(".")[:80]
    if cleaned == account_id and cleaned:
        return cleaned
    digest = hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:8]
    return f"{cleaned or 'account'}-{digest}"
