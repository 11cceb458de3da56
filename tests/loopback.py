"""Loopback helpers for tests: a free port, and folders put into the loopback S3."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def upload_folder(folder: Path, bucket: str, prefix: str) -> None:
    """Put every file of `folder` under s3://bucket/prefix/."""
    import boto3

    client = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    for path in sorted(folder.iterdir()):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix.strip('/')}/{path.name}")
