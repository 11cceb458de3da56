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


def risk_rules() -> list[dict[str, str]]:
    with RISK_RULES_SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def template_labels() -> set[str]:
    env = template_environment("en")
    labels = set()
    for path in TEMPLATE_DIR.rglob("*.html"):
        if "data_quality" in path.parts:
            continue  # the data-quality report keeps its own catalogue
        source = path.read_text(encoding="utf-8")
        for _line, _function, message in env.extract_translations(source):
            # A call with placeholders gives a tuple (msgid, None); `_(variable)` gives None.
            found = message[0] if isinstance(message, tuple) else message
            if isinstance(found, str):
                labels.add(found)
    return labels


def python_labels() -> set[str]:
    labels = set()
    for path in REPORT_PACKAGE.glob("*.py"):
        with path.open("rb") as handle:
            for _line, function, message, _comments in extract_python(
                    io.BytesIO(handle.read()), ["_"], [], {}):
                if function == "_" and isinstance(message, str):
                    labels.add(message)
    return labels


def data_labels() -> set[str]:
    """Labels that reach templates as data and are translated with `| t`."""
    labels = {CONFIDENTIALITY_LABEL, *views.TIERS, *views.SERVICE_PRIORITIES,
              *views.HEALTH_COMPONENT_LABELS.values(), "green", "amber", "red", "yes", "no"}
    severities = {rule["severity"] for rule in risk_rules()}
    return labels | severities | rule_label_keys()


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


def test_translator_falls_back_to_english():
    assert Translator("zh-CN").gettext("Revenue") == "收入"
    assert Translator("zh-CN").gettext("no such label") == "no such label"
    assert Translator("en").gettext("Revenue") == "Revenue"


def test_every_rule_of_the_seed_has_chinese_labels():
    chinese = catalogue("zh-CN")
    assert len(risk_rules()) == 12
    assert sorted(key for key in rule_label_keys() if key not in chinese) == []
    assert chinese["risk.health_red"] == "健康度评分处于红色区间"
