"""Report labels in each supported locale.

Templates write labels in English through Jinja's i18n extension (`{{ _("Revenue") }}`);
translations/<locale>.yaml maps each English label to its translation. English needs no
file. A label missing from a catalogue falls back to English; a unit test checks that every
label the templates use is translated.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import yaml

CATALOGUE_DIR = Path(str(files("kam.rendering") / "translations"))  # package data


@lru_cache(maxsize=8)
def catalogue(locale: str) -> dict[str, str]:
    path = CATALOGUE_DIR / f"{locale}.yaml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


class Translator:
    """gettext / ngettext callables for one locale, as Jinja's i18n extension expects."""

    def __init__(self, locale: str):
        self._labels = catalogue(locale)

    def gettext(self, message: str) -> str:
        return self._labels.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def coded_label(kind: str, code: str | None, gettext) -> str | None:
    """The label of a code that arrives as data, e.g. coded_label("stage", "stable"):
    the translation of `<kind>.<code>`, falling back to the code itself (a theme a user
    added to the lexicon)."""
    if code is None:
        return None
    key = f"{kind}.{code}"
    translated = gettext(key)
    return code if translated == key else translated
