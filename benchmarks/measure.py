"""Run a command and measure it: wall seconds, CPU seconds and the peak memory of its tree.

Wall time on a shared machine depends on what else runs; CPU seconds (user + system of the
command and every process it waited for) do much less, so benchmarks print both. Peak memory
is the largest sum of resident set sizes of the command and all its descendants, sampled
every 0.1 s from /proc (Linux): a Prefect server or a dbt thread pool counts with the run.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float | None  # None where /proc is not available
    returncode: int
    stdout: str


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(b")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and all its descendants, in MB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo += tree.get(pid, [])
    return total / 1024


def run_measured(command: list[str], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> Measured:
    """Run `command` to the end; its stdout (and stderr) is returned, not printed."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, cwd=cwd)
    peak = [0.0]
    done = threading.Event()
    has_proc = Path("/proc/self/status").exists()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    began = time.monotonic()
    if has_proc:
        sampler.start()
    output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - began
    done.set()
    if has_proc:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(wall, usage.ru_utime + usage.ru_stime, peak[0] if has_proc else None,
                    proc.returncode, output)
