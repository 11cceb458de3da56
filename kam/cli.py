"""`kam`: the command line. It parses options, builds the settings and calls the flows.

Every command builds `Settings` the same way (defaults < kam.toml < KAM_* < flags), so
flags, environment and config file are validated in one place. Exit status: 0 success;
1 the pipeline failed; 2 bad usage; 3 a blocking data-quality failure (nothing published
for that month).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click
from prefect.settings import (
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)
from pydantic import ValidationError
from rich.console import Console

from flows.backfill import backfill_months
from flows.data_quality_check import check_export
from flows.demo import run_demo
from flows.monthly_review import RunResult, monthly_account_review
from kam.errors import (
    EXIT_DATA_QUALITY,
    EXIT_PIPELINE,
    EXIT_USAGE,
    KamError,
    without_expected_tracebacks,
)
from kam.explain import explain_metric
from kam.extract import check_profile, draft_profile, list_profiles
from kam.extract.limits import InputLimits
from kam.fileio import write_atomic
from kam.generate import generate_export
from kam.launch import PREFECT_ENVIRONMENT
from kam.month import Month
from kam.observe import read_history
from kam.observe.timing import mark_cli_ready
from kam.publish import verify_month
from kam.settings import LOCALES, Settings, Stage
from kam.storage import is_remote

console = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)


def _fail(message: str, code: int) -> None:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    sys.exit(code)


def reports_errors(command: Callable) -> Callable:
    """Turn known failures into one line and the documented exit status."""

    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KamError as exc:
            _fail(exc.one_line(), exc.exit_code)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "option"
            _fail(f"{where}: {first['msg']}", EXIT_USAGE)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was published for the running month", EXIT_PIPELINE)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("KAM_DEBUG"):
                raise
            where = _innermost_frame(exc)
            _fail(
                f"pipeline failed at {where}: {type(exc).__name__}: {exc} "
                "(nothing was published; set KAM_DEBUG=1 for the traceback)",
                EXIT_PIPELINE,
            )

    return wrapper


def _innermost_frame(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb and tb.tb_next:
        tb = tb.tb_next
    if tb is None:
        return "unknown step"
    code = tb.tb_frame.f_code
    return f"{Path(code.co_filename).name}:{tb.tb_lineno} ({code.co_name})"


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> Month | None:
    if value is None:
        return None
    try:
        return Month.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _location(must_exist: bool):
    """A local path (checked when it must exist) or an fsspec URL such as s3://bucket/p/."""

    def convert(ctx: click.Context, param: click.Parameter, value: str | None):
        if value is None or is_remote(value):
            return value
        path = Path(value)
        if must_exist and not path.exists():
            raise click.BadParameter(f"Path '{value}' does not exist.")
        return path

    return convert


input_option = click.option(
    "--input",
    "input_dir",
    required=True,
    callback=_location(must_exist=True),
    help="The CRM export folder (or ZIP), or a URL such as s3://bucket/prefix/ "
    "(credentials from AWS_* variables).",
)


def run_options(command: Callable) -> Callable:
    """Options shared by `run` and `backfill`."""
    options = [
        input_option,
        click.option(
            "--profile",
            default=None,
            help="Export profile name or path to a profile YAML (default canonical).",
        ),
        click.option(
            "--out",
            "out_dir",
            callback=_location(must_exist=False),
            default=None,
            help="Output folder (default output/), or a URL such as s3://bucket/reviews/.",
        ),
        click.option(
            "--warehouse",
            type=click.Path(path_type=Path),
            default=None,
            help="DuckDB warehouse file (default warehouse/kam.duckdb).",
        ),
        click.option(
            "--locale",
            type=click.Choice(LOCALES),
            default=None,
            help="Report language (default en; a manager's own locale wins).",
        ),
        click.option(
            "--until",
            type=click.Choice([s.value for s in Stage]),
            default=None,
            help="Stop after this stage (default publish).",
        ),
        click.option(
            "--target",
            "dbt_target",
            type=click.Choice(["duckdb", "spark"]),
            default=None,
            help="dbt target the models build on (default duckdb); spark builds the models "
            "only, with --until transform (docs/scale.md).",
        ),
        click.option(
            "--timezone", default=None, help="IANA timezone for month boundaries (default UTC)."
        ),
        click.option("--reporting-currency", default=None, help="ISO 4217 reporting currency."),
        click.option(
            "--deliver",
            type=click.Choice(["smtp", "outbox"]),
            is_flag=False,
            flag_value="smtp",
            default=None,
            help="E-mail each manager their reviews after publishing (SMTP settings "
            "from KAM_SMTP_*); --deliver=outbox writes .eml files to OUT/_outbox/M.",
        ),
        click.option(
            "--wait-for-export",
            is_flag=True,
            default=None,
            help="Wait until the month's export is complete (KAM_EXPORT_WAIT_HOURS, default "
            "6; polling every KAM_EXPORT_POLL_SECONDS), then run; fail if it never is.",
        ),
        click.option(
            "--notify",
            "notify_blocks",
            multiple=True,
            callback=lambda ctx, param, value: list(value) or None,
            help="Prefect notification block 'type-slug/name' told about failures "
            "(repeatable; default KAM_NOTIFY_BLOCKS).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kam")
def cli() -> None:
    """kam: monthly key account reviews from CRM exports.

    Extract the export, validate it with Great Expectations, build the dbt models on DuckDB,
    render one PDF per key account plus the portfolio and data-quality reports, and publish
    them atomically under OUT/YYYY-MM/.
    """


@cli.command()
@click.option(
    "--month",
    callback=_month,
    default=None,
    help="Reporting month YYYY-MM (default: last complete month).",
)
@run_options
@reports_errors
def run(month: str | None, **flags) -> None:
    """Run the monthly flow: extract, validate, transform, report, publish."""
    _print_result(monthly_account_review(Settings.load(month=month, **flags)))


@cli.command()
@click.option("--from", "first", required=True, callback=_month, help="First month YYYY-MM.")
@click.option("--to", "last", required=True, callback=_month, help="Last month YYYY-MM.")
@run_options
@reports_errors
def backfill(first: Month, last: Month, **flags) -> None:
    """One monthly run per month from --from to --to, in order; stops at the first failure."""
    months = first.through(last)
    if not months:
        raise click.BadParameter(f"--from {first} is after --to {last}")
    for result in backfill_months(Settings.load(**flags), months):
        _print_result(result)


@cli.command()
@input_option
@click.option("--profile", default=None, help="Export profile (default canonical).")
@click.option(
    "--month",
    callback=_month,
    default=None,
    help="Month whose freshness is checked (default: last complete month).",
)
@click.option(
    "--evidence",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the validation results and Data Docs (default: not kept).",
)
@click.option("--timezone", default=None, help="IANA timezone (default UTC).")
@reports_errors
def validate(evidence: Path | None, **flags) -> None:
    """Run the data-quality checks alone (exit 3 on a blocking failure)."""
    out.print(check_export(Settings.load(**flags), evidence))


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("sample_export"),
    show_default=True,
    help="Folder to write the export into.",
)
@click.option("--accounts", type=click.IntRange(1, 1_000_000), default=300, show_default=True)
@click.option("--months", type=click.IntRange(1, 240), default=36, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--end-month",
    callback=_month,
    default=None,
    help="Last month with data (default: last complete month, UTC).",
)
@reports_errors
def generate(
    out_dir: Path, accounts: int, months: int, seed: int, end_month: Month | None
) -> None:
    """Write a deterministic synthetic CRM export in the canonical layout."""
    with console.status(f"generating {accounts} accounts x {months} months"):
        counts = generate_export(
            out_dir, accounts=accounts, months=months, seed=seed, end_month=end_month
        )
    for name, rows in counts.items():
        out.print(f"{out_dir / name}: {rows:,} rows")


@cli.command()
@click.option("--month", required=True, callback=_month, help="Reporting month YYYY-MM.")
@click.option("--account", "account_id", required=True, help="The account id.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None)
@click.option(
    "--warehouse", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None
)
@click.option("--locale", type=click.Choice(LOCALES), default=None)
@reports_errors
def report(account_id: str, **flags) -> None:
    """Re-render one account's PDF from the warehouse."""
    # The other commands never load the reporting stack (WeasyPrint, matplotlib).
    from kam.report.rerender import rerender_account

    out.print(str(rerender_account(Settings.load(**flags), account_id=account_id)))


@cli.command()
@click.option("--month", required=True, callback=_month, help="Reporting month YYYY-MM.")
@click.option("--account", "account_id", default=None, help="The account whose figure to explain.")
@click.option("--portfolio", is_flag=True, help="Explain a figure of the portfolio review.")
@click.option("--tier", type=click.Choice(["strategic", "key", "standard", "all"]),
              default=None, help="With --portfolio: the tier's row (default all).")
@click.option("--metric", "metric_name", required=True,
              help="The figure, by its column name (e.g. revenue, nps, sla_compliance, tier).")
@click.option("--item", default=None,
              help="For a figure shown once per contract, product line, theme or manager: "
              "just this one (default: every one the review shows).")
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB warehouse file (default warehouse/kam.duckdb); opened read-only.")
@click.option("--locale", type=click.Choice(LOCALES), default=None,
              help="Format the value as the review in this language shows it.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@reports_errors
def explain(
    month: Month, account_id: str | None, portfolio: bool, tier: str | None, metric_name: str,
    item: str | None, output_format: str, **flags,
) -> None:
    """Trace a figure of a review to its definition, its dbt models and its input rows."""
    if portfolio == (account_id is not None):
        raise click.UsageError("give either --account A or --portfolio")
    if tier is not None and not portfolio:
        raise click.UsageError("--tier goes with --portfolio")
    settings = Settings.load(month=month, **flags)
    explanation = explain_metric(
        settings.warehouse, settings.dbt_target_dir, month=month, metric_name=metric_name,
        account_id=account_id, tier=tier, item=item, locale=settings.locale,
    )
    if output_format == "json":
        out.print_json(data=explanation.as_json(), sort_keys=False)
    else:
        out.print(explanation.as_text(), markup=False, end="")


@cli.command()
@click.argument("month_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="Also check the run id and validation result against this warehouse's "
              "audit tables (default warehouse/kam.duckdb when it exists).")
@click.option("--public-key", "public_key_path", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="Ed25519 public key (PEM): check manifest.json.sig against it.")
@reports_errors
def verify(month_dir: Path, warehouse: Path | None, public_key_path: Path | None) -> None:
    """Check a published OUT/YYYY-MM against its manifest: exit 0 when all is well, 1 when
    any file is missing, changed or extra, or the run, validation or signature disagree."""
    if warehouse is None:
        default = Settings.load().warehouse
        warehouse = default if default.is_file() else None
    result = verify_month(month_dir, warehouse=warehouse, public_key_path=public_key_path)
    for line in result.lines():
        out.print(line, markup=False)
    if not result.ok:
        sys.exit(EXIT_PIPELINE)


@cli.group(invoke_without_command=True)
@click.pass_context
@reports_errors
def profiles(ctx: click.Context) -> None:
    """List the export profiles (built-in ones; any YAML path works as --profile)."""
    if ctx.invoked_subcommand is not None:
        return
    for profile in list_profiles():
        out.print(f"{profile['name']:<12} {profile['description']}  [dim]({profile['path']})[/]")


@profiles.command("check")
@input_option
@click.option("--profile", default=None, help="Profile name or YAML path (default canonical).")
@reports_errors
def profiles_check(input_dir: Path, profile: str | None) -> None:
    """Say which files and columns a profile matches (exit 3 if a required one is missing)."""
    settings = Settings.load(input_dir=input_dir, profile=profile)
    report = check_profile(settings.input_dir, settings.profile,
                           InputLimits.from_settings(settings))
    for line in report.lines():
        out.print(line, markup=False)
    if not report.ok:
        sys.exit(EXIT_DATA_QUALITY)


@profiles.command("new")
@input_option
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the profile to this YAML file (default: print it).")
@click.option("--name", default="my-crm", show_default=True, help="The profile's name.")
@reports_errors
def profiles_new(input_dir: Path, out_file: Path | None, name: str) -> None:
    """Write a starting profile from an export's headers (unmatched ones as comments)."""
    settings = Settings.load(input_dir=input_dir)
    text = draft_profile(settings.input_dir, name)
    if out_file is None:
        out.print(text, markup=False, end="")
        return
    write_atomic(out_file, text.encode("utf-8"))
    out.print(f"{out_file}: starting profile written; check it with "
              f"kam profiles check --input {settings.input_dir} --profile {out_file}",
              markup=False)


@cli.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Output folder (default output/).")
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB warehouse file (default warehouse/kam.duckdb).")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(path_type=Path),
    default=Path("sample_export"),
    show_default=True,
    help="Folder the sample export is written to.",
)
@click.option("--locale", type=click.Choice(LOCALES), default=None, help="Report language.")
@reports_errors
def demo(export_dir: Path, **flags) -> None:
    """Make the sample export, run the whole pipeline on it, print where the PDFs are."""
    _print_result(run_demo(Settings.load(**flags), export_dir))


@cli.command()
@click.option("--warehouse", type=click.Path(path_type=Path), default=None,
              help="DuckDB warehouse file (default warehouse/kam.duckdb).")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True, help="Print a table or JSON lines.")
@reports_errors
def runs(warehouse: Path | None, output_format: str) -> None:
    """The run history: month, run id, status, start, duration, stage, reviews, failure."""
    history = read_history(Settings.load(warehouse=warehouse).warehouse)
    if output_format == "json":
        out.print(json.dumps([r.as_json() for r in history], ensure_ascii=False, indent=2),
                  markup=False)
        return
    out.print("month    run id            status    started              duration  "
              "stage      reviews  failure", markup=False)
    for r in history:
        started = r.started_at.strftime("%Y-%m-%d %H:%M:%S") if r.started_at else "-"
        seconds = r.duration_seconds
        duration = f"{seconds:.0f} s" if seconds is not None else "-"
        out.print(f"{r.month:<8} {(r.run_id or '-'):<17} {r.status:<9} {started:<20} "
                  f"{duration:>8}  {(r.stage or '-'):<10} {r.reviews:>7}  {r.message or ''}",
                  markup=False)


def _print_result(result: RunResult) -> None:
    if result.extracted is not None:
        for line in result.extracted.lines():
            out.print(line, markup=False)
    if result.up_to_date:
        out.print(result.up_to_date, markup=False)
    if result.month_dir is None:
        out.print(
            f"{result.month}: stopped after {result.stopped_after} (run {result.run_id}); "
            f"warehouse {result.warehouse}"
        )
    else:
        out.print(
            f"{result.month}: {result.accounts_reviewed} account reviews in "
            f"{result.month_dir / 'accounts'}"
        )
        out.print(f"  portfolio review: {result.month_dir / 'portfolio.pdf'}")
        out.print(f"  data quality:     {result.month_dir / 'data_quality.pdf'}")
        out.print(f"  manifest:         {result.month_dir / 'manifest.json'}  "
                  f"(run {result.run_id})")
    out.print(result.times.line(), markup=False)


# The same defaults the entry point (kam.launch) puts in the environment before Prefect is
# imported; here for a command line started without it (in process, `python -m kam.cli`).
PREFECT_DEFAULTS = {
    setting: PREFECT_ENVIRONMENT[setting.name]
    for setting in (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
                    PREFECT_SERVER_ANALYTICS_ENABLED)
}


def _prefect_defaults() -> dict:
    return {setting: value for setting, value in PREFECT_DEFAULTS.items()
            if setting.name not in os.environ}


def main(before_flows: Callable[[], None] | None = None) -> None:
    """Run the command line; `before_flows`, if given, is called once the imports are done
    and before any command runs (the entry point waits there for Prefect's API server)."""
    os.environ.setdefault("DO_NOT_TRACK", PREFECT_ENVIRONMENT["DO_NOT_TRACK"])
    logging.setLogRecordFactory(without_expected_tracebacks(logging.getLogRecordFactory()))
    mark_cli_ready()
    if before_flows is not None:
        try:
            before_flows()
        except KamError as exc:
            _fail(exc.one_line(), exc.exit_code)
    # Prefect reads its environment once, at import, so setting variables here would be too
    # late: the values go in as temporary settings, which its temporary server inherits.
    with temporary_settings(updates=_prefect_defaults()):
        cli(prog_name="kam")


if __name__ == "__main__":
    main()
