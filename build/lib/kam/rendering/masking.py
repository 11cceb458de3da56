"""Mask e-mail addresses and phone numbers in free text before it reaches a PDF."""

from __future__ import annotations

import re

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits with the separators phone numbers use; it must hold 7+ digits to count,
# so dates, amounts and order numbers of a few digits stay readable.
# Neighbours are checked against ASCII only: Chinese text often runs straight into a number.
_PHONE_CANDIDATE = re.compile(r"(?<![A-Za-z0-9.])\+?\(?\d[\d\s().\-/]{5,}\d(?![A-Za-z0-9])")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}")
MIN_PHONE_DIGITS = 7


def _mask_phone(match: re.Match) -> str:
    text = match.group()
    digits = sum(ch.isdigit() for ch in text)
    if digits < MIN_PHONE_DIGITS or _DATE.fullmatch(text):
        return text
    return PHONE_MASK


def mask_contact_details(text: str | None) -> str | None:
    if text is None:
        return None
    return _PHONE_CANDIDATE.sub(_mask_phone, _EMAIL.sub(EMAIL_MASK, text))
