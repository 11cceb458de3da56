"""dbt's node results (models, snapshots, seeds, tests) as plain rows for the run's table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DbtNode:
    node: str  # unique id, e.g. model.kam.account_tier
    resource_type: str  # model / test / snapshot / seed / unit_test
    status: str  # success / pass / warn / fail / error / skipped
    rows_affected: int | None
    seconds: float
    message: str | None

    def as_row(self) -> dict[str, object]:
        return {
            "node": self.node,
            "type": self.resource_type,
            "status": self.status,
            "rows_affected": self.rows_affected,
            "seconds": round(self.seconds, 3),
            "message": self.message or "",
        }


def _rows_affected(result: object) -> int | None:
    response = getattr(result, "adapter_response", None) or {}
    value = response.get("rows_affected") if isinstance(response, dict) else None
    return int(value) if isinstance(value, int | float) and value >= 0 else None


def dbt_nodes(results: list) -> list[DbtNode]:
    """One row per node dbt ran or skipped, in dbt's execution order."""
    return [
        DbtNode(
            node=str(result.node.unique_id),
            resource_type=str(result.node.resource_type),
            status=str(result.status),
            rows_affected=_rows_affected(result),
            seconds=float(result.execution_time or 0.0),
            message=result.message if str(result.status) not in {"success", "pass"} else None,
        )
        for result in results
    ]
