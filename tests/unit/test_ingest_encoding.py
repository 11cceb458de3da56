"""Encoding detection names the encoding only when it is certain, and otherwise stops with
the candidates and how to set one, rather than landing mojibake."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kam.errors import DataQualityError
from kam.extract.encoding import detect_encoding, plausible_encodings
from kam.extract.landing import extract_export
from kam.extract.readers import read_csv_text

CHINESE = ("客户名称,负责人,创建时间\n上海甲乙有限公司,张三,2025-01-02\n"
           "北京丙丁科技,李四,2025-02-03\n")
KOREAN = "고객명,담당자,생성일\n서울상사,김민수,2025-01-02\n부산무역,이영희,2025-02-03\n"
JAPANESE = ("顧客名,担当者,作成日\n東京商事株式会社,山田太郎,2025-01-02\n"
            "さくら物産,佐藤花子,2025-02-03\n")


def test_chinese_in_gb18030_is_detected() -> None:
    assert detect_encoding(CHINESE.encode("gb18030")) == "gb18030"
    headers = read_csv_text(CHINESE.encode("gbk"), "f.csv").headers
    assert headers == ["客户名称", "负责人", "创建时间"]


def test_euc_kr_never_lands_as_gb18030_mojibake() -> None:
    data = KOREAN.encode("euc-kr")
    assert "gb18030" in plausible_encodings(data)  # the bytes do decode as hanzi...
    assert "euc-kr" in plausible_encodings(data)  # ...and as Hangul: undecidable
    with pytest.raises(DataQualityError) as error:
        read_csv_text(data, "고객.csv")
    assert error.value.message == ("고객.csv: cannot tell the text encoding: it reads as "
                                   "GB18030, EUC-KR")
    assert error.value.hint == ("set its table's formats.encoding in the profile (or "
                                "formats.encoding for every file), for example gb18030")


def test_shift_jis_is_read_as_japanese_not_chinese() -> None:
    data = JAPANESE.encode("shift_jis")
    assert plausible_encodings(data) == ["cp932"]
    assert read_csv_text(data, "f.csv").headers == ["顧客名", "担当者", "作成日"]


def test_a_stray_nul_byte_does_not_make_utf8_look_like_utf16() -> None:
    data = ("name,note\n" + "Acme,ok\n" * 20 + "Beta,bad\x00byte\n").encode("utf-8")
    assert detect_encoding(data) == "utf-8"
    assert read_csv_text(data, "f.csv").table.num_rows == 21


def test_utf16_without_bom_is_still_detected() -> None:
    assert detect_encoding(CHINESE.encode("utf-16-le")) == "utf-16-le"
    assert detect_encoding(CHINESE.encode("utf-16-be")) == "utf-16-be"


def test_western_single_byte_text_is_not_guessed() -> None:
    with pytest.raises(DataQualityError, match="cannot detect the text encoding"):
        read_csv_text("name\nCafé Müller\nSão Paulo\n".encode("cp1252"), "f.csv")


def test_one_tables_encoding_is_set_in_the_profile(tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    (export / "accounts.csv").write_bytes(
        "account_id,account_name,account_manager_id,created_at\n"
        "A1,서울상사,M1,2025-01-02\n".encode("euc-kr"))
    (export / "account_managers.csv").write_text(
        "manager_id,name,email\nM1,김민수,kim@example.kr\n", encoding="utf-8")
    (export / "orders.csv").write_text(
        "order_id,account_id,order_date,amount,currency\nO1,A1,2026-01-02,10,KRW\n")
    profile = tmp_path / "korean.yaml"
    profile.write_text("name: korean\ntables:\n  accounts:\n    files: [accounts.csv]\n"
                       "    formats: {encoding: euc-kr}\n", encoding="utf-8")
    extract_export(export, tmp_path / "w.duckdb", run_id="r", profile=profile)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("select account_name from raw.accounts").fetchall() == [("서울상사",)]


def test_short_chinese_whose_bytes_are_also_hangul_is_still_chinese() -> None:
    """很好 is BA DC BA C3: valid EUC-KR Hangul too, but syllables Korean seldom uses."""
    data = "response_id,comment\nS1,很好\n".encode("gb18030")
    assert plausible_encodings(data) == ["gb18030"]
