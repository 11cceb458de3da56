"""What dbt says about a mart: its column's description and the models that computed it.

Read from the `manifest.json` that dbt writes into the run's target folder (beside the
warehouse, `.dbt_target/`), so the definition and the lineage are those of the models that
actually built the warehouse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kam.errors import UsageError


@dataclass(frozen=True)
class Node:
    unique_id: str
    kind: str  # model, source, seed, snapshot
    name: str
    path: str  # the file that defines it, relative to dbt_project/

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name, "path": self.path}


class DbtManifest:
    def __init__(self, manifest: dict):
        self._manifest = manifest

    @classmethod
    def read(cls, target_dir: Path) -> DbtManifest:
        path = Path(target_dir) / "manifest.json"
        if not path.exists():
            raise UsageError(
                f"no dbt manifest at {path}",
                hint="explain reads the dbt target a run leaves beside the warehouse; "
                "run `kam run` for the month first",
            )
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def _model_id(self, model: str) -> str:
        for unique_id, node in self._manifest["nodes"].items():
            if node["resource_type"] == "model" and node["name"] == model:
                return unique_id
        raise UsageError(f"dbt manifest has no model {model}")

    def column_description(self, model: str, column: str) -> str:
        node = self._manifest["nodes"][self._model_id(model)]
        return " ".join((node["columns"].get(column, {}).get("description") or "").split())

    def _node(self, unique_id: str) -> Node:
        node = self._manifest["nodes"].get(unique_id) or self._manifest["sources"][unique_id]
        kind = node["resource_type"]
        name = f"{node['source_name']}.{node['name']}" if kind == "source" else node["name"]
        return Node(unique_id, kind, name, node.get("original_file_path", ""))

    def upstream(self, model: str) -> list[Node]:
        """The model and everything it reads, inputs first (a topological order by depth)."""
        parents = self._manifest["parent_map"]
        depth: dict[str, int] = {}

        def visit(unique_id: str, level: int) -> None:
            if depth.get(unique_id, -1) >= level:
                return
            depth[unique_id] = level
            for parent in parents.get(unique_id, []):
                visit(parent, level + 1)

        visit(self._model_id(model), 0)
        ordered = sorted(depth, key=lambda uid: (-depth[uid], uid))
        return [self._node(uid) for uid in ordered]
