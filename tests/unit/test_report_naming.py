from __future__ import annotations

from kam.report.naming import safe_file_stem


def test_plain_ids_are_kept():
    assert safe_file_stem("ACC-1") == "ACC-1"
    assert safe_file_stem("acme_2.b") == "acme_2.b"


def test_unsafe_ids_are_cleaned_and_stay_unique():
    traversal = safe_file_stem("../../etc/passwd")
    assert "/" not in traversal and not traversal.startswith(".")
    assert traversal.startswith("_.._etc_passwd-")
    assert safe_file_stem("A/B") != safe_file_stem("A_B") == "A_B"
    assert safe_file_stem("客户 1").startswith("___1-")
    assert safe_file_stem("") .startswith("account-")
