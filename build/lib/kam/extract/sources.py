"""Finding each canonical table's files in an export folder, including inside ZIP archives."""

from __future__ import annotations

import fnmatch
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kam.errors import DataQualityError
from kam.extract.profile import Profile

ARCHIVE_SEPARATOR = "/"


@dataclass(frozen=True)
class SourceFile:
    """One input file: on disk, or a member of a ZIP archive in the export folder."""

    folder: Path
    relative: str  # "orders.csv" or "export.zip/orders.csv"
    archive: str | None = None
    member: str | None = None

    @property
    def name(self) -> str:
        return Path(self.member or self.relative).name

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def read_bytes(self) -> bytes:
        if self.archive is None:
            return (self.folder / self.relative).read_bytes()
        with zipfile.ZipFile(self.folder / self.archive) as archive:
            return archive.read(self.member)


def is_input(path: Path) -> bool:
    """An export is a folder, or a ZIP archive given directly."""
    return path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip")


def list_files(folder: Path) -> list[SourceFile]:
    """Every file directly in the folder, ZIP archives replaced by their members.

    `folder` may also be a ZIP archive itself: then its members are the files.
    """
    files: list[SourceFile] = []
    if folder.is_file():
        candidates, folder = [folder], folder.parent
    else:
        candidates = sorted(p for p in folder.iterdir()
                            if p.is_file() and not p.name.startswith("."))
    for path in candidates:
        if path.suffix.lower() != ".zip":
            files.append(SourceFile(folder, path.name))
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                members = sorted(i.filename for i in archive.infolist() if not i.is_dir())
        except zipfile.BadZipFile:
            raise DataQualityError(f"{path.name}: not a readable ZIP archive (corrupt or "
                                   "truncated)", hint="export the files again") from None
        for member in members:
            base = Path(member).name
            if base.startswith(".") or member.startswith("__MACOSX/"):
                continue
            files.append(SourceFile(folder, f"{path.name}{ARCHIVE_SEPARATOR}{member}",
                                    path.name, member))
    return files


def matches(source: SourceFile, patterns: list[str]) -> bool:
    name = source.name.casefold()
    return any(fnmatch.fnmatchcase(name, pattern.casefold()) for pattern in patterns)


def locate(profile: Profile, files: list[SourceFile]) -> dict[str, list[SourceFile]]:
    """Canonical table -> its files, in name order (later names are newer deltas)."""
    return {table: [f for f in files if matches(f, spec.files)]
            for table, spec in profile.tables.items()}
