"""The data-quality PDF prints quarantined raw lines: their phones and e-mails are masked."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pdfplumber

from kam.month import Month
from kam.report.data_quality import render_data_quality_pdf
from kam.schema import AUDIT_DDL

RAW_LINE = "O7,A1,Tel13800138000 ext 12,jo.doe+x@acme.co.uk"


def test_quarantined_lines_reach_the_pdf_masked(tmp_path: Path):
    warehouse = tmp_path / "kam.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema audit")
        for ddl in AUDIT_DDL.values():
            con.execute(ddl)
        con.execute("insert into audit.quarantine values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ["run-m", "orders", None, "orders.csv", 3, None, RAW_LINE,
                     "well_formed_row", "malformed row: expected 5 fields, found 4"])
        con.execute("insert into audit.quarantine values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ["run-m", "surveys", "S1", "surveys.csv", 4, "score",
                     "call (021) 6888-8888 at 13:00", "parse_number", "not a number"])
    pdf = render_data_quality_pdf(warehouse, "run-m", Month.parse("2026-10"),
                                  tmp_path / "dq.pdf")
    with pdfplumber.open(io.BytesIO(pdf.read_bytes())) as document:
        text = " ".join((page.extract_text() or "") for page in document.pages)
    flat = text.replace("\n", " ")
    assert "13800138000" not in flat and "acme.co.uk" not in flat and "6888" not in flat
    # table cells wrap, so the masked line is checked piece by piece
    assert "O7,A1,Tel[phon" in flat and "[email]" in flat
    assert "call [phone] at" in flat and "13:00" in flat
