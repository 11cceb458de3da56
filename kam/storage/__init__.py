"""Exports read from, and months published to, object storage through fsspec.

A URL such as `s3://bucket/prefix/` (or any fsspec URL) is handled by copying: the export is
downloaded to a local folder and the normal extract reads it there, so the same file-name
rules apply and the run id comes from the same bytes as for a local copy. A published month
is uploaded file by file with `manifest.json` last: a reader that trusts the manifest never
sees a partial month.

S3 endpoint and credentials come from the standard environment variables
(AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
"""

from kam.storage.remote import (
    MANIFEST_NAME,
    ExportTooLarge,
    download_export,
    filesystem,
    is_remote,
    join_url,
    upload_month,
)

__all__ = [
    "MANIFEST_NAME",
    "ExportTooLarge",
    "download_export",
    "filesystem",
    "is_remote",
    "join_url",
    "upload_month",
]
