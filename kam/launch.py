"""`kam`'s entry point: Prefect's temporary API server starts while the pipeline imports,
and the process ends without a slow shutdown.

A command that runs a flow with no Prefect API configured (PREFECT_API_URL unset) needs
Prefect's temporary server: a Python process that imports Prefect's server and migrates
its database, several seconds on a small machine. Prefect starts it at the first flow call,
which comes only after the command line's imports (Prefect, DuckDB, the flows: seconds).
Started here, before those imports, it comes up at the same time on another core. It
still takes longer than the command line's imports, so a flow command loads Great
Expectations and dbt, which its tasks import where they use them, on a thread while it
waits. Any other command, or a run against a configured API, starts nothing and loads
neither.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import warnings
from pathlib import Path

from kam.errors import PipelineError

# What a user can do when the temporary server does not come up.
_SERVER_HINT = "nothing ran; PREFECT_API_URL may name a running Prefect server to use instead"

# The commands that run a Prefect flow, with what their tasks import where they use them
# (Great Expectations, dbt: two to three seconds together), loaded while the temporary
# server is starting.
_VALIDATION, _MODELS = "kam.validate.validation", "kam.transform.dbt"
FLOW_STACKS = {"run": (_VALIDATION, _MODELS), "backfill": (_VALIDATION, _MODELS),
               "demo": (_VALIDATION, _MODELS), "validate": (_VALIDATION,)}
FLOW_COMMANDS = frozenset(FLOW_STACKS)
# Prefect reads its environment when it is imported, as does the server process it starts:
# both get a patient start-up (its 20 s default has been missed on a loaded 2-core machine)
# and no usage reporting from a batch job. A user's own environment still wins. (kam.cli
# applies the same values when it is started without this entry point.)
PREFECT_ENVIRONMENT = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
}


def command_of(argv: list[str]) -> str | None:
    """The subcommand `argv` names (the first word that is not an option), or None."""
    return next((word for word in argv if not word.startswith("-")), None)


def starts_a_temporary_api(argv: list[str], environ: dict[str, str]) -> bool:
    """Whether the command will need Prefect's temporary API server."""
    asks_for_help = any(word in ("-h", "--help", "--version") for word in argv)
    return (command_of(argv) in FLOW_COMMANDS and not asks_for_help
            and not environ.get("PREFECT_API_URL"))


class TemporaryApiServer:
    """Prefect's temporary API server, started as Prefect starts it (uvicorn serving Prefect's
    app in its ephemeral mode: a SQLite database under PREFECT_HOME, no UI) but from here,
    without importing Prefect's server into this process: that import alone costs seconds
    of the interpreter's time, which the command line's own imports would wait for.
    The address goes into PREFECT_API_URL before Prefect is imported, so Prefect uses this
    server and starts none of its own; the server stops when the command ends."""

    # What Prefect's own temporary server is started with (prefect.server.api.server).
    SERVER_ENVIRONMENT = {
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    # `python -m uvicorn`, with Prefect's server imported first with the collector off, as
    # this process imports the command line: its imports are most of the server's start,
    # and the collector's passes over what they make were a fifth of it (on its own on a
    # quiet 2-core machine, five starts each: ready in 3.4 to 3.7 s against 4.3 to 4.8 s).
    UVICORN = ("import gc; gc.disable(); import prefect.server.api.server; gc.freeze();"
               " gc.enable(); import uvicorn.main; uvicorn.main.main()")

    def __init__(self, environ: dict[str, str]):
        self.port = _free_port()
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        prefect_parent = Path(importlib.util.find_spec("prefect").origin).parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.UVICORN, "--app-dir", str(prefect_parent), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env={**environ, **self.SERVER_ENVIRONMENT},
            stdout=subprocess.DEVNULL,
            # A file, not a pipe: a long backfill's server warnings never fill it and stall
            # the server; its last line says why the server ended if it did.
            stderr=self.errors,
        )

    def wait_until_ready(self, timeout: float) -> None:
        """Return once the server answers its health check; raise PipelineError if it ended
        or did not answer within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.errors.seek(0)
                reason = self.errors.read().decode(errors="replace").strip().splitlines()
                raise PipelineError(
                    "Prefect's temporary API server ended with exit status "
                    f"{self.process.returncode}" + (f": {reason[-1]}" if reason else ""),
                    hint=_SERVER_HINT,
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise PipelineError(
            f"Prefect's temporary API server did not answer within {timeout:g} s",
            hint=_SERVER_HINT,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.errors.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    # Registered first, so it runs after every other exit handler (Prefect's server stop,
    # dbt's connection close): with the garbage collector's objects frozen, the interpreter's
    # shutdown no longer walks the millions of objects of the pipeline's imports in cycle
    # collections, which took seconds; everything holding a file was closed by then.
    atexit.register(gc.freeze)
    # The imports below make millions of objects and next to no garbage, yet the collector's
    # full passes walked them all, about a second of every start. None runs while importing;
    # what the imports made is then frozen, so no later pass of the run walks it again.
    gc.disable()
    for name, value in PREFECT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    server = None
    if starts_a_temporary_api(sys.argv[1:], os.environ):
        server = TemporaryApiServer(dict(os.environ))
        atexit.register(server.stop)
        os.environ["PREFECT_API_URL"] = server.api_url
        # Prefect would link each flow run to this server's UI, which it does not serve and
        # which ends with the command.
        os.environ["PREFECT_UI_URL"] = ""
    # Great Expectations imports pyspark whenever it is installed (kam has it for the Spark
    # target), and pyspark warns about the pandas version on import, so on every command.
    # The few pandas conversions of the Spark target are covered by its parity test, which
    # compares every mart cell with DuckDB's; the warning only adds noise to each command.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    # Imported only now, while the server starts: these imports are what it overlaps.
    cli = importlib.import_module("kam.cli")
    if server is None:
        gc.freeze()
        gc.enable()
        cli.main()
        return
    # The server takes longer to come up than the command line to load: the flow's stacks
    # load meanwhile, on a thread, while the main thread waits for the server.
    stacks = StackLoader(FLOW_STACKS[command_of(sys.argv[1:])])
    startup_timeout = float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"])

    def before_flows() -> None:
        try:
            server.wait_until_ready(startup_timeout)
        finally:
            stacks.join()
            gc.freeze()
            gc.enable()

    cli.main(before_flows=before_flows)


class StackLoader:
    """Modules imported on a thread of their own. A failed import is left for the code that
    uses the module to raise, where it says what failed."""

    def __init__(self, modules: tuple[str, ...]):
        self._thread = threading.Thread(target=self._load, args=(modules,),
                                        name="kam stack loader", daemon=True)
        self._thread.start()

    @staticmethod
    def _load(modules: tuple[str, ...]) -> None:
        for module in modules:
            with contextlib.suppress(Exception):
                importlib.import_module(module)

    def join(self) -> None:
        self._thread.join()
