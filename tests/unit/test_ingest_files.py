"""The CSV reader: delimiters, quoting, encodings, line numbers, footers."""

from __future__ import annotations

import pytest

from kam.extract.readers import detect_encoding, read_csv_text, sniff_delimiter, sniff_quotechar

TEXT = "客户名称,负责人\n上海甲乙,张三\n"


@pytest.mark.parametrize(("encoding", "detected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"),
    ("gbk", "gb18030"), ("utf-16", "utf-16"), ("utf-16-le", "utf-16-le"),
])
def test_encodings_are_detected_and_decoded(encoding: str, detected: str) -> None:
    data = TEXT.encode(encoding)
    assert detect_encoding(data) == detected
    table = read_csv_text(data, "f.csv")
    assert table.headers == ["客户名称", "负责人"]
    assert table.table.to_pylist() == [{"c0": "上海甲乙", "c1": "张三", "_source_line": 2}]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(delimiter: str) -> None:
    head = delimiter.join(["id", "name", "amount"]) + "\n" + delimiter.join(
        ["1", "Acme", "1.5"]) + "\n"
    assert sniff_delimiter(head) == delimiter
    table = read_csv_text(head.encode(), "f.csv")
    assert table.delimiter == delimiter and table.table.num_rows == 1


def test_single_quoted_exports_and_apostrophes() -> None:
    assert sniff_quotechar("'id','name'", ",") == "'"
    assert sniff_quotechar("id,O'Brien's note", ",") == '"'
    table = read_csv_text(b"'id','name'\n'1','Smith, Jones'\n", "f.csv")
    assert table.table.to_pylist() == [{"c0": "1", "c1": "Smith, Jones", "_source_line": 2}]


def test_line_numbers_count_multi_line_fields_and_skipped_rows() -> None:
    data = b'id,note\n1,"a\nb\nc"\n2\n3,x\n'
    table = read_csv_text(data, "f.csv")
    assert [r["_source_line"] for r in table.table.to_pylist()] == [2, 6]
    assert table.malformed == [(5, "2", "malformed row: expected 2 fields, found 1")]


def test_footer_only_after_a_blank_line() -> None:
    data = b'id,name\n1,a\n\n"Grand Totals (1 records)"\n"Copyright"\n'
    table = read_csv_text(data, "f.csv")
    assert (table.table.num_rows, table.footer_lines, table.malformed) == (1, 3, [])
    unseparated = read_csv_text(b'id,name\n1,a\n"Total"\n', "f.csv")
    assert unseparated.malformed == [(3, '"Total"', "malformed row: expected 2 fields, "
                                                    "found 1")]
