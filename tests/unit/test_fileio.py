"""Written files keep the user's umask; ids become file names injectively and stay inside
their folder."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from kam.errors import PipelineError
from kam.fileio import confined_file, distinct_file_stems, file_stem, write_atomic


@pytest.mark.parametrize(("umask", "mode"), [(0o027, 0o640), (0o077, 0o600), (0o022, 0o644)])
def test_written_files_keep_the_umask(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "sub" / "report.pdf", b"%PDF")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "sub" / "report.pdf").stat().st_mode) == mode
    assert stat.S_IMODE((tmp_path / "sub").stat().st_mode) == 0o777 & ~umask
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["report.pdf"]


def test_plain_ids_are_their_own_file_names():
    assert file_stem("ACC-00001") == "ACC-00001"
    assert file_stem("acme_2.b") == "acme_2.b"


@pytest.mark.parametrize("account_id", ["../../etc/passwd", "A/B", "客户 1", "", ".hidden",
                                        "..", "a\x00b", "x" * 200, "-rf"])
def test_other_ids_become_a_safe_name_with_their_hash(account_id):
    stem = file_stem(account_id)
    digest = hashlib.sha256(account_id.encode()).hexdigest()[:16]
    assert stem.endswith("+" + digest)
    assert "/" not in stem and "\x00" not in stem and not stem.startswith((".", "-"))
    assert len(stem) <= 80


def test_an_id_kept_as_is_never_meets_an_escaped_one():
    # "A/B" was escaped to "A_B-<8 hex>", which is also a plain id kept as is: one PDF for two
    # accounts. Escaped names carry "+", which a plain name never has.
    old_escape_of_a_slash_b = "A_B-" + hashlib.sha256(b"A/B").hexdigest()[:8]
    stems = distinct_file_stems(["A/B", old_escape_of_a_slash_b, "A_B"], "account")
    assert len(set(stems.values())) == 3
    assert stems[old_escape_of_a_slash_b] == old_escape_of_a_slash_b


def test_ids_that_would_share_a_file_are_an_error_naming_both():
    with pytest.raises(PipelineError, match="account ids 'ACC-1' and 'acc-1' would share"):
        distinct_file_stems(["ACC-1", "ACC-2", "acc-1"], "account")


def test_confined_file_stays_inside_its_folder(tmp_path):
    assert confined_file(tmp_path, "../../../x", ".eml").parent == tmp_path
    assert confined_file(tmp_path, "AM-1", ".eml") == tmp_path / "AM-1.eml"
    # a link planted under an id's name does not lead the write elsewhere
    (tmp_path / "AM-2.eml").symlink_to("/etc/passwd")
    with pytest.raises(PipelineError, match="leaves"):
        confined_file(tmp_path, "AM-2", ".eml")
