"""Read rendered PDFs back as text for assertions."""

from __future__ import annotations

from pathlib import Path

import pdfplumber


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)
