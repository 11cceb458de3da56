"""Matching an export's headers onto canonical columns, and the errors when one is missing."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from kam.errors import DataQualityError

_SEPARATORS = re.compile(r"[\s_\-./]+")


def normalize_header(name: str) -> str:
    """Case-, width- and space-insensitive form: 'Close Date', 'close_date', 'CLOSE-DATE'."""
    folded = unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip().casefold()
    return _SEPARATORS.sub("", folded)


def closest(wanted: str, candidates: Iterable[str]) -> str | None:
    candidates = list(candidates)
    by_normal = {normalize_header(c): c for c in candidates}
    hits = difflib.get_close_matches(normalize_header(wanted), list(by_normal), n=1, cutoff=0.5)
    return by_normal[hits[0]] if hits else None


def _listing(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "(none)"


def missing_column_error(file: str, column: str, aliases: Sequence[str],
                         found: Sequence[str], *, purpose: str = "") -> DataQualityError:
    match = None
    for alias in aliases or [column]:
        match = match or closest(alias, found)
    others = [a for a in aliases if a != column]
    looked_for = f" (looked for: {', '.join(others)})" if others else ""
    what = f"column '{column}' {purpose}" if purpose else f"required column '{column}'"
    return DataQualityError(
        f"{file}: {what}{looked_for} not found; columns found: {_listing(found)}; "
        f"closest match: {repr(match) if match else 'none'}",
        hint="rename the column or map it in the profile",
    )


def missing_file_error(file: str, folder: str, found: Sequence[str], *,
                       wanted: str | None = None) -> DataQualityError:
    match = closest(wanted or file, found)
    return DataQualityError(
        f"{file}: required file not found in {folder}; files found: {_listing(found)}; "
        f"closest match: {repr(match) if match else 'none'}",
        hint="add the file or map it in the profile",
    )


def match_columns(found: Sequence[str], aliases: Mapping[str, Sequence[str]]
                  ) -> dict[str, int]:
    """Canonical column -> index of the export column whose header matches one alias.

    Aliases are tried in order, so a profile lists its preferred header first.
    """
    positions: dict[str, int] = {}
    for index, name in enumerate(found):
        positions.setdefault(normalize_header(name), index)
    matched: dict[str, int] = {}
    for column, names in aliases.items():
        for alias in names:
            index = positions.get(normalize_header(alias))
            if index is not None:
                matched[column] = index
                break
    return matched
