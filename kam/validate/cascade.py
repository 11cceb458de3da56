"""Rows whose parent was quarantined follow it into quarantine.

An account set aside by a warning (status outside the vocabulary, unknown manager, ...) is
counted nowhere (docs/metrics.md, Bad rows), so neither are its orders, tickets, surveys,
interactions and contracts; otherwise the staging models would hold rows pointing at an
account that is
not there. This is a consequence of the checks, not a check of its own: it reads the
quarantined keys and the raw tables, and records each row with the parent it followed.
"""

from __future__ import annotations

import duckdb

CASCADE = "parent_quarantined"
# parent table -> the child tables and their column referring to the parent's key
CHILDREN: dict[str, list[tuple[str, str]]] = {
    "accounts": [
        ("orders", "account_id"),
        ("tickets", "account_id"),
        ("surveys", "account_id"),
        ("interactions", "account_id"),
        ("contracts", "account_id"),
    ],
}


def cascade_rows(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    quarantined: list[dict],
    tables: list[str],
    keys: dict[str, str],
) -> list[dict]:
    """Quarantine rows for every child row of a quarantined parent row."""
    rows: list[dict] = []
    for parent, children in CHILDREN.items():
        parent_keys = sorted({q["row_key"] for q in quarantined if q["table_name"] == parent})
        if not parent_keys:
            continue
        for child, column in children:
            if child not in tables:
                continue
            found = con.execute(
                f'select "{keys[child]}", _source_file, _source_line, "{column}" '
                f'from raw.{child} where "{column}" in (select unnest(?)) '
                "order by _source_line",
                [parent_keys],
            ).fetchall()
            rows += [
                {
                    "run_id": run_id,
                    "table_name": child,
                    "row_key": str(key),
                    "source_file": source_file,
                    "source_line": source_line,
                    "column_name": column,
                    "value": value,
                    "expectation": CASCADE,
                    "reason": f"Its {parent} row {value} is quarantined, so it is counted "
                    "nowhere either.",
                }
                for key, source_file, source_line, value in found
            ]
    return rows
