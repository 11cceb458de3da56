"""How much an export may hold, and the one-line refusal when it holds more.

Every reader checks its limit before it allocates for the data: a file's size from the
file system, a ZIP member's size and compression ratio from the archive's central
directory, a sheet's used range from the workbook's own records (kam.extract.extent). So
an export that would exhaust memory (a ZIP or spreadsheet bomb, a runaway field) ends the
run with exit 3 and a message naming the file, the limit and the setting that raises it,
never with the process killed.
The values are settings (kam.settings.Settings, README "Limits").
"""

from __future__ import annotations

from dataclasses import dataclass

from kam.errors import DataQualityError
from kam.settings import LIMIT_FIELDS, Settings

# Members this small are read whatever their ratio: they cannot exhaust memory, and a tiny
# file of repeated values compresses far better than any real export does.
RATIO_FREE_BYTES = 1 << 20


def _default(name: str) -> int:
    return Settings.model_fields[name].default


@dataclass(frozen=True)
class InputLimits:
    """The input limits of one run (defaults: those of Settings)."""

    max_file_bytes: int = _default("max_file_bytes")
    max_export_bytes: int = _default("max_export_bytes")
    max_rows: int = _default("max_rows")
    max_columns: int = _default("max_columns")
    max_cells: int = _default("max_cells")
    max_field_bytes: int = _default("max_field_bytes")
    max_zip_ratio: int = _default("max_zip_ratio")

    @classmethod
    def from_settings(cls, settings: Settings) -> InputLimits:
        return cls(**{name: getattr(settings, name) for name in LIMIT_FIELDS})


DEFAULT_LIMITS = InputLimits()


def over_limit(where: str, what: str, setting: str, limit: int) -> DataQualityError:
    """`where: what exceeds the limit of N (max_x)`, with how to raise it."""
    return DataQualityError(
        f"{where}: {what} exceeds the limit of {limit:,} ({setting})",
        hint=f"if the export is genuine, raise {setting} (KAM_{setting.upper()} or kam.toml)",
    )


def check_member_size(relative: str, size: int, compressed: int | None,
                      limits: InputLimits) -> None:
    """Refuse a file over max_file_bytes, or a ZIP member (compressed size given) that
    inflates past max_zip_ratio; from sizes alone, before a byte of it is read."""
    if size > limits.max_file_bytes:
        kind = "size" if compressed is None else "uncompressed size"
        raise over_limit(relative, f"{kind} {size:,} bytes", "max_file_bytes",
                         limits.max_file_bytes)
    if compressed is not None and size > RATIO_FREE_BYTES:
        ratio = size / max(compressed, 1)
        if ratio > limits.max_zip_ratio:
            raise over_limit(relative, f"compression ratio {ratio:,.0f}:1 ({compressed:,} "
                             f"bytes expand to {size:,})", "max_zip_ratio",
                             limits.max_zip_ratio)


def check_sheet_extent(where: str, rows: int, columns: int, limits: InputLimits) -> None:
    """Refuse a sheet whose used range (last row, last column) is over the limits."""
    if columns > limits.max_columns:
        raise over_limit(where, f"used range of {columns:,} columns", "max_columns",
                         limits.max_columns)
    if rows > limits.max_rows:
        raise over_limit(where, f"used range of {rows:,} rows", "max_rows", limits.max_rows)
    if rows * columns > limits.max_cells:
        raise over_limit(where, f"used range of {rows:,} x {columns:,} cells", "max_cells",
                         limits.max_cells)
