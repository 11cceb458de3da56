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


def vendor_tables(
    profile: Profile, canonical_rows: dict[str, list[dict[str, str]]]
) -> dict[str, tuple[list[str], list[list[str]]]]:
    """File name -> (header, rows) of the export the profile describes."""
    files = {}
    for table, rows in canonical_rows.items():
        spec = profile.tables[table]
        aliases = profile.aliases(table)
        header, sources = [], []
        for column in TABLES[table].column_names:
            if column in spec.constants or aliases[column][0] in header:
                continue  # one export column feeding two canonical ones is written once
            header.append(aliases[column][0])
            sources.append(column)
        body = [[vendor_value(profile, table, c, row[c]) for c in sources] for row in rows]
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
