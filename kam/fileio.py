"""File primitives every step shares: content hashes, durable atomic writes, and the one way
a value (an account or manager id) becomes a file name."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from kam.errors import PipelineError


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable, not only the files' bytes."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def fsync_tree(folder: Path) -> None:
    """fsync every file and folder under `folder` (and itself), deepest first."""
    for root, _dirs, files in os.walk(folder, topdown=False):
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                continue
            handle = os.open(path, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
        fsync_dir(Path(root))


def write_atomic(path: Path, content: bytes) -> None:
    """Write to a temporary file in the same folder, fsync it, rename it over `path`, fsync
    the folder.

    A reader sees the old file or the whole new one, never a partial write, and after a
    crash the file is either the old or the new one. The file is created with mode 0666
    less the process's umask, like any file the user's tools write (0640 under umask 027).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # os.open applies the umask to 0o666; mkstemp would force 0600.
    handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(handle, "wb") as temp_file:
            temp_file.write(content)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


# A value kept as its own file name: starts with a letter or digit (no hidden files, no
# ".."), only characters safe on every file system, short enough for any of them.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
# Escaped names carry "+", which a plain name never contains: the two kinds never meet.
_ESCAPE_MARK = "+"


def file_stem(value: str) -> str:
    """The file name stem for an id: the id itself when it is a plain name, else a cleaned
    readable part, "+" and 16 hex digits of the id's sha256.

    Injective: a plain stem has no "+", so it never equals an escaped one, and two escaped
    stems are equal only if their ids' hashes are; `distinct_file_stems` still checks.
    """
    if _PLAIN_NAME.fullmatch(value):
        return value
    cleaned = _UNSAFE.sub("_", value).lstrip(".-")[:60]
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]
    return f"{cleaned or 'id'}{_ESCAPE_MARK}{digest}"


def distinct_file_stems(values: Iterable[str], what: str) -> dict[str, str]:
    """`file_stem` of every value; two values whose files would be one file (equal names,
    or names equal but for case, as on macOS and Windows) are an error naming both."""
    stems: dict[str, str] = {}
    owner_of: dict[str, str] = {}
    for value in values:
        stem = file_stem(value)
        other = owner_of.setdefault(stem.casefold(), value)
        if other != value:
            raise PipelineError(
                f"{what} ids {other!r} and {value!r} would share the file name {stem!r}",
                hint="ids must differ by more than letter case; fix them in the export",
            )
        stems[value] = stem
    return stems


def confined_file(folder: Path, value: str, suffix: str = "") -> Path:
    """`folder / (file_stem(value) + suffix)`, checked to resolve to a direct child of
    `folder` (never elsewhere through "..", a separator or a symbolic link)."""
    path = Path(folder) / f"{file_stem(value)}{suffix}"
    inside = Path(folder).resolve()
    if path.resolve().parent != inside:
        raise PipelineError(f"file name for {value!r} leaves {folder}",
                            hint="ids may not name paths; fix the id in the export")
    return path
