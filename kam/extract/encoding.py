"""Telling a file's text encoding, or saying honestly that it cannot be told.

A byte-order mark decides. Otherwise: UTF-16 without a mark (NUL bytes beside most ASCII
characters, on one parity), strict UTF-8, then the East Asian legacy encodings. Those
decode one another's bytes without error (EUC-KR Hangul bytes are valid GB2312 hanzi), so
each candidate must also read as its own script: GB18030 as mostly GB2312 hanzi, EUC-KR
as mostly Hangul with Korean's frequent syllables, CP932 (Shift-JIS) as kana and kanji.
When more than one reads plausibly, or none does, the caller stops and names the
candidates instead of guessing.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from kam.errors import DataQualityError

_PROBE = 1 << 16
_SHARE = 0.9  # share of non-ASCII characters that must belong to the candidate's script
_UTF16_NULS = 0.1  # share of one parity's bytes that are NUL in ASCII-bearing UTF-16


def bom_encoding(data: bytes) -> str | None:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _punctuation(char: str) -> bool:
    """CJK symbols and full-width ASCII forms, shared by the three scripts."""
    code = ord(char)
    return 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E or char in "·、。，：；“”‘’"


def _hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7A3 or 0x3130 <= code <= 0x318F or _punctuation(char)


# The most frequent Hangul syllables of Korean text. Real Korean uses them constantly;
# Chinese GB2312 bytes read as EUC-KR give Hangul syllables spread evenly over all 2,350,
# so they seldom hit these.
_COMMON_HANGUL = set("이다에의는로하을가고지서한은기으년대사시를리도인스일"
                     "수자정나해적어보주전상아요부제것게그들과우여장구")
_COMMON_HANGUL_SHARE = 0.1


def _korean(text: str) -> bool:
    """Mostly Hangul, and Hangul as Korean uses it (its frequent syllables recur)."""
    if not _reads_as(text, _hangul):
        return False
    syllables = [c for c in text if 0xAC00 <= ord(c) <= 0xD7A3]
    common = sum(1 for c in syllables if c in _COMMON_HANGUL)
    return bool(syllables) and common >= _COMMON_HANGUL_SHARE * len(syllables)


def _japanese(char: str) -> bool:
    code = ord(char)
    return (0x3040 <= code <= 0x30FF or 0x4E00 <= code <= 0x9FFF) or _punctuation(char)


# Candidate -> test that the decoded text reads as the candidate's script.
_LEGACY: dict[str, Callable[[str], bool]] = {
    "gb18030": lambda text: _reads_as(text, _in_gb2312),
    "euc-kr": lambda text: _korean(text),
    "cp932": lambda text: _reads_as(text, _japanese),
}
LEGACY_NAMES = {"gb18030": "GB18030", "euc-kr": "EUC-KR", "cp932": "Shift-JIS (cp932)"}


def _reads_as(text: str, in_script: Callable[[str], bool]) -> bool:
    wide = [c for c in text if ord(c) > 0x7F]
    return bool(wide) and sum(1 for c in wide if in_script(c)) >= _SHARE * len(wide)


def _utf16(head: bytes) -> str | None:
    """UTF-16 without BOM: NULs on most odd (little-endian) or even (big-endian) bytes.

    One stray NUL in a UTF-8 file is not enough: the share must be that of text whose
    delimiters, digits and newlines are ASCII, and the other parity nearly free of NULs.
    """
    odd, even = head[1::2], head[0::2]
    if not odd:
        return None
    odd_share, even_share = odd.count(0) / len(odd), even.count(0) / len(even)
    for encoding, mine, other in (("utf-16-le", odd_share, even_share),
                                  ("utf-16-be", even_share, odd_share)):
        if mine >= _UTF16_NULS and other < mine / 10:
            try:
                head[: len(head) // 2 * 2].decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def plausible_encodings(data: bytes) -> list[str]:
    """Every encoding the bytes could be in; one element when the answer is certain."""
    bom = bom_encoding(data)
    if bom:
        return [bom]
    head = data[:_PROBE]
    wide = _utf16(head)
    if wide:
        return [wide]
    try:
        data.decode("utf-8")
        return ["utf-8"]
    except UnicodeDecodeError:
        pass
    found = []
    for encoding, reads_as_script in _LEGACY.items():
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if reads_as_script(text):
            found.append(encoding)
    return found


def detect_encoding(data: bytes) -> str:
    """The encoding when it is certain; "unknown" when none fits, "ambiguous" when several do."""
    found = plausible_encodings(data)
    if len(found) == 1:
        return found[0]
    return "ambiguous" if found else "unknown"


def _undecidable(relative: str, found: list[str]) -> DataQualityError:
    setting = ("set its table's formats.encoding in the profile (or formats.encoding for "
               "every file)")
    if found:
        names = ", ".join(LEGACY_NAMES.get(e, e) for e in found)
        return DataQualityError(
            f"{relative}: cannot tell the text encoding: it reads as {names}",
            hint=f"{setting}, for example {found[0]}")
    return DataQualityError(
        f"{relative}: cannot detect the text encoding (not UTF-8, UTF-16, GB18030, "
        "EUC-KR or Shift-JIS)", hint=f"save it as UTF-8 CSV or {setting}, for example cp1252")


def to_utf8(data: bytes, declared: str, relative: str) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 without BOM, and the encoding they were read as.

    A byte-order mark wins over the profile's declared encoding: it cannot be wrong.
    """
    encoding = bom_encoding(data) or (declared if declared != "auto" else None)
    if encoding is None:
        found = plausible_encodings(data)
        if len(found) != 1:
            raise _undecidable(relative, found)
        encoding = found[0]
    if encoding == "utf-8":
        return data, encoding
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise DataQualityError(f"{relative}: cannot decode as {encoding}: {error}",
                               hint="set the table's formats.encoding in the profile") from None
    return text.lstrip("\ufeff").encode("utf-8"), encoding
