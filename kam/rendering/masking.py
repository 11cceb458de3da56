"""Mask e-mail addresses and phone numbers in free text before it reaches a PDF or e-mail.

Phone numbers are recognised by their shapes, not by "enough digits": a Chinese mobile
(1[3-9] and nine more digits), a landline with its area code ((021) 6888-8888,
010 8888 8888), a 400/800 service number, an international number (+86 10 8888 8888,
+1 (415) 555-0132, 0049 30 1234567), a North American 415-555-0132, or any run of digits
right after a word such as Tel, Phone, 电话 or 手机 (glued to it too: Tel13800138000). An
extension (ext. 12, x12, 转12, 分机12) is masked with its number. Dates, times, amounts
with a decimal or thousands mark, percentages and ids (ACC-00001, SO20261005001) have none
of those shapes and stay readable.
"""

from __future__ import annotations

import re

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

# ---- e-mail ------------------------------------------------------------------------------
# Local part: a dot-atom (letters of any script, digits, the RFC 5322 specials, plus
# addressing) or a quoted string; domain: labels of any script (IDN) or punycode, ending in
# a top-level label of letters, or an address literal [192.0.2.1]. "@" may be written
# full-width (＠) or as [at] / (at).
_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LOCAL = rf'(?:{_ATOM}(?:\.{_ATOM})*|"(?:[^"\\\r\n]|\\.)+")'
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_DOMAIN = rf"(?:(?:{_LABEL}\.)+(?:[^\W\d_]{{2,}}|xn--[A-Za-z0-9-]+)|\[[0-9A-Fa-f:.]+\])"
_AT = r"(?:@|＠|\s?[\[(]at[\])]\s?)"
_EMAIL = re.compile(rf"{_LOCAL}{_AT}{_DOMAIN}", re.IGNORECASE)

# ---- phone numbers -----------------------------------------------------------------------
_SEP = r"[ \-.\u00a0]?"  # one optional separator between digit groups
_EXTENSION = r"(?:\s*(?:ext\.?|extn\.?|extension|x|转|分机|#)\s*\d{1,6})?"
_SHAPES = [
    # international: +CC or 00CC, then 2 to 6 groups (an optional (0) or (area) among them)
    r"(?:\+|00)[1-9]\d{0,2}(?:[ \-.\u00a0]?(?:\(0\)|\(\d{1,4}\)|\d{1,5})){2,6}",
    r"1[3-9]\d" + _SEP + r"\d{4}" + _SEP + r"\d{4}",  # Chinese mobile
    r"\(0\d{1,4}\)\s?\d{3,4}" + _SEP + r"\d{3,5}",  # (021) 6888-8888, (030) 123-4567
    r"0\d{2,3}[ \-]\d{3,4}" + _SEP + r"\d{4}",  # 021-6888-8888, 010 8888 8888
    r"0\d{2,3}-\d{7,8}",  # 021-68888888
    r"[48]00" + _SEP + r"\d{3}" + _SEP + r"\d{4}",  # 400-800-8888 service numbers
    r"\(\d{3}\)\s?\d{3}[ \-.]\d{4}",  # (415) 555-0132
    r"\d{3}[\-.]\d{3}[\-.]\d{4}",  # 415-555-0132, 415.555.0132
]
# Not inside a longer number, id or amount: no ASCII letter, digit, or joining mark on
# either side (Chinese text may touch the number), and no decimal part, %, or :MM after.
_BEFORE = r"(?<![A-Za-z0-9_/\-.,+:])"
_AFTER = r"(?![A-Za-z0-9_%]|[.,:]\d|-\d)"
_PHONE = re.compile(rf"{_BEFORE}(?:{'|'.join(_SHAPES)}){_EXTENSION}{_AFTER}", re.IGNORECASE)

# A phone word, then any digits with phone separators: the word says what the number is.
_PHONE_WORDS = (r"tel|phone|telephone|mobile|mob|cell|fax|ph|电话|手机|座机|传真|联系电话"
                r"|手机号|电话号码")
_AFTER_WORD = re.compile(
    rf"(?<![A-Za-z])(?P<word>(?:{_PHONE_WORDS})\.?\s*(?:no\.?|number|#)?\s*[:：]?\s*)"
    rf"(?P<number>\+?\(?\d[\d ()\-.\u00a0]*\d{_EXTENSION})(?![0-9%]|[.,]\d)",
    re.IGNORECASE,
)
MIN_PHONE_DIGITS = 7


def _mask_after_word(match: re.Match) -> str:
    number = match.group("number")
    if sum(ch.isdigit() for ch in number) < MIN_PHONE_DIGITS:
        return match.group()
    return match.group("word") + PHONE_MASK


def mask_contact_details(text: str | None) -> str | None:
    """`text` with every e-mail address and phone number replaced by a marker."""
    if text is None:
        return None
    masked = _EMAIL.sub(EMAIL_MASK, text)
    masked = _AFTER_WORD.sub(_mask_after_word, masked)
    return _PHONE.sub(PHONE_MASK, masked)
