"""The real monthly flow on a generated export: outputs, reproducibility, failures."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from vendor_export import write_export

from benchmarks.bench_data import run_reference
from benchmarks.reference_check import agreement
from flows.monthly_review import monthly_account_review
from kam.cli import cli
from kam.extract import load_profile
from kam.month import Month
from kam.rendering.formatting import Formatter
from kam.schema import TABLES
from kam.settings import Settings, Stage

MONTH = "2026-10"


def _tree_hashes(folder: Path) -> dict[str, str]:
    """sha256 per file: equal trees have equal maps, and a mismatch names the file."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def published(sample_export, tmp_path_factory):
    """One full run for 2026-10; returns its config and result."""
    root = tmp_path_factory.mktemp("run")
    config = Settings.load(
        input_dir=sample_export,
        month=MONTH,
        out_dir=root / "output",
        warehouse=root / "warehouse" / "kam.duckdb",
    )
    return config, monthly_account_review(config)


def _key_accounts(warehouse: Path) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(
            "select account_id, account_name, tier, manager_id, revenue, reporting_currency "
            "from marts.account_review where month = date '2026-10-01' and is_key_account "
            "order by account_id"
        )
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_the_benchmark_reference_computes_the_core_marts_numbers(
    published, sample_export, tmp_path
):
    """`make bench BENCH=data` times a plain-DuckDB script against the flow; the comparison
    holds only if the script computes the same numbers as the flow's core marts."""
    config, _ = published
    reference = tmp_path / "reference.duckdb"
    run_reference(sample_export, Month.parse(MONTH), reference)
    marts = agreement(reference, config.warehouse, Month.parse(MONTH))
    assert {mart: differing for mart, _, differing in marts} == {
        "account_monthly": 0, "account_tier": 0, "account_retention": 0,
        "portfolio_retention": 0, "account_satisfaction": 0, "account_service": 0}
    assert all(rows > 0 for _, rows, _ in marts)


def test_manifest_lists_every_published_file_with_its_hash(published):
    config, result = published
    month_dir = config.out_dir / MONTH
    assert result.month_dir == month_dir
    manifest = json.loads((month_dir / "manifest.json").read_text())
    assert manifest["month"] == MONTH and manifest["run_id"] == result.run_id
    assert manifest["validation"] == {"success": True, "run_id": result.run_id}
    for entry in manifest["files"]:
        assert (
            hashlib.sha256((month_dir / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
        )
    on_disk = {p.relative_to(month_dir).as_posix() for p in month_dir.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == {e["path"] for e in manifest["files"]}
    assert {"portfolio.pdf", "data_quality.pdf"} <= on_disk


def test_one_review_per_key_account_showing_its_name_and_revenue(published):
    config, _ = published
    month_dir = config.out_dir / MONTH
    key_accounts = _key_accounts(config.warehouse)
    assert key_accounts, "the generated export should have key accounts"
    manifest = json.loads((month_dir / "manifest.json").read_text())
    reviews = {e["account_id"]: e for e in manifest["files"] if e["kind"] == "account_review"}
    assert sorted(reviews) == [a["account_id"] for a in key_accounts]

    biggest = max(key_accounts, key=lambda a: a["revenue"])
    entry = reviews[biggest["account_id"]]
    assert (entry["tier"], entry["manager_id"]) == (biggest["tier"], biggest["manager_id"])
    assert entry["path"] == f"accounts/{biggest['account_id']}.pdf"
    text = _pdf_text(month_dir / entry["path"])
    assert biggest["account_name"] in text
    assert Formatter("en", biggest["reporting_currency"]).money(biggest["revenue"]) in text
    assert len(PdfReader(month_dir / entry["path"]).pages) == entry["pages"]


def test_rerun_gives_byte_identical_outputs_and_the_same_run_id(published):
    config, first = published
    before = _tree_hashes(config.out_dir / MONTH)
    again = monthly_account_review(config)
    assert again.run_id == first.run_id
    assert _tree_hashes(config.out_dir / MONTH) == before


def test_report_command_rerenders_the_same_bytes(published):
    config, _ = published
    account_id = _key_accounts(config.warehouse)[0]["account_id"]
    pdf = config.out_dir / MONTH / "accounts" / f"{account_id}.pdf"
    before = pdf.read_bytes()
    pdf.unlink()
    result = CliRunner().invoke(
        cli,
        [
            "report",
            "--month",
            MONTH,
            "--account",
            account_id,
            "--out",
            str(config.out_dir),
            "--warehouse",
            str(config.warehouse),
        ],
    )
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes() == before


def test_blocking_failure_exits_3_and_changes_nothing(published, sample_export, tmp_path):
    config, _ = published
    broken = tmp_path / "broken"
    shutil.copytree(sample_export, broken)
    accounts = (broken / "accounts.csv").read_text().splitlines()
    (broken / "accounts.csv").write_text(
        "\n".join([*accounts, accounts[1]]) + "\n"
    )  # duplicate key
    outputs_before = _tree_hashes(config.out_dir / MONTH)
    warehouse_before = config.warehouse.read_bytes()

    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--input",
            str(broken),
            "--month",
            MONTH,
            "--out",
            str(config.out_dir),
            "--warehouse",
            str(config.warehouse),
        ],
    )

    assert result.exit_code == 3, result.output
    assert "accounts.csv" in result.output and "account_id" in result.output
    assert _tree_hashes(config.out_dir / MONTH) == outputs_before
    assert config.warehouse.read_bytes() == warehouse_before
    rejected = list((config.out_dir / "_rejected").iterdir())
    assert len(rejected) == 1 and (rejected[0] / "dq").is_dir()
    report = _pdf_text(rejected[0] / "data_quality.pdf")
    assert "accounts" in report and "expect_column_values_to_be_unique" in report


def test_until_transform_builds_the_models_and_publishes_no_files(sample_export, tmp_path):
    config = Settings.load(
        input_dir=sample_export,
        month="2026-09",
        out_dir=tmp_path / "out",
        warehouse=tmp_path / "kam.duckdb",
        until=Stage.transform,
    )
    result = monthly_account_review(config)
    assert result.month_dir is None
    assert not (tmp_path / "out" / "2026-09").exists()
    with duckdb.connect(str(config.warehouse), read_only=True) as con:
        tiers = con.execute(
            "select count(*) from marts.account_tier where month = date '2026-09-01'"
        ).fetchone()[0]
        runs = con.execute("select count(*) from audit.runs").fetchone()[0]
    assert tiers > 0 and runs == 1


def _backfill_august_to_september(export: Path, tmp_path: Path, *options: str):
    return CliRunner().invoke(cli, [
        "backfill", "--input", str(export), "--from", "2026-08", "--to", "2026-09",
        "--out", str(tmp_path / "out"), "--warehouse", str(tmp_path / "kam.duckdb"), *options,
    ])


def test_backfill_runs_months_in_order_each_as_of_its_own_end(sample_export, tmp_path):
    result = _backfill_august_to_september(sample_export, tmp_path, "--until", "transform")
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(tmp_path / "kam.duckdb"), read_only=True) as con:
        months = [
            r[0].isoformat()
            for r in con.execute("select month from audit.runs order by started_at").fetchall()
        ]
        latest_order = (
            con.execute("select max(month) from marts.account_monthly").fetchone()[0].isoformat()
        )
    assert months == ["2026-08-01", "2026-09-01"]
    assert latest_order == "2026-09-01"


def test_backfill_stops_at_the_failing_month_and_names_it(sample_export, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(sample_export, broken)
    (broken / "orders.csv").unlink()
    result = _backfill_august_to_september(broken, tmp_path)
    assert result.exit_code == 3, result.output
    assert "backfill stopped at 2026-08 (no month done)" in result.output
    assert "orders.csv: required file not found" in result.output
    assert not (tmp_path / "kam.duckdb").exists()


def test_deliver_outbox_writes_one_message_per_manager_with_their_reviews(published):
    config, _ = published
    result = CliRunner().invoke(
        cli,
        [
            "run",
            "--input",
            str(config.input_dir),
            "--month",
            MONTH,
            "--out",
            str(config.out_dir),
            "--warehouse",
            str(config.warehouse),
            "--deliver=outbox",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((config.out_dir / MONTH / "manifest.json").read_text())
    expected: dict[str, set[str]] = {}
    for entry in manifest["files"]:
        if entry["kind"] == "account_review":
            expected.setdefault(entry["manager_id"], set()).add(Path(entry["path"]).name)
    outbox = config.out_dir / "_outbox" / MONTH
    messages = {p.stem: p.read_bytes() for p in outbox.glob("*.eml")}
    assert set(messages) == set(expected)
    for manager_id, pdfs in expected.items():
        attached = set(re.findall(rb'filename="?([^";\r\n]+\.pdf)', messages[manager_id]))
        assert {name.decode() for name in attached} == pdfs


def _canonical_rows(export: Path) -> dict[str, list[dict[str, str]]]:
    rows = {}
    for table in TABLES.values():
        with (export / table.file_name).open(newline="", encoding="utf-8") as handle:
            rows[table.name] = [dict(row) for row in csv.DictReader(handle)]
    return rows


def test_a_vendor_export_gives_the_marts_of_its_canonical_twin(published, tmp_path):
    """The generated export rewritten as 纷享销客 exports (Chinese headers and vocabularies,
    GB18030) lands, validates and models to the very same tiers and monthly figures."""
    config, _ = published
    export = write_export(
        tmp_path / "fxiaoke", load_profile("fxiaoke"), "gb18030", _canonical_rows(config.input_dir)
    )
    twin = Settings.load(
        input_dir=export,
        month=MONTH,
        profile="fxiaoke",
        out_dir=tmp_path / "out",
        warehouse=tmp_path / "kam.duckdb",
        until=Stage.transform,
    )
    assert monthly_account_review(twin).validation_success

    def marts(warehouse: Path) -> dict[str, list[tuple]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {
                "tiers": con.execute(
                    "select account_id, t12m_revenue, share, computed_tier, tier, tier_change "
                    "from marts.account_tier where month = date '2026-10-01' order by account_id"
                ).fetchall(),
                "monthly": con.execute(
                    "select account_id, month, revenue, gross_margin, orders "
                    "from marts.account_monthly order by account_id, month"
                ).fetchall(),
            }

    canonical, vendor = marts(config.warehouse), marts(twin.warehouse)
    assert len(canonical["tiers"]) == 60
    assert vendor == canonical


def test_validate_command_checks_an_export_without_a_warehouse(sample_export, tmp_path):
    evidence = tmp_path / "evidence"
    passed = CliRunner().invoke(
        cli,
        ["validate", "--input", str(sample_export), "--month", MONTH, "--evidence", str(evidence)],
    )
    assert passed.exit_code == 0, passed.output
    assert "data-quality checks passed for 2026-10" in passed.output
    assert list((evidence / "dq").glob("*.json"))

    broken = tmp_path / "broken"
    shutil.copytree(sample_export, broken)
    orders = (broken / "orders.csv").read_text().splitlines()
    (broken / "orders.csv").write_text("\n".join([*orders, orders[1]]) + "\n")
    failed = CliRunner().invoke(cli, ["validate", "--input", str(broken), "--month", MONTH])
    assert failed.exit_code == 3, failed.output
    assert "orders.csv line" in failed.output and "column order_id" in failed.output


GOLDEN_MANIFEST = Path(__file__).parent / "golden" / "manifest-2026-10.json"
# dbt's documentation page embeds the models' source code, so it changes with any edit of a
# model's text; every other published byte is compared.
NOT_COMPARED = ("dbt_docs/",)


def test_published_bytes_match_the_golden_manifest(published):
    """The sample month's run id and every published file's sha256 are pinned: a change of
    the code that was meant to leave outputs alone must leave them alone. After an intended
    change, the actual manifest is written beside the golden one for review; copy it over
    (`cp tests/e2e/golden/manifest-2026-10.actual.json tests/e2e/golden/manifest-2026-10.json`)."""
    _, result = published
    actual_text = (result.month_dir / "manifest.json").read_text(encoding="utf-8")
    actual, golden = json.loads(actual_text), json.loads(GOLDEN_MANIFEST.read_text("utf-8"))

    def pinned(manifest: dict) -> dict:
        files = {f["path"]: f for f in manifest["files"] if not f["path"].startswith(NOT_COMPARED)}
        return {**manifest, "files": files}

    if pinned(actual) != pinned(golden):
        GOLDEN_MANIFEST.with_suffix(".actual.json").write_text(actual_text, encoding="utf-8")
    assert pinned(actual) == pinned(golden)


def test_the_dbt_docs_page_names_no_path_of_this_machine(published):
    """The page is part of the month's bytes: it must not depend on where kam is installed."""
    _, result = published
    page = (result.month_dir / "dbt_docs" / "index.html").read_text(encoding="utf-8")
    assert str(Path(__file__).resolve().parents[2]) not in page
    assert str(result.warehouse.parent.resolve()) not in page
