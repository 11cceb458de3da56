"""Run a piece of Python in a new interpreter and measure how much its resident memory grew,
so that a test's memory bound is that code's alone, not the test session's."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

_SCRIPT = """
import json, resource
{setup}
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
{body}
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"result": result, "growth_kib": peak - baseline}}))
"""


def run_measuring_memory(setup: str, body: str) -> tuple[object, int]:
    """(`result` as `body` set it, growth of peak resident memory in KiB while `body` ran).
    `setup` (the imports) runs before the baseline is taken; both are Python source."""
    script = _SCRIPT.format(setup=textwrap.dedent(setup), body=textwrap.dedent(body))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    return measured["result"], measured["growth_kib"]
