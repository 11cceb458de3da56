"""Skip re-rendering a document whose inputs have not changed since the last run.

A document's key is the sha256 of everything that shapes its bytes: its mart rows (the
fired risks of marts.account_risks among them), the month, run id, locale and data-quality
status, and a fingerprint of the templates, assets, translations and rendering code. The
cache keeps the last PDF rendered per document (`<name>.<key>.pdf` plus its page count); a
hit copies it into the month's folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import matplotlib
import weasyprint

from kam.assets import TEMPLATE_DIR
from kam.fileio import write_atomic
from kam.rendering.engine import Pdf

# The code that shapes a PDF: the report stage and the shared rendering package.
CODE_DIRS = [Path(str(files(package))) for package in ("kam.report", "kam.rendering")]


def _json_default(value):
    if isinstance(value, Decimal | dt.date | dt.datetime | dt.time):
        return f"{type(value).__name__}:{value}"
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of every file that shapes a PDF, so editing a template invalidates the cache."""
    digest = hashlib.sha256(f"{weasyprint.__version__}|{matplotlib.__version__}".encode())
    files = [*TEMPLATE_DIR.rglob("*"), *(p for d in CODE_DIRS for p in d.rglob("*"))]
    for path in sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(path.parents[1])).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def input_key(*parts) -> str:
    payload = json.dumps([code_fingerprint(), *parts], default=_json_default, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class RenderCache:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def _paths(self, name: str, key: str) -> tuple[Path, Path]:
        stem = f"{name}.{key[:32]}"
        return self.directory / f"{stem}.pdf", self.directory / f"{stem}.json"

    def get(self, name: str, key: str) -> Pdf | None:
        pdf_path, meta_path = self._paths(name, key)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            content = pdf_path.read_bytes()
        except (OSError, ValueError):
            return None
        pdf = Pdf(content=content, pages=meta["pages"])
        return pdf if pdf.sha256 == meta.get("sha256") else None

    def put(self, name: str, key: str, pdf: Pdf) -> None:
        pdf_path, meta_path = self._paths(name, key)
        for stale in self.directory.glob(f"{name}.*"):
            if stale not in (pdf_path, meta_path) and stale.name.count(".") == name.count(".") + 2:
                stale.unlink(missing_ok=True)
        write_atomic(pdf_path, pdf.content)
        write_atomic(meta_path, json.dumps({"pages": pdf.pages, "sha256": pdf.sha256})
                         .encode("utf-8"))
