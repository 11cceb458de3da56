"""A workbook's sheets measured against the input limits before calamine opens it.

calamine allocates a sheet's whole used range at once, and some formats let a few bytes
claim billions of cells; the process would abort with no message. So the extent every
sheet calamine will read declares and uses is read first from the file's own records, by a
streamed pass that allocates nothing for the data (kam.extract.extent_xlsx, _xlsb, _ods,
_xls), and a sheet over max_rows, max_columns or max_cells is refused with exit 3.

calamine recognises a workbook by its content, not its name, so the checks are chosen the
same way: an OLE2 file is checked as XLS, and a ZIP as every format whose parts it holds
(an XLSX renamed .xls is still checked as XLSX).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections import Counter

from kam.errors import DataQualityError
from kam.extract.extent_ods import check_ods_extent
from kam.extract.extent_xls import SIGNATURE, check_xls_extent
from kam.extract.extent_xlsb import check_xlsb_extent
from kam.extract.extent_xlsx import check_xlsx_extent
from kam.extract.limits import InputLimits, check_member_size

_UNREADABLE_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                   OSError)


def check_workbook_extent(data: bytes, relative: str, sheet: str | None,
                          limits: InputLimits) -> None:
    """Refuse a workbook whose sheets (the one asked for, or every one calamine reads on
    opening) exceed the limits; every ZIP part is also held to max_file_bytes and
    max_zip_ratio. A file of no known layout is left to calamine to call unreadable."""
    if data.startswith(SIGNATURE):
        check_xls_extent(data, relative, limits)
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with archive:
        twice = [name for name, count in Counter(archive.namelist()).items() if count > 1]
        if twice:
            raise DataQualityError(
                f"{relative}: holds two parts named {twice[0]}; which one a reader takes is "
                "not defined, so the workbook is not read",
                hint="open it in a spreadsheet program and save it again, or export CSV")
        for info in archive.infolist():
            check_member_size(f"{relative}:{info.filename}", info.file_size,
                              info.compress_size, limits)
        try:
            check_xlsx_extent(archive, relative, sheet, limits)
            check_xlsb_extent(archive, relative, sheet, limits)
            check_ods_extent(archive, relative, limits)
        except _UNREADABLE_ZIP as error:  # a part that cannot be inflated cannot be measured
            raise DataQualityError(
                f"{relative}: not a readable workbook (a corrupt, encrypted or oddly "
                f"compressed part): {type(error).__name__}: {error}".replace("\n", " "),
                hint="open it in a spreadsheet program and save it again, or export CSV",
            ) from None
