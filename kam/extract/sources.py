"""Finding each canonical table's files in an export folder, including inside ZIP archives.

Only regular files are read: a symbolic link or a special file (FIFO, device, socket) in
the export folder, or a symbolic-link member of a ZIP archive, is refused, so an export
cannot make kam read a file outside it (`surveys.csv -> /etc/passwd`). Sizes are checked
against the input limits before a byte is read: a file's from the file system, a ZIP
member's from the archive's central directory (declared size and compression ratio).
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from kam.errors import DataQualityError
from kam.extract.limits import InputLimits, check_member_size, over_limit
from kam.extract.profile import Profile

ARCHIVE_SEPARATOR = "/"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class SourceFile:
    """One input file: on disk, or a member of a ZIP archive in the export folder."""

    folder: Path
    relative: str  # "orders.csv" or "export.zip/orders.csv"
    archive: str | None = None
    member: str | None = None
    size: int = 0  # bytes (a ZIP member's uncompressed size, as its archive declares it)
    compressed: int | None = None  # a ZIP member's compressed size

    @property
    def name(self) -> str:
        return Path(self.member or self.relative).name

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    def check_size(self, limits: InputLimits) -> None:
        """Refuse a file over max_file_bytes, or a ZIP member inflating past max_zip_ratio."""
        check_member_size(self.relative, self.size, self.compressed, limits)

    def _open(self, archive: zipfile.ZipFile | None):
        if archive is None:
            return _open_regular(self.folder / self.relative, self.relative)
        return archive.open(self.member)

    def _archive(self) -> zipfile.ZipFile | None:
        return None if self.archive is None else zipfile.ZipFile(self.folder / self.archive)

    def read_bytes(self, limits: InputLimits) -> bytes:
        """The whole file, after its size was checked; never more than max_file_bytes."""
        self.check_size(limits)
        archive = self._archive()
        try:
            with self._open(archive) as handle:
                data = handle.read(limits.max_file_bytes + 1)
        finally:
            if archive is not None:
                archive.close()
        if len(data) > limits.max_file_bytes:  # grew since it was listed
            raise over_limit(self.relative, "size", "max_file_bytes", limits.max_file_bytes)
        return data

    def sha256(self, limits: InputLimits) -> str:
        """sha256 of the file, read in chunks (never whole in memory)."""
        self.check_size(limits)
        digest, seen = hashlib.sha256(), 0
        archive = self._archive()
        try:
            with self._open(archive) as handle:
                while chunk := handle.read(_CHUNK):
                    seen += len(chunk)
                    if seen > limits.max_file_bytes:
                        raise over_limit(self.relative, "size", "max_file_bytes",
                                         limits.max_file_bytes)
                    digest.update(chunk)
        finally:
            if archive is not None:
                archive.close()
        return digest.hexdigest()


def _open_regular(path: Path, relative: str):
    """Open a regular file without following a symbolic link swapped in since listing."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if path.is_symlink():
            raise _not_regular(relative, path) from None
        raise error
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise _not_regular(relative, path)
    return os.fdopen(descriptor, "rb")


def _not_regular(relative: str, path: Path) -> DataQualityError:
    try:
        mode = path.lstat().st_mode
    except OSError:
        mode = 0
    if stat.S_ISLNK(mode):
        what = f"is a symbolic link (-> {os.readlink(path)})"
    else:
        what = "is not a regular file (a FIFO, device, socket or folder)"
    return DataQualityError(f"{relative}: {what}; kam reads only regular files in the export",
                            hint="copy the file itself into the export folder")


def _is_symlink_member(info: zipfile.ZipInfo) -> bool:
    # Unix mode bits live in the high 16 bits of external_attr (archives made on Unix).
    return stat.S_ISLNK(info.external_attr >> 16)


def is_input(path: Path) -> bool:
    """An export is a folder, or a ZIP archive given directly."""
    return path.is_dir() or (path.is_file() and path.suffix.lower() == ".zip")


def list_files(folder: Path) -> list[SourceFile]:
    """Every file directly in the folder, ZIP archives replaced by their members.

    `folder` may also be a ZIP archive itself: then its members are the files. Hidden
    files are ignored; a symbolic link or special file is refused.
    """
    files: list[SourceFile] = []
    if folder.is_file():
        candidates, folder = [folder], folder.parent
    else:
        candidates = []
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise _not_regular(path.name, path)
            candidates.append(path)
    for path in candidates:
        if path.suffix.lower() != ".zip":
            files.append(SourceFile(folder, path.name, size=path.stat().st_size))
            continue
        files += _members(folder, path)
    return files


def _members(folder: Path, path: Path) -> list[SourceFile]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = sorted((i for i in archive.infolist() if not i.is_dir()),
                           key=lambda i: i.filename)
    except zipfile.BadZipFile:
        raise DataQualityError(f"{path.name}: not a readable ZIP archive (corrupt or "
                               "truncated)", hint="export the files again") from None
    members = []
    for info in infos:
        member = info.filename
        base = Path(member).name
        if base.startswith(".") or member.startswith("__MACOSX/"):
            continue
        relative = f"{path.name}{ARCHIVE_SEPARATOR}{member}"
        if _is_symlink_member(info):
            raise DataQualityError(
                f"{relative}: is a symbolic link inside the archive; kam reads only "
                "regular files in the export", hint="zip the file itself, not a link to it")
        members.append(SourceFile(folder, relative, path.name, member, info.file_size,
                                  info.compress_size))
    return members


def check_export_size(files: list[SourceFile], limits: InputLimits) -> None:
    """Refuse before reading when one file, or all the files to read together, are too big."""
    for source in files:
        source.check_size(limits)
    total = sum(f.size for f in files)
    if total > limits.max_export_bytes:
        raise over_limit(f"{len(files)} files of the export", f"total size {total:,} bytes",
                         "max_export_bytes", limits.max_export_bytes)


def matches(source: SourceFile, patterns: list[str]) -> bool:
    name = source.name.casefold()
    return any(fnmatch.fnmatchcase(name, pattern.casefold()) for pattern in patterns)


def locate(profile: Profile, files: list[SourceFile]) -> dict[str, list[SourceFile]]:
    """Canonical table -> its files, in name order (later names are newer deltas)."""
    return {table: [f for f in files if matches(f, spec.files)]
            for table, spec in profile.tables.items()}
