"""Copy an export down from, and a month up to, any fsspec location."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path, PurePosixPath

import fsspec
from fsspec.core import url_to_fs

from kam.errors import PipelineError, UsageError

MANIFEST_NAME = "manifest.json"
# An export is a handful of files; these bounds stop a wrong prefix (a whole bucket) from
# filling the worker's disk.
MAX_EXPORT_FILES = 200
MAX_EXPORT_BYTES = 20 * 1024**3
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A file name that is safe to create locally: no folders, no hidden files.
_SAFE_NAME = re.compile(r"^[^/\\\x00]+$")


class ExportTooLarge(UsageError):
    """The remote export exceeds the file-count or size bound."""


def is_remote(location: object) -> bool:
    """True for a URL with a scheme other than file://; local paths stay local."""
    text = str(location)
    return bool(_SCHEME.match(text)) and not text.startswith("file://")


def _s3_options() -> dict[str, object]:
    """s3fs options from the standard AWS variables (botocore reads the keys itself; the
    endpoint and region are passed explicitly so every botocore version honours them)."""
    client: dict[str, object] = {}
    if os.environ.get("AWS_ENDPOINT_URL"):
        client["endpoint_url"] = os.environ["AWS_ENDPOINT_URL"]
    if os.environ.get("AWS_DEFAULT_REGION"):
        client["region_name"] = os.environ["AWS_DEFAULT_REGION"]
    return {"client_kwargs": client} if client else {}


def filesystem(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The file system and the path inside it for a URL (a fresh instance each time, so a
    changed endpoint or credential is picked up)."""
    scheme = url.split("://", 1)[0].lower()
    options = _s3_options() if scheme in {"s3", "s3a"} else {}
    try:
        return url_to_fs(url, skip_instance_cache=True, **options)
    except (ImportError, ValueError) as exc:
        raise UsageError(
            f"cannot open {url}: {exc}", hint="use an fsspec URL such as s3://bucket/prefix/"
        ) from None


def join_url(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def _remote_files(fs: fsspec.AbstractFileSystem, root: str, url: str) -> list[dict]:
    try:
        if fs.isfile(root):
            return [fs.info(root)]
        entries = fs.ls(root, detail=True)
    except FileNotFoundError:
        raise UsageError(f"input folder not found: {url}",
                         hint="check the URL and the AWS_* credentials") from None
    except OSError as exc:
        raise PipelineError(f"cannot list {url}: {exc}") from exc
    files = [e for e in entries if e.get("type") == "file"]
    # The same rule as a local folder: the files directly in it, hidden ones left out.
    return [e for e in files if not PurePosixPath(e["name"]).name.startswith(".")]


def download_export(url: str, destination: Path) -> Path:
    """Copy the export at `url` (a folder or one ZIP) into `destination`, replacing what
    was there; returns the local path to give to extract."""
    fs, root = filesystem(url)
    files = _remote_files(fs, root, url)
    if not files:
        raise UsageError(f"input folder not found or empty: {url}",
                         hint="check the URL and the AWS_* credentials")
    if len(files) > MAX_EXPORT_FILES:
        raise ExportTooLarge(f"{url}: {len(files)} files, more than the {MAX_EXPORT_FILES} "
                             "an export may hold", hint="point --input at the export's folder")
    total = sum(int(e.get("size") or 0) for e in files)
    if total > MAX_EXPORT_BYTES:
        raise ExportTooLarge(f"{url}: {total:,} bytes, more than {MAX_EXPORT_BYTES:,}",
                             hint="point --input at the export's folder")
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for entry in files:
        name = PurePosixPath(entry["name"]).name
        if not _SAFE_NAME.match(name):
            raise UsageError(f"{url}: unusable file name {name!r}")
        try:
            fs.get_file(entry["name"], str(destination / name))
        except OSError as exc:
            raise PipelineError(f"cannot download {url.rstrip('/')}/{name}: {exc}") from exc
    single_zip = fs.isfile(root)
    return destination / PurePosixPath(root).name if single_zip else destination


def upload_month(month_dir: Path, url: str) -> list[str]:
    """Upload every file of a published month to `url`, `manifest.json` last; returns the
    uploaded URLs in upload order."""
    fs, root = filesystem(url)
    files = sorted(p for p in month_dir.rglob("*") if p.is_file())
    ordered = [p for p in files if p.relative_to(month_dir).as_posix() != MANIFEST_NAME]
    ordered += [p for p in files if p.relative_to(month_dir).as_posix() == MANIFEST_NAME]
    uploaded = []
    for path in ordered:
        relative = path.relative_to(month_dir).as_posix()
        target = f"{root.rstrip('/')}/{relative}"
        try:
            fs.put_file(str(path), target)
        except OSError as exc:
            raise PipelineError(f"cannot upload {relative} to {url}: {exc}") from exc
        uploaded.append(join_url(url, relative))
    return uploaded
