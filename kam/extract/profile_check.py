"""`kam profiles check`: which files and columns of an export a profile matches.

Unlike extract, the check does not stop at the first problem: it reads every table it can
and reports each one's files, matched and missing columns, and the blocking problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from kam.errors import KamError, UsageError
from kam.extract.assemble import derived_sources, file_label, read_text
from kam.extract.headers import closest, match_columns
from kam.extract.limits import DEFAULT_LIMITS, InputLimits
from kam.extract.profile import Profile, load_profile
from kam.extract.sources import is_input, list_files, locate
from kam.schema import TABLES


@dataclass
class FileCheck:
    path: str
    rows: int = 0  # data rows read (malformed ones included)
    kept_rows: int = 0  # rows keep_when keeps (all rows when the table has no keep_when)
    filter_rule: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    footer_lines: int = 0
    malformed_rows: int = 0
    matched: dict[str, str] = field(default_factory=dict)  # canonical column -> header
    missing_required: dict[str, str | None] = field(default_factory=dict)  # -> closest
    missing_filters: dict[str, str | None] = field(default_factory=dict)  # keep_when column
    missing_optional: list[str] = field(default_factory=list)
    unused_headers: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class TableCheck:
    table: str
    required: bool
    looked_for: str
    files: list[FileCheck] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        if not self.files:
            return [f"{self.looked_for}: required file not found"] if self.required else []
        found = []
        for f in self.files:
            if f.error:
                found.append(f.error)
            found += [f"{f.path}: required column '{c}' not found"
                      + (f" (closest match: '{m}')" if m else "")
                      for c, m in f.missing_required.items()]
            found += [f"{f.path}: column '{c}' needed to select rows not found"
                      + (f" (closest match: '{m}')" if m else "")
                      for c, m in f.missing_filters.items()]
        return found


@dataclass
class ProfileCheck:
    profile: str
    input_dir: str
    tables: list[TableCheck]
    unmatched_files: list[str]

    @property
    def ok(self) -> bool:
        return not any(t.problems for t in self.tables)

    def lines(self) -> list[str]:
        """The report as the command line prints it."""
        out = [f"profile {self.profile} on {self.input_dir}:"]
        for t in self.tables:
            if not t.files:
                state = "MISSING (required)" if t.required else "not provided"
                out.append(f"  {t.table}: {state}; looked for {t.looked_for}")
            for f in t.files:
                if f.error:
                    out.append(f"  {t.table}: {f.path}: ERROR {f.error}")
                    continue
                kept = (f"{f.rows} rows read, {f.kept_rows} kept by {f.filter_rule}"
                        if f.filter_rule else f"{f.rows} rows read, {f.kept_rows} kept")
                out.append(f"  {t.table}: {f.path} ({kept}, {f.encoding}"
                           + (f", delimiter {f.delimiter!r}" if f.delimiter else "")
                           + (f", {f.footer_lines} footer lines skipped" if f.footer_lines else "")
                           + (f", {f.malformed_rows} malformed rows" if f.malformed_rows else "")
                           + ")")
                for column, header in f.matched.items():  # derived: "A + B" or "A | B"
                    out.append(f"    {column} <- {header}")
                for column, match in f.missing_required.items():
                    hint = f"; closest match: '{match}'" if match else ""
                    out.append(f"    {column}: MISSING (required){hint}")
                for column, match in f.missing_filters.items():
                    hint = f"; closest match: '{match}'" if match else ""
                    out.append(f"    {column}: MISSING (selects rows){hint}")
                if f.missing_optional:
                    out.append(f"    not provided: {', '.join(f.missing_optional)}")
                if f.unused_headers:
                    out.append(f"    unused columns: {', '.join(f.unused_headers)}")
        if self.unmatched_files:
            out.append(f"  files no table uses: {', '.join(self.unmatched_files)}")
        out.append("OK: the export can be loaded" if self.ok else
                   "NOT OK: " + "; ".join(p for t in self.tables for p in t.problems))
        return out


def _check_file(source, profile: Profile, table: str, limits: InputLimits) -> FileCheck:
    spec = profile.tables[table]
    check = FileCheck(source.relative)
    try:
        text = read_text(source, source.read_bytes(limits), profile, table, limits)
    except KamError as error:
        check.error = error.message
        return check
    check.encoding, check.delimiter = text.encoding, text.delimiter
    check.footer_lines, check.malformed_rows = text.footer_lines, len(text.malformed)
    check.rows = text.table.num_rows + len(text.malformed)
    aliases = profile.aliases(table)
    matched = match_columns(text.headers, aliases)
    check.matched = {c: text.headers[i] for c, i in matched.items()}
    derived = derived_sources(text.headers, spec)
    for column, indexes in derived.items():
        joiner = " + " if spec.derived[column].join else " | "
        check.matched[column] = joiner.join(text.headers[i] for i in indexes)
    fixed = {**spec.constants, **spec.defaults}
    for column in TABLES[table].columns:
        if column.name in matched or column.name in fixed or column.name in derived:
            continue
        if column.required:
            check.missing_required[column.name] = next(
                (m for a in aliases.get(column.name, [column.name])
                 if (m := closest(a, text.headers))), None)
        else:
            check.missing_optional.append(column.name)
    used = set(matched.values()) | {i for indexes in derived.values() for i in indexes}
    kept = pa.array([True] * text.table.num_rows, pa.bool_())
    rules = []
    for rule in spec.keep_when:
        found = match_columns(text.headers, {"_": rule.columns}).get("_")
        if found is None:
            check.missing_filters[rule.columns[0]] = next(
                (m for a in rule.columns if (m := closest(a, text.headers))), None)
            continue
        used.add(found)
        words = pc.utf8_lower(pc.utf8_trim_whitespace(text.table.column(f"c{found}")))
        accepted = pa.array([v.casefold() for v in rule.values], pa.string())
        kept = pc.and_(kept, pc.is_in(words, value_set=accepted))
        rules.append(f"{text.headers[found]} in ({', '.join(rule.values)})")
    check.kept_rows = pc.sum(kept).as_py() or 0 if rules else text.table.num_rows
    check.filter_rule = " and ".join(rules) or None
    check.unused_headers = [h for i, h in enumerate(text.headers) if i not in used]
    return check


def check_profile(input_dir: Path, profile: str | Path,
                  limits: InputLimits = DEFAULT_LIMITS) -> ProfileCheck:
    """Which files and columns of `input_dir` the profile matches, and what blocks a load."""
    input_dir = Path(input_dir)
    loaded = load_profile(profile)
    if not is_input(input_dir):
        raise UsageError(f"input folder not found: {input_dir}")
    files = list_files(input_dir)
    located = locate(loaded, files)
    tables = [
        TableCheck(name, table.required, file_label(table, loaded.tables[name]),
                   [_check_file(f, loaded, name, limits) for f in located[name]])
        for name, table in TABLES.items()
    ]
    used = {f.relative for matched in located.values() for f in matched}
    return ProfileCheck(loaded.name, str(input_dir), tables,
                        [f.relative for f in files if f.relative not in used])
