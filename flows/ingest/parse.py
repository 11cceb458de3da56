"""SQL expressions that parse text values into the canonical DuckDB types.

Each expression returns NULL for a value it cannot read; the caller compares against the
(non-empty) text to quarantine that value instead of landing a wrong one (never NaN or 0).
"""

from __future__ import annotations

from flows.schema import DUCKDB_TYPES, ColumnType

# A trailing UTC offset or Z marks an absolute instant; anything else is local wall time.
OFFSET_PATTERN = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"

REASONS: dict[ColumnType, str] = {
    "date": "not a date (expected YYYY-MM-DD)",
    "timestamp": "not a timestamp (expected YYYY-MM-DD HH:MM[:SS], optional offset)",
    "money": "not an amount (expected a decimal number such as -1234.50)",
    "number": "not a number",
    "rate": "not a rate (expected a decimal number)",
}


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def text_value(column_sql: str) -> str:
    """Trimmed text; an empty field is NULL (missing), not an empty string."""
    return f"nullif(trim({column_sql}), '')"


def parse_value(value_sql: str, column_type: ColumnType, *, timezone: str) -> str:
    """Expression typing `value_sql` (already trimmed text or NULL) as `column_type`."""
    if column_type == "text":
        return value_sql
    if column_type == "date":
        return f"try_cast({value_sql} as DATE)"
    if column_type == "timestamp":
        instant = f"timezone({sql_literal(timezone)}, try_cast({value_sql} as TIMESTAMPTZ))"
        return (f"case when regexp_matches({value_sql}, {sql_literal(OFFSET_PATTERN)}) "
                f"then {instant} else try_cast({value_sql} as TIMESTAMP) end")
    if column_type == "number":
        number = f"try_cast({value_sql} as DOUBLE)"
        return f"case when isfinite({number}) then {number} end"
    return f"try_cast({value_sql} as {DUCKDB_TYPES[column_type]})"
