"""Publish: the month's manifest and its signature, the atomic swap of outputs and
warehouse, the run record, and `kam verify` of what was published.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they swapped in.
"""

from kam.publish.manifest import (
    MANIFEST_NAME,
    Manifest,
    build_manifest,
    kind_of,
    replace_entry,
    write_manifest,
)
from kam.publish.runs import record_run
from kam.publish.signing import private_key_pem, sign_manifest
from kam.publish.verify import Verification, verify_month
from kam.publish.workspace import StagedMonth, WorkingWarehouse

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "StagedMonth",
    "Verification",
    "WorkingWarehouse",
    "build_manifest",
    "kind_of",
    "private_key_pem",
    "record_run",
    "replace_entry",
    "sign_manifest",
    "verify_month",
    "write_manifest",
]
