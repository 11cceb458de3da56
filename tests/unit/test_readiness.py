"""Waiting for the month's export: complete exports run, incomplete ones fail clearly."""

from __future__ import annotations

import shutil

import pytest

from kam.errors import PipelineError
from kam.extract.readiness import Readiness, export_readiness, wait_until_ready
from kam.month import Month


def test_an_export_whose_orders_reach_the_month_is_ready(sample_export):
    # The sample export's orders run to the end of 2026-10.
    assert export_readiness(sample_export, month=Month.parse("2026-10"), grace_days=7).ready


def test_an_export_ending_before_the_month_is_not_ready_and_says_until_when(sample_export):
    readiness = export_readiness(sample_export, month=Month.parse("2026-12"), grace_days=7)
    assert not readiness.ready
    assert "before 2026-12-24" in readiness.reason


def test_a_missing_required_file_is_not_ready(sample_export, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(sample_export, partial)
    (partial / "orders.csv").unlink()
    readiness = export_readiness(partial, month=Month.parse("2026-10"))
    assert not readiness.ready and "orders" in readiness.reason


def test_a_marker_file_decides_when_named(tmp_path):
    month = Month.parse("2026-10")
    assert not export_readiness(tmp_path, month=month, marker="_SUCCESS").ready
    (tmp_path / "_SUCCESS").write_text("")
    assert export_readiness(tmp_path, month=month, marker="_SUCCESS").ready


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_waiting_polls_until_the_export_is_complete():
    clock = FakeClock()
    answers = iter([Readiness(False, "no orders yet"), Readiness(False, "no orders yet"),
                    Readiness(True, "orders reach 2026-10-31")])
    ready = wait_until_ready(lambda: next(answers), what="the export", wait_hours=1,
                             poll_seconds=600, sleep=clock.sleep, clock=lambda: clock.now)
    assert ready.reason == "orders reach 2026-10-31"
    assert clock.sleeps == [600, 600]


def test_an_export_that_never_arrives_fails_after_the_wait_with_the_last_reason():
    clock = FakeClock()
    with pytest.raises(PipelineError, match=r"not complete after waiting 0.5 h: no orders"):
        wait_until_ready(lambda: Readiness(False, "no orders"), what="the export",
                         wait_hours=0.5, poll_seconds=700, sleep=clock.sleep,
                         clock=lambda: clock.now)
    # 1800 s: two full polls and a last shorter one up to the deadline, never beyond it.
    assert clock.sleeps == [700, 700, 400]
