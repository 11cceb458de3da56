"""`kam`'s entry point: Prefect's temporary API server starts while the pipeline imports,
and the process ends without a slow shutdown.

A command that runs a flow with no Prefect API configured (PREFECT_API_URL unset) needs
Prefect's temporary server: a Python process that imports Prefect's server and migrates
its database, several seconds on a small machine. Prefect starts it at the first flow call,
which comes only after the pipeline's imports (Prefect, dbt, Great Expectations, WeasyPrint:
about ten seconds). Started here, in a thread, before those imports, it comes up at the same
time on another core. Any other command, or a run against a configured API, starts nothing.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
import threading
import warnings

# The commands that run a Prefect flow.
FLOW_COMMANDS = frozenset({"run", "backfill", "demo", "validate"})
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


def _start_temporary_api() -> None:
    # The server module is what Prefect itself imports to start its temporary server;
    # imported here, in the thread, it does not hold up the command line's own imports.
    server = importlib.import_module("prefect.server.api.server").SubprocessASGIServer()
    try:
        server.start()
    except Exception:  # noqa: BLE001 - the first flow call starts it again and reports why
        return


def main() -> None:
    # Registered first, so it runs after every other exit handler (Prefect's server stop,
    # dbt's connection close): with the garbage collector's objects frozen, the interpreter's
    # shutdown no longer walks the millions of objects of the pipeline's imports in cycle
    # collections, which took seconds; everything holding a file was closed by then.
    atexit.register(gc.freeze)
    for name, value in PREFECT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    starting = None
    if starts_a_temporary_api(sys.argv[1:], os.environ):
        starting = threading.Thread(target=_start_temporary_api, name="prefect-api-start",
                                    daemon=True)
        starting.start()
    # Great Expectations imports pyspark whenever it is installed (kam has it for the Spark
    # target), and pyspark warns about the pandas version on import, so on every command.
    # The few pandas conversions of the Spark target are covered by its parity test, which
    # compares every mart cell with DuckDB's; the warning only adds noise to each command.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas",
                            category=FutureWarning)
    # Imported only now, while the server starts: these imports are what it overlaps.
    cli = importlib.import_module("kam.cli")
    cli.main(before_flows=starting.join if starting else None)
