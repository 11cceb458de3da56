"""Run every benchmark module (`bench_*.py`) in name order, or the ones named.

    python -m benchmarks                 # all of them
    python -m benchmarks render data     # bench_render.py and bench_data.py only

Each module exposes `main(argv: list[str]) -> None` and prints its own figures, each beside
the reference it is measured against.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _modules(names: list[str]) -> list[str]:
    found = sorted(path.stem for path in Path(__file__).parent.glob("bench_*.py"))
    if not names:
        return found
    wanted = [f"bench_{name.removeprefix('bench_')}" for name in names]
    unknown = sorted(set(wanted) - set(found))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; have: {', '.join(found)}")
    return wanted


def main(argv: list[str]) -> None:
    for name in _modules(argv):
        print(f"== {name.removeprefix('bench_')} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main([])


if __name__ == "__main__":
    main(sys.argv[1:])
