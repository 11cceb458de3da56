"""Vendor exports written from canonical rows, through a profile's own headers, file names,
vocabularies and row filters, so tests follow the profiles as they change."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl

from kam.extract.profile import Profile
from kam.schema import TABLES


def vendor_value(profile: Profile, table: str, column: str, value: str) -> str:
    """The vendor's own word for a canonical value, when its profile names one."""
    spec = profile.tables[table]
    if column in spec.defaults and value == spec.defaults[column]:
        return value
    synonyms = spec.values.get(column, {}).get(value, [])
    own = [s for s in synonyms if s.casefold() != value.casefold()]
    return own[0] if own else value


def vendor_header(profile: Profile, table: str, column: str) -> str | None:
    """The export's header of a canonical column: the profile's first alias, or None when
    the vendor has no such column (a vendor profile that maps nothing to it)."""
    spec = profile.tables[table]
    own = spec.columns.get(column, [])
    if own:
        return own[0]
    read_as_canonical = not spec.columns and not spec.derived  # a table the vendor lacks
    return column if read_as_canonical or profile.name == "canonical" else None


def exported_columns(profile: Profile, table: str) -> list[str]:
    """The canonical columns a vendor's export of `table` carries, as headers or derived."""
    spec = profile.tables[table]
    return [c for c in TABLES[table].column_names
            if c not in spec.constants
            and (c in spec.derived or vendor_header(profile, table, c) is not None)]


def expected_rows(profile: Profile, table: str, row: dict[str, str]) -> dict[str, str | None]:
    """What a canonical row lands as from the vendor's export: the columns the vendor does
    not export are empty (or the profile's default)."""
    spec, carried = profile.tables[table], exported_columns(profile, table)
    return {c: (v if c in carried or c in spec.constants else spec.defaults.get(c))
            for c, v in row.items()}


def _sources(profile: Profile, table: str) -> list[tuple[str, object]]:
    """(header, value of a canonical row) for every column of the vendor's export."""
    spec, sources, seen = profile.tables[table], [], set()
    for column in exported_columns(profile, table):
        rule = spec.derived.get(column)
        if rule is not None and rule.join:  # "Ann Lee" -> First Name "Ann", Last Name "Lee"
            parts = len(rule.join)
            for index, header in enumerate(rule.join):
                sources.append((header, lambda row, c=column, i=index, n=parts,
                                sep=rule.separator: (row[c].split(sep, n - 1) + [""] * n)[i]))
            continue
        header = rule.first_of[0] if rule is not None else vendor_header(profile, table, column)
        if header in seen:
            continue  # one export column feeding two canonical ones is written once
        seen.add(header)
        sources.append((header, lambda row, c=column: vendor_value(profile, table, c, row[c])))
    return sources


def vendor_tables(
    profile: Profile, canonical_rows: dict[str, list[dict[str, str]]]
) -> dict[str, tuple[list[str], list[list[str]]]]:
    """File name -> (header, rows) of the export the profile describes."""
    files = {}
    for table, rows in canonical_rows.items():
        spec = profile.tables[table]
        sources = _sources(profile, table)
        header = [h for h, _ in sources]
        body = [[value(row) for _, value in sources] for row in rows]
        for rule in spec.keep_when:  # one kept value on every row, plus a row to leave out
            header.append(rule.columns[0])
            body = [[*r, rule.values[0]] for r in body]
            body.append([f"{v}-left-out" if i == 0 else v for i, v in enumerate(body[0][:-1])]
                        + ["false"])
        name = spec.files[0].replace("*", "_export")
        files[name] = (header, body)
    return files


def write_export(
    folder: Path, profile: Profile, kind: str, canonical_rows: dict[str, list[dict[str, str]]]
) -> Path:
    """Write the canonical rows as the profile's vendor exports them: "xlsx", "zip" or a
    CSV encoding."""
    folder.mkdir(parents=True)
    tables = vendor_tables(profile, canonical_rows)
    for name, (header, body) in tables.items():
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerows([header, *body])
        stem = Path(name).stem
        if kind == "xlsx":
            workbook = openpyxl.Workbook()
            sheet = workbook.active
            for row in [header, *body]:
                sheet.append(row)
            workbook.save(folder / f"{stem}.xlsx")
        elif kind == "zip":
            with zipfile.ZipFile(folder / "export.zip", "a") as archive:
                archive.writestr(f"{stem}.csv", text.getvalue().encode("utf-8"))
        else:
            (folder / f"{stem}.csv").write_bytes(text.getvalue().encode(kind))
    return folder
