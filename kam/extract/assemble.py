"""Reading every file a profile maps onto a canonical table, and matching its headers.

This is where the export's shape is checked: a missing required file or column, an empty
or header-only file, a corrupt workbook each stop the run with a one-line message naming
the file, what is missing, what was found and the closest match.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kam.errors import DataQualityError
from kam.extract.excel import EXCEL_SUFFIXES, read_excel_text
from kam.extract.headers import match_columns, missing_column_error, missing_file_error
from kam.extract.limits import DEFAULT_LIMITS, InputLimits
from kam.extract.profile import Profile, TableSpec
from kam.extract.readers import TextTable, read_csv_text, sha256_bytes
from kam.extract.sources import SourceFile, check_export_size, list_files, locate
from kam.schema import TABLES, Table


@dataclass
class ReadFile:
    source: SourceFile
    sha256: str
    text: TextTable
    columns: dict[str, int]  # canonical column -> index of the export column
    updated_at: int | None = None
    keep: list[tuple[int, list[str]]] = field(default_factory=list)  # column, accepted values
    derived: dict[str, list[int]] = field(default_factory=dict)  # canonical -> source columns

    def keep_rule(self) -> str:
        """The keep_when rules as applied to this file: `Header in (a, b)`, joined by and."""
        return " and ".join(f"{self.text.headers[index]} in ({', '.join(values)})"
                            for index, values in self.keep)


@dataclass
class ReadTable:
    table: Table
    spec: TableSpec
    files: list[ReadFile]

    @property
    def provided(self) -> bool:
        return bool(self.files)


def file_label(table: Table, spec: TableSpec) -> str:
    if spec.files[0] == table.file_name:
        return table.file_name
    return f"{table.name} ({', '.join(spec.files)})"


def read_text(source: SourceFile, data: bytes, profile: Profile, table: str,
              limits: InputLimits) -> TextTable:
    spec, formats = profile.tables[table], profile.formats_for(table)
    if source.suffix in EXCEL_SUFFIXES:
        return read_excel_text(data, source.relative, sheet=spec.sheet,
                               header_row=spec.header_row, limits=limits)
    return read_csv_text(data, source.relative, encoding=formats.encoding,
                         delimiter=formats.delimiter, header_row=spec.header_row,
                         limits=limits)


def derived_sources(headers: list[str], spec: TableSpec) -> dict[str, list[int]]:
    """Derived column -> indexes of its source columns present in the file (in rule order)."""
    found = {}
    for column, rule in spec.derived.items():
        indexes = [i for name in rule.sources if (i := _first_match(headers, [name])) is not None]
        if indexes:
            found[column] = indexes
    return found


def _first_match(headers: list[str], aliases: list[str]) -> int | None:
    found = match_columns(headers, {"_": aliases})
    return found.get("_")


def _map_file(read: ReadFile, table: Table, spec: TableSpec, profile: Profile) -> None:
    headers = read.text.headers
    aliases = profile.aliases(table.name)
    read.columns = match_columns(headers, aliases)
    read.derived = derived_sources(headers, spec)
    for column in table.required_columns:
        if column in spec.derived and column not in read.derived:
            raise missing_column_error(read.source.relative, column,
                                       spec.derived[column].sources, headers)
        if (column not in read.columns and column not in read.derived
                and column not in {**spec.constants, **spec.defaults}):
            raise missing_column_error(read.source.relative, column, aliases[column], headers)
    if spec.updated_at:
        read.updated_at = _first_match(headers, spec.updated_at)
    for rule in spec.keep_when:
        index = _first_match(headers, rule.columns)
        if index is None:
            raise missing_column_error(read.source.relative, rule.columns[0], rule.columns,
                                       headers, purpose="needed to select rows")
        read.keep.append((index, rule.values))


def _to_read(located: dict[str, list[SourceFile]]) -> list[SourceFile]:
    return list({f.relative: f for files in located.values() for f in files}.values())


def read_export(input_dir: Path, profile: Profile,
                limits: InputLimits = DEFAULT_LIMITS) -> list[ReadTable]:
    """Every canonical table with its files read and mapped; raises on a blocking problem.

    The sizes of all the files to read are checked against `limits` before any is read.
    """
    return list(iter_export(input_dir, profile, limits))


def iter_export(input_dir: Path, profile: Profile,
                limits: InputLimits = DEFAULT_LIMITS) -> Iterator[ReadTable]:
    """read_export one table at a time, in schema order: a file's text is held only until
    the last table that maps it has been handed out, so landing a large export needs the
    memory of its largest table, not of all of them together.

    The sizes of all the files are checked against `limits` before any is read, and every
    required file is looked for before the first table is handed out.
    """
    available = list_files(input_dir)
    located = locate(profile, available)
    check_export_size(_to_read(located), limits)
    for name, table in TABLES.items():
        spec = profile.tables[name]
        if not located[name] and table.required:
            raise missing_file_error(file_label(table, spec), str(input_dir),
                                     [f.relative for f in available],
                                     wanted=spec.files[0].replace("*", ""))
    last_use = {f.relative: name for name in TABLES for f in located[name]}
    cache: dict[tuple, tuple[str, TextTable]] = {}
    for name, table in TABLES.items():
        spec = profile.tables[name]
        files = []
        for source in located[name]:
            formats = profile.formats_for(name)
            key = (source.relative, spec.sheet, spec.header_row, formats.encoding,
                   formats.delimiter)
            if key not in cache:
                data = source.read_bytes(limits)
                cache[key] = (sha256_bytes(data), read_text(source, data, profile, name, limits))
                del data  # the Arrow table holds what is needed; free the file's bytes
            sha, text = cache[key]
            if last_use[source.relative] == name:
                del cache[key]
            read = ReadFile(source, sha, text, {})
            _map_file(read, table, spec, profile)
            files.append(read)
        if table.required and files and all(f.text.table.num_rows == 0 for f in files):
            raise DataQualityError(
                f"{files[0].source.relative}: has a header but no data rows "
                f"({table.name} is required)", hint="export it again with the data")
        yield ReadTable(table, spec, files)
        files = read = text = None  # the caller decides how long the table lives


def fingerprint(input_dir: Path, profile: Profile,
                limits: InputLimits = DEFAULT_LIMITS) -> list[tuple[str, str]]:
    """(relative path, sha256) of every file the profile maps, without parsing any of them
    (each file streamed through the hash, never held whole)."""
    files = _to_read(locate(profile, list_files(input_dir)))
    check_export_size(files, limits)
    return [(f.relative, f.sha256(limits)) for f in sorted(files, key=lambda f: f.relative)]
