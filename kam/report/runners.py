"""Where the reviews render: a Prefect task runner chosen by setting.

- `process` (default): Prefect's ProcessPoolTaskRunner, worker processes on this machine;
- `dask`: prefect-dask's DaskTaskRunner, on a Dask `LocalCluster` started for the run, or on
  the existing cluster whose scheduler `address` names (tcp://host:8786);
- `ray`: prefect-ray's RayTaskRunner, on a local Ray instance or the cluster at `address`
  (ray://host:10001).

Each task renders one batch of accounts from the Parquet snapshot and returns the PDFs as
bytes; the parent writes them and the manifest, so every runner publishes the same bytes.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from prefect import flow
from prefect.futures import as_completed
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from kam.rendering.engine import Pdf
from kam.report.batch import render_batch
from kam.report.documents import RenderSettings

RunnerKind = Literal["process", "dask", "ray"]

# The cluster runners are imported only when chosen: every render worker imports this package,
# and Dask's and Ray's clients would add seconds to the start of each worker that needs neither.
_CLUSTER_RUNNERS = {"dask": ("prefect_dask", "DaskTaskRunner"),
                    "ray": ("prefect_ray", "RayTaskRunner")}


def _cluster_runner(kind: str) -> type[TaskRunner]:
    module, name = _CLUSTER_RUNNERS[kind]
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class RenderRunner:
    """Which task runner renders the batches, and on how many workers (None: one per core;
    ignored with a cluster `address`, whose size is the cluster's own)."""

    kind: RunnerKind = "process"
    address: str | None = None
    workers: int | None = None

    @classmethod
    def from_settings(cls, settings) -> RenderRunner:
        return cls(settings.render_runner, settings.render_cluster_address,
                   settings.render_workers)

    def task_runner(self, workers: int) -> TaskRunner:
        if self.kind == "dask":
            dask_runner = _cluster_runner("dask")
            if self.address:
                return dask_runner(address=self.address)
            # One thread per worker process (a worker renders one review at a time anyway);
            # the dashboard on any free port, so two runs on one machine do not collide.
            return dask_runner(
                cluster_class="distributed.LocalCluster",
                cluster_kwargs={"n_workers": workers, "threads_per_worker": 1,
                                "processes": True, "dashboard_address": ":0"},
            )
        if self.kind == "ray":
            ray_runner = _cluster_runner("ray")
            if self.address:
                return ray_runner(address=self.address)
            return ray_runner(init_kwargs={"num_cpus": workers, "include_dashboard": False})
        return ProcessPoolTaskRunner(max_workers=workers)


# The progress callback of the fan-out in progress, called in the parent as batches finish.
# Not a flow parameter: Prefect sends the flow's parameters with every task's context to the
# workers, and a progress bar (with its locks) neither pickles nor means anything there.
_on_batch: Callable[[int], None] | None = None


def fan_out_batches(
    snapshot: str, batches: list[list[str]], settings: RenderSettings
) -> list[tuple[str, Pdf]]:
    """Submit one task per batch to the flow's task runner; collect the PDFs."""
    futures = [render_batch.submit(snapshot, batch, settings) for batch in batches]
    rendered: list[tuple[str, Pdf]] = []
    for future in as_completed(futures):
        done = future.result()
        rendered.extend(done)
        if _on_batch is not None:
            _on_batch(len(done))
    return rendered


# The flow wraps a function importable under its own name, so the process pool pickles it
# by reference (the flow's context travels with each task) rather than by value with its
# module's globals.
render_in_batches = flow(name="render-reviews", persist_result=False,
                         validate_parameters=False)(fan_out_batches)


@contextmanager
def _workers_skip_the_main_script() -> Iterator[None]:
    """Spawned workers start without re-running the parent's main script.

    A spawned process re-runs the parent's main script (the `kam` command, or a user's own
    script) unless the main module is a package's `__main__`. Re-running `kam` imports Great
    Expectations, which imports pyspark's Spark Connect; while the child's main module is
    still being set up, pyspark takes the process for a doctest run and exits with status 0,
    which breaks the pool in the middle of its first batch. The workers need nothing from the
    main script (they import what the pickled tasks name), so while the workers start the
    main module passes for `kam`'s own `__main__`, which spawn skips, and each worker also
    saves the seconds that re-importing the whole pipeline costs.
    """
    main = sys.modules["__main__"]
    had_spec, spec = hasattr(main, "__spec__"), getattr(main, "__spec__", None)
    main.__spec__ = importlib.util.find_spec("kam.__main__")
    try:
        yield
    finally:
        if had_spec:
            main.__spec__ = spec
        else:
            del main.__spec__


def render_with(
    runner: RenderRunner, workers: int, snapshot: str, batches: list[list[str]],
    settings: RenderSettings, on_batch: Callable[[int], None] | None = None,
) -> dict[str, Pdf]:
    """Account id -> PDF for every account of `batches`, rendered through `runner`."""
    global _on_batch
    fan_out = render_in_batches.with_options(task_runner=runner.task_runner(workers))
    _on_batch = on_batch
    try:
        with _workers_skip_the_main_script():
            return dict(fan_out(snapshot, batches, settings))
    finally:
        _on_batch = None
