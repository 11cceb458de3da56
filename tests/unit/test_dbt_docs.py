import json

from kam.transform.docs import write_static_docs


def test_static_docs_are_inlined_and_free_of_clocks_ids_and_paths(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    manifest = {
        "metadata": {
            "generated_at": "2026-11-23T12:05:30Z",
            "invocation_id": "uuid-1",
            "user_id": "someone",
            "run_started_at": "2026-11-23T12:05:30+00:00",
        },
        "macros": {"macro.kam.m": {"name": "m"}},
        "nodes": {
            "model.kam.x": {
                "created_at": 1795435533.75,
                # an incremental run calls more macros than a fresh one
                "depends_on": {"macros": ["macro.dbt.is_incremental"], "nodes": ["model.kam.y"]},
                "raw_code": "select 1",
                "compiled_code": "select 1 -- incremental branch",
                "compiled_path": f"{target.resolve()}/compiled/x.sql",
                "root_path": f"{target.resolve()}/project",
            }
        },
    }
    catalog = {"metadata": {"generated_at": "2026-11-23T12:05:54Z", "invocation_id": "uuid-2"}}
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "catalog.json").write_text(json.dumps(catalog))
    (target / "index.html").write_text(
        '<script>m = "MANIFEST.JSON INLINE DATA"; c = "CATALOG.JSON INLINE DATA";</script>'
    )

    out = write_static_docs(
        target, tmp_path / "docs" / "index.html", run_id="run1", stamp="2026-10-31T23:59:59Z"
    )

    page = out.read_text()
    assert "INLINE DATA" not in page
    assert "2026-11-23" not in page and "uuid-" not in page and "someone" not in page
    assert str(target.resolve()) not in page
    inlined = json.loads(page.split("m = ")[1].split("; c = ")[0])
    assert inlined["metadata"]["generated_at"] == "2026-10-31T23:59:59Z"
    assert inlined["metadata"]["invocation_id"] == "run1"
    assert inlined["nodes"]["model.kam.x"] == {
        "created_at": 0.0,
        "depends_on": {"nodes": ["model.kam.y"]},
        "raw_code": "select 1",
        "root_path": "project",
    }
    assert inlined["macros"] == {"macro.kam.m": {"name": "m"}}  # definitions stay
