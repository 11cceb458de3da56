"""SQL that turns a table's read files into typed, filtered, deduplicated rows.

`staged_sql` unions the files as canonical text columns (vocabularies and constants
applied, `keep_when` filters applied); `typed_sql` parses them and, when the table has an
updated-at column, several files or `distinct: true`, keeps one row per key: the latest
updated-at, then the later file (by name), then the later line.
"""

from __future__ import annotations

from kam.extract.assemble import ReadFile, ReadTable
from kam.extract.parse import parse_value, sql_literal, text_value, vocabulary_value
from kam.extract.profile import Formats
from kam.extract.readers import SOURCE_LINE


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def derived_value(file: ReadFile, read: ReadTable, column: str) -> str:
    """A derived column as SQL: the join or the first non-empty of its source columns."""
    rule = read.spec.derived[column]
    values = [text_value(f"c{index}") for index in file.derived[column]]
    if rule.join:
        return f"nullif(concat_ws({sql_literal(rule.separator)}, {', '.join(values)}), '')"
    return f"coalesce({', '.join(values)})"


def file_select(read: ReadTable, file: ReadFile, view: str, order: int) -> str:
    spec = read.spec
    parts = []
    for column in read.table.column_names:
        if column in spec.constants:
            text = sql_literal(spec.constants[column])
        elif column in file.derived:
            text = derived_value(file, read, column)
        elif column in file.columns:
            text = text_value(f"c{file.columns[column]}")
        elif column in spec.defaults:
            text = sql_literal(spec.defaults[column])
        else:
            text = "NULL::VARCHAR"
        if column in spec.values:
            text = vocabulary_value(text, spec.values[column])
        parts.append(f"{text} as {_quoted('__text_' + column)}")
    updated = text_value(f"c{file.updated_at}") if file.updated_at is not None else "NULL"
    parts += [f"{updated}::VARCHAR as __updated_text", f"{order} as __file_order",
              f"{sql_literal(file.source.relative)} as _source_file", SOURCE_LINE]
    keep = [f"lower(trim(c{index})) in ({', '.join(sql_literal(v.casefold()) for v in values)})"
            for index, values in file.keep]
    where = f" where {' and '.join(keep)}" if keep else ""
    return f"select {', '.join(parts)} from {view}{where}"


def staged_sql(read: ReadTable, views: list[str]) -> str:
    selects = [file_select(read, f, v, i) for i, (f, v) in enumerate(zip(read.files, views,
                                                                        strict=True))]
    return " union all ".join(selects)


def needs_dedup(read: ReadTable) -> bool:
    return (read.spec.distinct or len(read.files) > 1
            or any(f.updated_at is not None for f in read.files))


def typed_sql(read: ReadTable, formats: Formats, timezone: str) -> str:
    """Select from a relation `staged`: texts, parsed columns and `__row_key`,
    deduplicated when needed."""
    options = dict(timezone=timezone, decimal=formats.decimal, day_first=formats.day_first,
                   extra_formats=formats.date_formats)
    typed = [parse_value(_quoted("__text_" + c.name), c.type, **options) + f" as {_quoted(c.name)}"
             for c in read.table.columns if c.type != "text"]
    texts = [f"{_quoted('__text_' + c.name)} as {_quoted(c.name)}"
             for c in read.table.columns if c.type == "text"]
    key = ", ".join(_quoted("__text_" + k) for k in read.table.key.split(","))
    updated = parse_value("__updated_text", "timestamp", **options)
    sql = (f"select *, {', '.join(texts + typed)}, "
           f"nullif(concat_ws('|', {key}), '') as __row_key, "
           f"{updated} as __updated_at from staged")
    if not needs_dedup(read):
        return sql
    return (f"select * from ({sql}) qualify __row_key is null or row_number() over ("
            f"partition by __row_key order by __updated_at desc nulls last, "
            f"__file_order desc, {SOURCE_LINE} desc) = 1")
