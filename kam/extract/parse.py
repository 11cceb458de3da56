"""SQL expressions that parse export text into the canonical DuckDB types.

Each expression returns NULL for a value it cannot read; the caller compares against the
(non-empty) text to quarantine that value instead of landing a wrong one (never NaN or 0).
Ambiguous values (`1,234` when the decimal mark is auto-detected) are unreadable too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kam.schema import DUCKDB_TYPES, ColumnType

# A trailing UTC offset or Z marks an absolute instant; anything else is local wall time.
OFFSET_PATTERN = r"\d:\d{2}(:\d{2}(\.\d+)?)?\s?(Z|z|[+-]\d{2}(:?\d{2})?)$"
EXCEL_SERIAL = r"^\d{5}(\.\d+)?$"  # days since 1899-12-30: 1927-05-18 .. 2173-10-14
EXCEL_UNIX_EPOCH = 25569  # serial of 1970-01-01

REASONS: dict[ColumnType, str] = {
    "date": "not a date (expected YYYY-MM-DD)",
    "timestamp": "not a timestamp (expected YYYY-MM-DD HH:MM[:SS], optional offset)",
    "money": "not an amount (expected a decimal number such as -1234.50)",
    "number": "not a number",
    "rate": "not a rate (expected a decimal number)",
}

_MONTH_FIRST = ["%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y"]
_DAY_FIRST = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"]
_UNAMBIGUOUS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%b %d, %Y", "%B %d, %Y",
                "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%Y%m%d"]
_TIMES = [" %H:%M:%S", " %H:%M", "T%H:%M:%S", "T%H:%M", " %H:%M:%S.%f", "T%H:%M:%S.%f",
          " %I:%M %p", " %I:%M:%S %p", " %H时%M分%S秒", " %H时%M分"]


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(sql_literal(i) for i in items) + "]"


def text_value(column_sql: str) -> str:
    """Trimmed text; an empty field is NULL (missing), not an empty string."""
    return f"nullif(trim({column_sql}), '')"


def date_formats(day_first: bool, extra: Sequence[str] = ()) -> list[str]:
    """strptime formats tried in order: the profile's own, unambiguous ones, then d/m or m/d."""
    return [*extra, *_UNAMBIGUOUS, *(_DAY_FIRST if day_first else _MONTH_FIRST)]


def timestamp_formats(day_first: bool, extra: Sequence[str] = ()) -> list[str]:
    dates = date_formats(day_first)
    return [*extra, *(d + t for d in dates for t in _TIMES), *dates]


# ---- numbers -----------------------------------------------------------------------------

_SYMBOLS = r"[\s\x{00a0}\x{202f}$¥￥€£₹元]"
_CODES = r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$"
_PATTERNS = {
    # decimal point; comma groups thousands
    ".": (r"^[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?([eE][+-]?\d+)?$", ",", "."),
    # decimal comma; point groups thousands
    ",": (r"^[+-]?(\d{1,3}(\.\d{3})+|\d*)(,\d+)?$", ".", ","),
}
# With the mark auto-detected, a number must say which mark is decimal: both separators
# present (the last one is decimal), one separator repeated (thousands), or one separator
# not followed by exactly three digits (decimal). "1,234" and "1.234" stay unreadable.
_AUTO_DOT = [r"^[+-]?\d{1,3}(,\d{3})+\.\d+$", r"^[+-]?\d{1,3}(,\d{3}){2,}$",
             r"^[+-]?\d*\.(\d{1,2}|\d{4,})$", r"^[+-]?(0|\d{4,})\.\d+$", r"^[+-]?\d+$"]
_AUTO_COMMA = [r"^[+-]?\d{1,3}(\.\d{3})+,\d+$", r"^[+-]?\d{1,3}(\.\d{3}){2,}$",
               r"^[+-]?\d*,(\d{1,2}|\d{4,})$", r"^[+-]?(0|\d{4,}),\d+$"]


def _matches_any(value: str, patterns: Sequence[str]) -> str:
    return " or ".join(f"regexp_matches({value}, {sql_literal(p)})" for p in patterns)


def _plain_number(core: str, decimal: str) -> str:
    """`core` (no symbols, sign, parentheses or %) as plain decimal text, or NULL."""
    dot = f"replace({core}, ',', '')"
    comma = f"replace(replace({core}, '.', ''), ',', '.')"
    if decimal == "auto":
        return (f"case when {_matches_any(core, _AUTO_DOT)} then {dot} "
                f"when {_matches_any(core, _AUTO_COMMA)} then {comma} end")
    pattern, thousands, mark = _PATTERNS[decimal]
    converted = dot if decimal == "." else comma
    return f"case when regexp_matches({core}, {sql_literal(pattern)}) then {converted} end"


def number_value(value: str, column_type: ColumnType, decimal: str) -> str:
    """Amounts as exports write them: `$12,400.00`, `¥1,234.50`, `1.234,50`, `(12.00)`, `95%`."""
    target = DUCKDB_TYPES[column_type]
    stripped = (f"regexp_replace(regexp_replace({value}, {sql_literal(_CODES)}, ''), "
                f"{sql_literal(_SYMBOLS)}, '', 'g')")
    core = f"regexp_replace({stripped}, '^\\(|\\)$|%$', '', 'g')"
    # Money is never a percentage, so its text is read straight into its own 18 digits: DuckDB
    # reads text into a 38-digit DECIMAL about 150 times slower (19 s for a column of 2M
    # values written like $1,234.50). Other types keep 10 decimals for the division below.
    wide = DUCKDB_TYPES["money"] if column_type == "money" else "DECIMAL(38, 10)"
    parsed = f"try_cast({_plain_number(core, decimal)} as {wide})"
    negative = f"(starts_with({stripped}, '(') and ends_with({stripped}, ')'))"
    percent = f"ends_with({stripped}, '%')"
    scaled = (f"case when {percent} then {parsed} / 100 else {parsed} end"
              if column_type != "money" else f"case when not {percent} then {parsed} end")
    signed = f"case when {negative} then -({scaled}) else {scaled} end"
    slow = f"try_cast({signed} as {target})"
    if decimal == ".":  # most values are plain numbers: skip the regular expressions
        return f"coalesce(try_cast({value} as {target}), {slow})"
    return slow


def finite_number(expression: str) -> str:
    return f"case when isfinite({expression}) then {expression} end"


# ---- dates and timestamps ----------------------------------------------------------------

def _excel_timestamp(value: str) -> str:
    micros = f"round((try_cast({value} as DOUBLE) - {EXCEL_UNIX_EPOCH}) * 86400) * 1000000"
    return (f"case when regexp_matches({value}, {sql_literal(EXCEL_SERIAL)}) "
            f"then make_timestamp(({micros})::BIGINT) end")


def timestamp_value(value: str, *, timezone: str, day_first: bool,
                    extra_formats: Sequence[str] = ()) -> str:
    """Local wall time in `timezone`; values with an offset or Z are converted to it."""
    formats = timestamp_formats(day_first, extra_formats)
    with_offset = [f + "%z" for f in formats if "%H" in f or "%I" in f]
    with_offset += [f + " %z" for f in formats if "%H" in f or "%I" in f]
    instant = (f"timezone({sql_literal(timezone)}, coalesce(try_cast({value} as TIMESTAMPTZ), "
               f"try_strptime({value}, {_list(with_offset)})::TIMESTAMPTZ))")
    local = (f"coalesce(try_cast({value} as TIMESTAMP), try_strptime({value}, {_list(formats)}),"
             f" {_excel_timestamp(value)})")
    full = (f"case when regexp_matches({value}, {sql_literal(OFFSET_PATTERN)}) "
            f"then {instant} else {local} end")
    if extra_formats:
        return full
    # Fast path for the common ISO wall time (19 characters cannot hold an offset).
    return (f"coalesce(case when length({value}) = 19 then try_cast({value} as TIMESTAMP) end,"
            f" {full})")


def date_value(value: str, *, timezone: str, day_first: bool,
               extra_formats: Sequence[str] = ()) -> str:
    """A calendar date; a timestamp gives its date in `timezone`, an Excel serial its day."""
    formats = date_formats(day_first, extra_formats)
    stamp = timestamp_value(value, timezone=timezone, day_first=day_first,
                            extra_formats=extra_formats)
    full = (f"case when regexp_matches({value}, {sql_literal(OFFSET_PATTERN)}) "
            f"then ({stamp})::DATE else coalesce("
            f"try_strptime({value}, {_list(formats)})::DATE, ({stamp})::DATE) end")
    if extra_formats:
        return full
    # Fast path for ISO dates (10 characters cannot hold a time or an offset).
    return f"coalesce(case when length({value}) = 10 then try_cast({value} as DATE) end, {full})"


# ---- vocabularies ------------------------------------------------------------------------

def vocabulary_value(value: str, vocabulary: Mapping[str, Sequence[str]]) -> str:
    """Map synonyms (case-insensitive) onto canonical values; others pass through unchanged."""
    pairs: dict[str, str] = {}
    for canonical, synonyms in vocabulary.items():
        for synonym in [canonical, *synonyms]:
            pairs.setdefault(synonym.strip().casefold(), canonical)
    if not pairs:
        return value
    whens = " ".join(f"when {sql_literal(k)} then {sql_literal(v)}" for k, v in pairs.items())
    return f"case lower({value}) {whens} else {value} end"


def parse_value(value: str, column_type: ColumnType, *, timezone: str, decimal: str = ".",
                day_first: bool = False, extra_formats: Sequence[str] = ()) -> str:
    """Expression typing `value` (trimmed text or NULL) as `column_type`, NULL if unreadable."""
    if column_type == "text":
        return value
    if column_type == "date":
        return date_value(value, timezone=timezone, day_first=day_first,
                          extra_formats=extra_formats)
    if column_type == "timestamp":
        return timestamp_value(value, timezone=timezone, day_first=day_first,
                               extra_formats=extra_formats)
    number = number_value(value, column_type, decimal)
    return finite_number(number) if column_type == "number" else number
