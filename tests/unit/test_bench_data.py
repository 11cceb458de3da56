"""The data benchmark's summary lines, from runs' `time per stage:` lines made by hand."""

from benchmarks.bench_data import row, stage_seconds, stages_line
from benchmarks.measure import Measured


def _run(wall: float, stages: str) -> Measured:
    return Measured(wall_seconds=wall, cpu_seconds=wall, peak_rss_mb=None, returncode=0,
                    stdout=f"2026-10: stopped after transform\ntime per stage: {stages}\n")


def test_stage_seconds_reads_the_run_summary():
    run = _run(10.0, "imports 2.5 s, prefect start 1.0 s, dbt build 4.25 s")
    assert stage_seconds(run.stdout) == {"imports": 2.5, "prefect start": 1.0,
                                         "dbt build": 4.25}


def test_stages_line_takes_each_stage_median_and_leaves_the_rest_to_the_exit():
    runs = [_run(10.0, "imports 2.0 s, dbt build 5.0 s"),
            _run(12.0, "imports 3.0 s, dbt build 6.0 s"),
            _run(20.0, "imports 9.0 s, dbt build 4.0 s")]
    # medians: wall 12.0, imports 3.0, dbt build 5.0; 12.0 - 8.0 left for the exit
    assert stages_line("kam s per stage", runs) == (
        "kam s per stage: imports 3.0, dbt build 5.0, exit and summary 4.0")


def test_stages_line_without_a_stage_line_gives_the_whole_run_to_the_exit():
    silent = Measured(wall_seconds=7.5, cpu_seconds=7.5, peak_rss_mb=None, returncode=0,
                      stdout="")
    assert stages_line("fixed cost s per stage", [silent]) == (
        "fixed cost s per stage: exit and summary 7.5")


def test_row_prints_the_ratio_to_the_reference():
    assert row("fixed cost s (wall)", 24.0, 6.0, "30 accounts") == (
        "fixed cost s (wall)      kam      24.0   plain DuckDB     6.0   ratio  4.00 "
        "(30 accounts)")
