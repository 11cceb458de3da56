"""Publish: the month's manifest and its signature, the atomic swap of outputs and
warehouse, the run record, and `kam verify` of what was published.

A run works on copies: the warehouse is copied to a working file and the month's outputs are
written to a hidden staging folder. Only when every step has succeeded are they switched in:
the month first, then the warehouse. One run at a time holds the warehouse's lock.
"""

from kam.publish.lock import read_holder, warehouse_lock
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
from kam.publish.uptodate import UpToDate, already_done
from kam.publish.verify import Verification, verify_month
from kam.publish.workspace import (
    StagedMonth,
    WorkingWarehouse,
    remove_leftovers,
    terminate_as_interrupt,
)

__all__ = [
    "MANIFEST_NAME",
    "Manifest",
    "StagedMonth",
    "UpToDate",
    "Verification",
    "WorkingWarehouse",
    "already_done",
    "build_manifest",
    "kind_of",
    "private_key_pem",
    "read_holder",
    "record_run",
    "replace_entry",
    "remove_leftovers",
    "sign_manifest",
    "terminate_as_interrupt",
    "verify_month",
    "warehouse_lock",
    "write_manifest",
]
