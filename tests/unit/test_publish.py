import hashlib
import json
import os
import subprocess
import sys

import duckdb
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kam.errors import UsageError
from kam.publish import (
    StagedMonth,
    WorkingWarehouse,
    build_manifest,
    kind_of,
    remove_leftovers,
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
    # a folder published before links were used became a link to the new version
    assert os.readlink(old) == ".2026-10.run1"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".2026-10.run1", "2026-10"]


def test_publishing_switches_the_month_link_and_drops_the_old_version(tmp_path):
    for run_id, content in [("run1", b"first"), ("run2", b"second"), ("run2", b"again")]:
        with StagedMonth(tmp_path, "2026-10", run_id) as staged:
            (staged.path / "portfolio.pdf").write_bytes(content)
            staged.publish()
        assert (tmp_path / "2026-10" / "portfolio.pdf").read_bytes() == content
    # the same run id again gets a second version name: the current one is never rewritten
    assert os.readlink(tmp_path / "2026-10") == ".2026-10.run2.1"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".2026-10.run2.1", "2026-10"]
    assert (tmp_path / "2026-10" / "manifest.json").exists() is False
    assert [p.name for p in (tmp_path / "2026-10").rglob("*")] == ["portfolio.pdf"]


def test_leftovers_of_crashed_runs_are_removed_and_the_published_month_kept(tmp_path):
    out, warehouse = tmp_path / "output", tmp_path / "warehouse" / "kam.duckdb"
    with StagedMonth(out, "2026-09", "good") as staged:
        (staged.path / "portfolio.pdf").write_bytes(b"published")
        staged.publish()
    leftovers = [
        out / ".2026-10.staging-crashed",  # staging folder of a killed run
        out / ".2026-09.previous-.2026-09.staging-old",  # the old layout's aside folder
        out / ".2026-09.unswitched",  # a version renamed but never linked
        warehouse.parent / ".kam.duckdb.crashed.work",  # a working copy
    ]
    for folder in leftovers:
        folder.mkdir(parents=True)
        (folder / "half.pdf").write_bytes(b"half")
    (out / ".2026-09.link-dead").symlink_to(".2026-09.unswitched")
    kept = [out / "_rejected" / "2026-08-x", out / ".kam_render_cache"]
    for folder in kept:
        folder.mkdir(parents=True)

    removed = remove_leftovers(out, warehouse)

    assert sorted(removed) == sorted([*leftovers, out / ".2026-09.link-dead"])
    assert sorted(p.name for p in out.iterdir()) == [
        ".2026-09.good", ".kam_render_cache", "2026-09", "_rejected"]
    assert (out / "2026-09" / "portfolio.pdf").read_bytes() == b"published"
    assert list(warehouse.parent.iterdir()) == []


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


def _leave_a_write_ahead_log(database) -> None:
    """Write a row and die before DuckDB's checkpoint: the row is only in `<db>.wal`."""
    code = (
        "import duckdb, os, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute('insert into t values (2)')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(database)], check=True)


def test_a_stale_write_ahead_log_is_folded_in_before_the_copy(tmp_path):
    target = tmp_path / "kam.duckdb"
    with duckdb.connect(str(target)) as con:
        con.execute("create table t (x integer)")
        con.execute("insert into t values (1)")
    _leave_a_write_ahead_log(target)
    assert target.with_name("kam.duckdb.wal").exists()

    with WorkingWarehouse(target, "r1") as working:
        # the copy holds the row that was only in the log
        with duckdb.connect(str(working.path)) as con:
            assert con.execute("select x from t order by x").fetchall() == [(1,), (2,)]
            con.execute("insert into t values (3)")
        working.commit()

    # no stale log beside the new file to be replayed onto it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kam.duckdb"]
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select x from t order by x").fetchall() == [(1,), (2,), (3,)]


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
        ("portfolio.xlsx", "portfolio_workbook"),
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
