"""Evidence files that are the same bytes for the same inputs.

The month's manifest lists every file with its sha256 and identical runs must give an
identical manifest, so the JSON results and the Data Docs leave out what
Great Expectations stamps from the clock or a random generator.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# Result keys that change from one identical run to the next (clock or random ids).
VOLATILE_KEYS = {"id", "validation_time", "checkpoint_id", "validation_id", "ge_load_time"}
# Data Docs: a cache-busting clock stamp on the logo, random ids on collapsible blocks.
LOGO_STAMP = re.compile(r"(\.png)\?d=\d{8}T\d{6}\.\d{6}Z")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def strip_volatile(value: object) -> object:
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [strip_volatile(v) for v in value]
    return value


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def normalise_data_docs(docs_dir: Path, load_times: list[str], run_time: str) -> None:
    """Rewrite the rendered pages without clock stamps or random ids.

    Batch load times become the run's time (the month end); random ids become ordinal ids
    in order of appearance, which keeps each page's links to its own blocks working.
    """
    for page in sorted(docs_dir.rglob("*.html")):
        html = LOGO_STAMP.sub(r"\1", page.read_text(encoding="utf-8"))
        for stamp in filter(None, load_times):
            html = html.replace(stamp, run_time)
        page.write_text(_ordinal_ids(html), encoding="utf-8")


def _ordinal_ids(html: str) -> str:
    ordinals: dict[str, str] = {}
    return UUID.sub(lambda m: ordinals.setdefault(m.group(0), f"block-{len(ordinals) + 1}"), html)
