"""M/data_quality.pdf names the run, its inputs, what failed and what was quarantined."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from kam.rendering.engine import template_environment
from kam.report.data_quality import (
    CATALOGUE_DIR,
    TEMPLATE,
    labels,
    render_data_quality_pdf,
    report_data,
)
from kam.validate.validation import validate_warehouse

sys.path.insert(0, str(Path(__file__).parent))
from test_validate_checks import MONTH, THRESHOLDS, add, build_warehouse, clean_rows  # noqa: E402

SHA = "ab" * 32


def _text(path: Path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dq_report")
    rows = clean_rows()
    add(rows, "orders", order_id="O9", account_id="A99", order_date="2026-10-06", amount=1,
        currency="EUR")
    add(rows, "surveys", response_id="S9", account_id="A1", submitted_at="2026-10-03 08:00",
        survey_type="NPS", score=12)
    warehouse = build_warehouse(folder / "kam.duckdb", rows)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into audit.load_manifest values "
                    "('run-q', 'orders', 'orders.csv', ?, 3, true, 'canonical', null, "
                    "7, 2, 'IsWon in (true)', 1, 1, 'cost'), "
                    "('run-q', 'tickets', 'tickets.csv', null, 0, false, 'canonical', null, "
                    "0, 0, null, 0, 0, null)",
                    [SHA])
    summary = validate_warehouse(**THRESHOLDS, warehouse=warehouse, run_id="run-q", month=MONTH,
                                 evidence_dir=folder / str(MONTH))
    return warehouse, folder, summary


def test_pdf_shows_run_inputs_failures_and_quarantine(validated):
    warehouse, folder, summary = validated
    out = render_data_quality_pdf(warehouse, "run-q", MONTH, folder / "data_quality.pdf")
    text = _text(out)
    assert "run-q" in text and "October 2026" in text
    assert "Definitions: docs/metrics.md and dbt_docs/ in this month’s folder" in text
    assert "Passed" in text and summary.success
    assert SHA in text.replace("\n", "")  # the sha256 may wrap
    assert "not provided" in text  # tickets.csv was not in the export
    # every row accounted for: 7 read = 3 landed + 2 filtered + 1 quarantined + 1 deduplicated
    assert "orders orders.csv 7 3 2 1 1" in text
    assert "Kept only rows where IsWon in (true)" in text
    assert "Not provided by any column of the export: cost" in text
    # what failed: the unknown account and the NPS score, each with its rationale
    assert "every account_id is in accounts.account_id" in text
    with duckdb.connect(str(warehouse), read_only=True) as con:
        report = report_data(con, "run-q")
    failed, quarantine = text.split("What failed")[1].split("What was quarantined")
    assert len(report["failures"]) >= 2
    assert failed.count("Rationale: ") == len(report["failures"])  # one per failing check
    assert "Rationale: A row of orders.csv whose account_id is not in" in failed
    assert "Rationale: A NPS score outside 0-10" in failed
    # what was quarantined: counts and the first rows with file, line, key and value
    assert "Quarantined rows 2" in text
    assert "orders.csv 4 O9 account_id A99" in text
    assert "surveys.csv 5 S9 score 12" in text
    # each quarantined group names the rationale of the check that set its rows aside
    groups = quarantine.split("First quarantined rows")[0]
    assert groups.count("Rationale: ") == len(report["quarantine_counts"]) >= 2
    assert "Rationale: A row of orders.csv whose account_id" in groups
    assert "Rationale: A NPS score outside 0-10 is a data-" in groups


def test_pdf_of_a_blocked_run_says_nothing_is_published(tmp_path):
    rows = clean_rows()
    add(rows, "orders", order_id="O1", account_id="A1", order_date="2026-10-02", amount=1,
        currency="EUR")
    warehouse = build_warehouse(tmp_path / "kam.duckdb", rows)
    validate_warehouse(
        **THRESHOLDS, warehouse=warehouse, run_id="run-x", month=MONTH,
        evidence_dir=tmp_path / str(MONTH),
    )
    text = _text(render_data_quality_pdf(warehouse, "run-x", MONTH, tmp_path / "dq.pdf"))
    assert "Blocked" in text and "nothing is published" in text
    assert "expect_column_values_to_be_unique" in text and "Every check passed" not in text


def test_same_run_gives_the_same_bytes_and_chinese_renders(validated):
    warehouse, folder, _ = validated
    first = render_data_quality_pdf(warehouse, "run-q", MONTH, folder / "a.pdf").read_bytes()
    second = render_data_quality_pdf(warehouse, "run-q", MONTH, folder / "b.pdf").read_bytes()
    assert first == second
    chinese = _text(render_data_quality_pdf(warehouse, "run-q", MONTH, folder / "zh.pdf",
                                            locale="zh-CN"))
    assert "数据质量报告" in chinese and "隔离内容" in chinese
    assert "指标定义：docs/metrics.md 及本月文件夹中的 dbt_docs/" in chinese


def test_every_label_of_the_template_is_translated():
    source = (CATALOGUE_DIR / Path(TEMPLATE).name).read_text(encoding="utf-8")
    found = set()
    for _line, _function, message in template_environment("en").extract_translations(source):
        found.add(message[0] if isinstance(message, tuple) else message)
    found.discard(None)
    missing = sorted(label for label in found if label not in labels("zh-CN"))
    assert missing == []
    assert {"blocking", "warning"} <= set(labels("zh-CN"))  # severities arrive as data
