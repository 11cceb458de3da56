"""What a running flow has learnt so far (run id, month, start), for its state hooks.

Prefect calls a flow's failure hook with the flow run but not the flow's local variables;
the flow notes here what the hook will need to say which run failed and where.
The hooks run in the flow's own process, so a process-local registry is enough.
"""

from __future__ import annotations

from typing import Any

_notes: dict[str, dict[str, Any]] = {}


def remember(flow_run_id: object, **facts: Any) -> None:
    _notes.setdefault(str(flow_run_id), {}).update(facts)


def recall(flow_run_id: object) -> dict[str, Any]:
    return dict(_notes.get(str(flow_run_id), {}))


def forget(flow_run_id: object) -> None:
    _notes.pop(str(flow_run_id), None)
