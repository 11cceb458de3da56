import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kam.errors import UsageError
from kam.publish import (
    StagedMonth,
    WorkingWarehouse,
    build_manifest,
    kind_of,
    replace_entry,
    sign_manifest,
    verify_month,
    write_manifest,
)


def test_staged_month_replaces_the_previous_folder_whole(tmp_path):
    old = tmp_path / "2026-10"
    (old / "accounts").mkdir(parents=True)
    (old / "accounts" / "ACC-GONE.pdf").write_bytes(b"old")
    with StagedMonth(tmp_path, "2026-10", "run1") as staged:
        (staged.path / "accounts").mkdir()
        (staged.path / "accounts" / "ACC-1.pdf").write_bytes(b"new")
        assert not (old / "accounts" / "ACC-1.pdf").exists()  # nothing visible before publish
        published = staged.publish()
    assert published == old
    assert sorted(p.name for p in (old / "accounts").iterdir()) == ["ACC-1.pdf"]
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10"]  # no staging leftovers


def test_failed_month_leaves_previous_outputs_untouched(tmp_path):
    (tmp_path / "2026-10").mkdir()
    (tmp_path / "2026-10" / "portfolio.pdf").write_bytes(b"published")
    with pytest.raises(RuntimeError), StagedMonth(tmp_path, "2026-10", "run2") as staged:
        (staged.path / "portfolio.pdf").write_bytes(b"half")
        raise RuntimeError("render failed")
    assert (tmp_path / "2026-10" / "portfolio.pdf").read_bytes() == b"published"
    assert [p.name for p in tmp_path.iterdir()] == ["2026-10"]


def test_rejected_run_keeps_its_evidence_aside(tmp_path):
    with StagedMonth(tmp_path, "2026-10", "run3") as staged:
        (staged.path / "dq").mkdir()
        (staged.path / "dq" / "orders.json").write_text("{}")
        rejected = staged.keep_as_rejected()
    assert rejected == tmp_path / "_rejected" / "2026-10-run3"
    assert (rejected / "dq" / "orders.json").exists()
    assert not (tmp_path / "2026-10").exists()


def test_working_warehouse_is_swapped_in_only_on_commit(tmp_path):
    target = tmp_path / "kam.duckdb"
    target.write_bytes(b"before")
    with WorkingWarehouse(target, "r1") as working:
        assert working.path.read_bytes() == b"before"
        working.path.write_bytes(b"after")
    assert target.read_bytes() == b"before"  # not committed: discarded
    with WorkingWarehouse(target, "r1") as working:
        working.path.write_bytes(b"after")
        working.commit()
    assert target.read_bytes() == b"after"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kam.duckdb"]


def test_manifest_lists_every_file_with_its_hash_and_description(tmp_path):
    (tmp_path / "accounts").mkdir()
    (tmp_path / "accounts" / "ACC-1.pdf").write_bytes(b"pdf-1")
    (tmp_path / "portfolio.pdf").write_bytes(b"pdf-p")
    manifest = build_manifest(
        tmp_path,
        month="2026-10",
        run_id="abc",
        validation_success=True,
        validation_run_id="abc",
        described={
            "accounts/ACC-1.pdf": {
                "account_id": "ACC-1",
                "manager_id": "AM-1",
                "tier": "key",
                "pages": 3,
            }
        },
    )
    write_manifest(tmp_path, manifest)
    body = json.loads((tmp_path / "manifest.json").read_text())
    assert body["month"] == "2026-10" and body["run_id"] == "abc"
    assert body["validation"] == {"success": True, "run_id": "abc"}
    assert body["files"] == [
        {
            "path": "accounts/ACC-1.pdf",
            "kind": "account_review",
            "sha256": hashlib.sha256(b"pdf-1").hexdigest(),
            "account_id": "ACC-1",
            "manager_id": "AM-1",
            "tier": "key",
            "pages": 3,
        },
        {
            "path": "portfolio.pdf",
            "kind": "portfolio",
            "sha256": hashlib.sha256(b"pdf-p").hexdigest(),
        },
    ]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("accounts/A.pdf", "account_review"),
        ("portfolio.pdf", "portfolio"),
        ("data_quality.pdf", "data_quality"),
        ("data_docs/index.html", "data_docs"),
        ("dq/orders.json", "validation_results"),
        ("notes.txt", "other"),
    ],
)
def test_kind_of(path, kind):
    assert kind_of(path) == kind


def _key_pair(folder, name):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    public = folder / f"{name}.pub.pem"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return pem, public


def _signed_month(tmp_path):
    month_dir = tmp_path / "2026-10"
    (month_dir / "accounts").mkdir(parents=True)
    (month_dir / "accounts" / "A1.pdf").write_bytes(b"%PDF one")
    (month_dir / "portfolio.pdf").write_bytes(b"%PDF two")
    manifest = build_manifest(month_dir, month="2026-10", run_id="r1", validation_success=True,
                              validation_run_id="r1")
    pem, public = _key_pair(tmp_path, "signing")
    sign_manifest(write_manifest(month_dir, manifest), pem)
    return month_dir, pem, public


def test_a_signature_is_deterministic_unlisted_and_checked(tmp_path):
    month_dir, pem, public = _signed_month(tmp_path)
    signature = (month_dir / "manifest.json.sig").read_bytes()
    assert len(signature) == 64
    sign_manifest(month_dir / "manifest.json", pem)
    assert (month_dir / "manifest.json.sig").read_bytes() == signature  # Ed25519: same bytes
    rebuilt = build_manifest(month_dir, month="2026-10", run_id="r1", validation_success=True,
                             validation_run_id="r1")
    assert [f.path for f in rebuilt.files] == ["accounts/A1.pdf", "portfolio.pdf"]
    assert verify_month(month_dir, public_key_path=public).ok
    _, other = _key_pair(tmp_path, "other")
    wrong = verify_month(month_dir, public_key_path=other)
    assert not wrong.ok and wrong.problems == [
        f"signature: manifest.json.sig does not match manifest.json under {other}"]


def test_replacing_an_entry_signs_again_or_drops_the_stale_signature(tmp_path):
    month_dir, pem, public = _signed_month(tmp_path)
    (month_dir / "accounts" / "A1.pdf").write_bytes(b"%PDF one, re-rendered")
    entry = {"path": "accounts/A1.pdf", "kind": "account_review",
             "sha256": hashlib.sha256(b"%PDF one, re-rendered").hexdigest()}
    replace_entry(month_dir, entry, pem)
    assert verify_month(month_dir, public_key_path=public).ok
    replace_entry(month_dir, entry)
    assert not (month_dir / "manifest.json.sig").exists()
    unsigned = verify_month(month_dir, public_key_path=public)
    assert unsigned.problems == ["signature: manifest.json.sig is missing"]
    assert unsigned.missing == unsigned.changed == unsigned.extra == []


def test_verify_names_missing_changed_and_extra_files(tmp_path):
    month_dir, _, _ = _signed_month(tmp_path)
    (month_dir / "portfolio.pdf").unlink()
    (month_dir / "accounts" / "A1.pdf").write_bytes(b"%PDF changed")
    (month_dir / "accounts" / "A2.pdf").write_bytes(b"%PDF added")
    found = verify_month(month_dir)
    assert (found.missing, found.changed, found.extra) == (
        ["portfolio.pdf"], ["accounts/A1.pdf"], ["accounts/A2.pdf"])
    assert "signature: present, not checked (no --public-key given)" in found.lines()
    with pytest.raises(UsageError, match="manifest.json does not exist"):
        verify_month(tmp_path / "nothing")
