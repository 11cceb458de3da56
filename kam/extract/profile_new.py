"""`kam profiles new`: a starting profile written from an export's own headers.

Each file is given the canonical table most of its headers match, and each header the
canonical column it is closest to: first the aliases every built-in profile knows (so
`Close Date`, `客户名称` or `Account Owner` are recognised), then, with common words read
alike (customer/client/company = account, deal/opportunity = order, staff/owner/user =
manager, no/number/code = id), a close spelling of a column or alias. Headers that match
nothing are listed as comments under their table, for the user to map or ignore.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from kam.errors import KamError, UsageError
from kam.extract.excel import EXCEL_SUFFIXES, read_excel_text
from kam.extract.headers import normalize_header
from kam.extract.limits import DEFAULT_LIMITS
from kam.extract.profile import built_in_names, load_profile
from kam.extract.readers import TextTable, read_csv_text
from kam.extract.sources import SourceFile, is_input, list_files
from kam.schema import TABLES

_WORDS = {
    "customer": "account", "client": "account", "company": "account",
    "organization": "account", "organisation": "account",
    "deal": "order", "opportunity": "order",
    "staff": "manager", "employee": "manager", "user": "manager", "owner": "manager",
    "no": "id", "number": "id", "code": "id",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+|[^A-Za-z]+")
_CLOSE = 0.85  # difflib ratio for a spelling to count as the same column
_TITLE_ROWS = 5  # header rows tried below merged title rows


def _key(header: str) -> str:
    """The header with common words read alike, then case/space/width-insensitive."""
    words = [_WORDS.get(w.casefold(), w) for w in _WORD.findall(header)]
    return normalize_header(" ".join(words))


def _known_names() -> dict[str, dict[str, set[str]]]:
    """Table -> canonical column -> every spelling known: its name and all built-in aliases."""
    known = {t: {c: {_key(c)} for c in table.column_names} for t, table in TABLES.items()}
    for name in built_in_names():
        profile = load_profile(name)
        for table, spec in profile.tables.items():
            for column, aliases in spec.columns.items():
                known[table][column] |= {_key(a) for a in aliases}
    return known


def closest_columns(header: str, spellings: dict[str, set[str]]) -> list[str]:
    """The canonical columns `header` may name, closest first: the column's own name, then
    a known alias, then close spellings (several built-in profiles share aliases such as
    Email, so the caller takes the first one still free)."""
    key = _key(header)
    if not key:
        return []
    own = [c for c in spellings if key == _key(c)]
    alias = [c for c, names in spellings.items() if key in names and c not in own]
    scored = sorted(
        ((max(difflib.SequenceMatcher(None, key, n).ratio() for n in names), c)
         for c, names in spellings.items() if c not in own and c not in alias),
        reverse=True)
    return own + alias + [c for ratio, c in scored if ratio > _CLOSE]


@dataclass
class DraftTable:
    table: str
    files: list[str]
    header_row: int
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header
    derived: dict[str, list[str]] = field(default_factory=dict)  # canonical -> joined headers
    unmatched: list[str] = field(default_factory=list)

    @property
    def missing_required(self) -> list[str]:
        return [c for c in TABLES[self.table].required_columns
                if c not in self.columns and c not in self.derived]


def _read_headers(source: SourceFile) -> tuple[TextTable, int]:
    """The file's header row: the first one with more than one filled cell (merged title
    rows above the header hold a single value)."""
    data = source.read_bytes(DEFAULT_LIMITS)
    for header_row in range(1, _TITLE_ROWS + 1):
        if source.suffix in EXCEL_SUFFIXES:
            text = read_excel_text(data, source.relative, header_row=header_row)
        else:
            text = read_csv_text(data, source.relative, header_row=header_row)
        if sum(1 for h in text.headers if h) > 1:
            return text, header_row
    return text, 1


def _match_file(headers: list[str], known: dict[str, dict[str, set[str]]], stem: str
                ) -> tuple[str, dict[str, str]]:
    """The table this file most likely holds, and its canonical column -> header map."""
    best: tuple[tuple, str, dict[str, str]] | None = None
    for table, spellings in known.items():
        columns: dict[str, str] = {}
        for header in headers:
            column = next((c for c in closest_columns(header, spellings)
                           if c not in columns), None)
            if column:
                columns[column] = header
        required = TABLES[table].required_columns
        score = (sum(c in columns for c in required) / len(required), len(columns),
                 difflib.SequenceMatcher(None, _key(stem), _key(table)).ratio())
        if best is None or score > best[0]:
            best = (score, table, columns)
    return best[1], best[2]


def _names_pair(headers: list[str]) -> list[str] | None:
    """`First Name` and `Last Name` (or 名 and 姓) when the export splits a person's name."""
    by_key = {normalize_header(h): h for h in headers}
    for first, last in (("firstname", "lastname"), ("givenname", "familyname"), ("名", "姓")):
        if first in by_key and last in by_key:
            return [by_key[first], by_key[last]]
    return None


def draft_tables(input_dir: Path) -> list[DraftTable]:
    if not is_input(input_dir):
        raise UsageError(f"input folder not found: {input_dir}")
    known = _known_names()
    drafts: dict[str, DraftTable] = {}
    for source in list_files(input_dir):
        try:
            text, header_row = _read_headers(source)
        except KamError:
            continue  # not a table kam can read (a README, a PDF): leave it out
        table, columns = _match_file(text.headers, known, Path(source.name).stem)
        draft = drafts.setdefault(table, DraftTable(table, [], header_row))
        draft.files.append(source.name)
        for column, header in columns.items():
            draft.columns.setdefault(column, header)
        pair = _names_pair(text.headers)
        if pair and "name" in TABLES[table].column_names and "name" not in draft.columns:
            draft.derived["name"] = pair
        used = set(draft.columns.values()) | {h for hs in draft.derived.values() for h in hs}
        draft.unmatched += [h for h in text.headers if h and h not in used
                            and h not in draft.unmatched]
    return [drafts[t] for t in TABLES if t in drafts]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def draft_profile(input_dir: Path, name: str = "my-crm") -> str:
    """The YAML text of a starting profile for the export in `input_dir`."""
    lines = [
        f"# Starting profile written by `kam profiles new` from {Path(input_dir).name}.",
        "# Check each mapping, add vocabularies (values:) and row filters (keep_when:),",
        "# then run `kam profiles check --input DIR --profile THIS.yaml`. See docs/profiles.md.",
        f"name: {name}",
        f"description: Starting profile for the export in {Path(input_dir).name}",
        "extends: canonical",
        "tables:",
    ]
    for draft in draft_tables(Path(input_dir)):
        lines += [f"  {draft.table}:", f"    files: [{', '.join(map(_quoted, draft.files))}]"]
        if draft.header_row != 1:
            lines.append(f"    header_row: {draft.header_row}  # title rows above the header")
        lines.append("    columns:")
        for column in TABLES[draft.table].column_names:
            if column in draft.columns:
                lines.append(f"      {column}: [{_quoted(draft.columns[column])}]")
        if draft.derived:
            lines.append("    derived:")
            for column, headers in draft.derived.items():
                lines.append(f"      {column}: {{join: [{', '.join(map(_quoted, headers))}], "
                             'separator: " "}')
        for column in draft.missing_required:
            lines.append(f"    # MISSING required column {column}: map one of the headers "
                         "below under columns, or set defaults")
        if draft.unmatched:
            lines.append("    # headers not matched to a canonical column:")
            lines += [f"    #   {_quoted(h)}" for h in draft.unmatched]
    return "\n".join(lines) + "\n"
