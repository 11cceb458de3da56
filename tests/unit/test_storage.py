"""Exports from and months to object storage, against moto's S3 server on loopback."""

from __future__ import annotations

import boto3
import pytest
import s3fs
from loopback import upload_folder

from kam.errors import UsageError
from kam.extract.landing import run_fingerprint
from kam.run_id import derive_run_id
from kam.storage import download_export, is_remote, upload_month


def test_urls_are_remote_and_paths_are_not():
    assert is_remote("s3://bucket/prefix/")
    assert is_remote("gs://bucket/x")
    assert not is_remote("/data/export")
    assert not is_remote("file:///data/export")
    assert not is_remote("exports/2026-10")


def test_an_s3_export_gives_the_run_id_of_its_local_copy(sample_export, s3_bucket, tmp_path):
    upload_folder(sample_export, s3_bucket, "crm/2026-10")
    boto3.client("s3").put_object(Bucket=s3_bucket, Key="crm/2026-10/.hidden", Body=b"x")

    local = download_export(f"s3://{s3_bucket}/crm/2026-10/", tmp_path / "copy")

    expected = sorted(p.name for p in sample_export.iterdir() if p.is_file())
    assert sorted(p.name for p in local.iterdir()) == expected
    config = {"month": "2026-10", "profile": "canonical"}
    assert derive_run_id(run_fingerprint(local), config) == derive_run_id(
        run_fingerprint(sample_export), config
    )


def test_a_second_download_replaces_the_first(sample_export, s3_bucket, tmp_path):
    upload_folder(sample_export, s3_bucket, "crm")
    stale = tmp_path / "copy" / "left_over.csv"
    stale.parent.mkdir()
    stale.write_text("a\n")
    download_export(f"s3://{s3_bucket}/crm", tmp_path / "copy")
    assert not stale.exists()


def test_a_missing_prefix_is_a_usage_error_naming_the_url(s3_bucket, tmp_path):
    with pytest.raises(UsageError, match=f"s3://{s3_bucket}/nothing/"):
        download_export(f"s3://{s3_bucket}/nothing/", tmp_path / "copy")


def test_upload_puts_the_manifest_last_and_every_file_up(tmp_path, s3_bucket):
    month = tmp_path / "2026-10"
    (month / "accounts").mkdir(parents=True)
    (month / "accounts" / "A-1.pdf").write_bytes(b"%PDF-a")
    (month / "manifest.json").write_text('{"month": "2026-10"}')
    (month / "portfolio.pdf").write_bytes(b"%PDF-p")

    uploaded = upload_month(month, f"s3://{s3_bucket}/reviews/2026-10")

    base = f"s3://{s3_bucket}/reviews/2026-10"
    assert uploaded == [f"{base}/accounts/A-1.pdf", f"{base}/portfolio.pdf",
                        f"{base}/manifest.json"]
    body = boto3.client("s3").get_object(Bucket=s3_bucket, Key="reviews/2026-10/portfolio.pdf")
    assert body["Body"].read() == b"%PDF-p"


def test_an_upload_that_fails_midway_leaves_no_manifest(tmp_path, s3_bucket, monkeypatch):
    month = tmp_path / "2026-10"
    month.mkdir()
    (month / "a.pdf").write_bytes(b"a")
    (month / "b.pdf").write_bytes(b"b")
    (month / "manifest.json").write_text("{}")
    real_put = s3fs.S3FileSystem.put_file

    def fail_on_b(self, lpath, rpath, *args, **kwargs):
        if rpath.endswith("b.pdf"):
            raise OSError("connection reset")
        return real_put(self, lpath, rpath, *args, **kwargs)

    monkeypatch.setattr("s3fs.S3FileSystem.put_file", fail_on_b)
    with pytest.raises(Exception, match="b.pdf"):
        upload_month(month, f"s3://{s3_bucket}/out/2026-10")
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=s3_bucket)
            .get("Contents", [])]
    assert keys == ["out/2026-10/a.pdf"]
