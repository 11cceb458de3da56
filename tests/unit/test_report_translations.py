"""Every label a report can print has a zh-CN translation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from babel.messages.extract import extract_python

from kam.assets import DBT_PROJECT_DIR, TEMPLATE_DIR
from kam.rendering.engine import template_environment
from kam.rendering.translations import Translator, catalogue
from kam.report import views
from kam.report.risks import label_key
from kam.settings import CONFIDENTIALITY_LABEL

REPORT_PACKAGE = Path(views.__file__).parent
RISK_RULES_SEED = DBT_PROJECT_DIR / "seeds" / "risk_rules.csv"
THEME_LEXICON_SEED = DBT_PROJECT_DIR / "seeds" / "theme_lexicon.csv"


def risk_rules() -> list[dict[str, str]]:
    with RISK_RULES_SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def lexicon_themes() -> set[str]:
    with THEME_LEXICON_SEED.open(encoding="utf-8", newline="") as handle:
        return {row["theme"] for row in csv.DictReader(handle)}


def template_labels() -> set[str]:
    env = template_environment("en")
    labels = set()
    for path in TEMPLATE_DIR.rglob("*.html"):
        if "data_quality" in path.parts:
            continue  # the data-quality report keeps its own catalogue
        source = path.read_text(encoding="utf-8")
        for _line, _function, message in env.extract_translations(source):
            # A call with placeholders gives a tuple (msgid, None), ngettext a tuple with
            # the singular and the plural; `_(variable)` gives None.
            found = message if isinstance(message, tuple) else (message,)
            labels.update(m for m in found if isinstance(m, str))
    return labels


def python_labels() -> set[str]:
    labels = set()
    for path in REPORT_PACKAGE.glob("*.py"):
        with path.open("rb") as handle:
            for _line, function, message, _comments in extract_python(
                    io.BytesIO(handle.read()), ["_", "ngettext"], [], {}):
                if function == "_" and isinstance(message, str):
                    labels.add(message)
                elif function == "ngettext" and isinstance(message, tuple):
                    labels.update(m for m in message[:2] if isinstance(m, str))
    return labels


def data_labels() -> set[str]:
    """Labels that reach templates as data and are translated with `| t`."""
    labels = {CONFIDENTIALITY_LABEL, *views.TIERS, *views.SERVICE_PRIORITIES,
              *views.HEALTH_COMPONENT_LABELS.values(), "green", "amber", "red", "yes", "no"}
    severities = {rule["severity"] for rule in risk_rules()}
    return labels | severities | rule_label_keys() | coded_label_keys()


def coded_label_keys() -> set[str]:
    """stage.<stage> for every lifecycle stage and theme.<theme> for every lexicon theme."""
    return ({f"stage.{stage}" for stage in views.LIFECYCLE_STAGES}
            | {f"theme.{theme}" for theme in lexicon_themes()})


def rule_label_keys() -> set[str]:
    """risk.<rule_id> and action.<rule_id> for every rule of the dbt seed."""
    return {label_key(kind, rule["rule_id"]) for rule in risk_rules()
            for kind in ("risk", "action")}


def test_labels_are_found():
    assert "Revenue of the month" in template_labels()
    assert "Gross margin" in python_labels()
    assert {"risk.health_red", "action.health_red", "high", "medium"} <= data_labels()


def test_every_label_has_a_chinese_translation():
    labels = template_labels() | python_labels() | data_labels()
    missing = sorted(label for label in labels if label not in catalogue("zh-CN"))
    assert missing == []


def test_chinese_catalogue_has_no_stale_labels():
    labels = template_labels() | python_labels() | data_labels() | {"page.after"}
    assert sorted(set(catalogue("zh-CN")) - labels) == []


def test_plural_labels_of_the_views_are_found():
    assert {"Of the %(lapsed)s account that lapsed, the warning had flagged %(hits)s a year "
            "earlier.", "%(hits)s of %(flagged)s flagged accounts lapsed."} <= python_labels()


def test_stages_and_themes_have_names_in_both_languages():
    """Codes that arrive as data print a name, not the code, in English as in Chinese."""
    for locale in ("en", "zh-CN"):
        missing = sorted(key for key in coded_label_keys() if key not in catalogue(locale))
        assert missing == [], locale
    assert {"price", "delivery", "quality", "responsiveness", "billing", "product_features",
            "relationship"} <= lexicon_themes()
    assert catalogue("zh-CN")["stage.formation"] == "形成期"
    assert catalogue("en")["theme.product_features"] == "Product features"


def test_english_catalogue_holds_only_keys_that_are_not_english_text():
    assert sorted(set(catalogue("en")) - coded_label_keys() - {"page.after"}) == []


def test_translator_falls_back_to_english():
    assert Translator("zh-CN").gettext("Revenue") == "收入"
    assert Translator("zh-CN").gettext("no such label") == "no such label"
    assert Translator("en").gettext("Revenue") == "Revenue"


def test_every_rule_of_the_seed_has_chinese_labels():
    chinese = catalogue("zh-CN")
    assert len(risk_rules()) == 12
    assert sorted(key for key in rule_label_keys() if key not in chinese) == []
    assert chinese["risk.health_red"] == "健康度评分处于红色区间"
