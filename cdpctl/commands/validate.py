"""``cdpctl validate``: check event logs against the plan."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Optional

import typer

from cdpctl.commands._common import PLAN_HELP, choose_format, die, handle_errors, load_plan_arg

if TYPE_CHECKING:
    from cdpctl.validation.runner import ProgressHook, RunResult

FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")


def validate_command(
    paths: Optional[list[str]] = typer.Argument(
        None,
        help="NDJSON files, JSON arrays or batch payloads (gzip/zstd too), directories, globs; '-' or nothing for stdin.",
        show_default=False,
    ),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help=PLAN_HELP, show_default=False),
    fmt: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        help="Report format: text, json, junit, github, sarif, markdown (default: text; github under GitHub Actions).",
        show_default=False,
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Write the report to this file instead of stdout.", show_default=False
    ),
    split: Optional[str] = typer.Option(
        None,
        "--split",
        help="Write valid.ndjson, invalid.ndjson (violations under context.violations) and malformed.txt here.",
        show_default=False,
    ),
    max_invalid_rate: Optional[float] = typer.Option(
        None,
        "--max-invalid-rate",
        help="Exit 0 while the share of invalid and malformed records is at most this (e.g. 0.01). Default 0.",
        show_default=False,
    ),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", help="Worker processes (default: the number of cores).", show_default=False
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        help="local (this machine, --jobs processes) or spark (PySpark: NDJSON files, gzip too, at any URI the "
        "cluster reads: s3a://, gs://, abfss://, hdfs://; needs pip install \"cdpctl\\[spark]\").",
    ),
    spark_master: Optional[str] = typer.Option(
        None,
        "--spark-master",
        help="Spark master for --engine spark (default: what spark-submit or the environment provides, else local[*]).",
        show_default=False,
    ),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: only on a terminal, never in CI).",
        show_default=False,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No throughput line or notes on stderr."),
    fast_path: bool = typer.Option(
        True, "--fast-path/--no-fast-path", help="Use the fast path (off: every message through jsonschema).",
        hidden=True,
    ),
) -> None:
    """Validate event data against the tracking plan.

    Example: cdpctl validate examples/events.ndjson --format github
    """
    with handle_errors():
        from cdpctl.config import find_config
        from cdpctl.validation.inputs import InputError, expand_paths, overwritten_input

        settings = find_config().section("validate")
        unknown = sorted(set(settings) - {"format", "jobs", "max_invalid_rate"})
        if unknown:
            die(f"validate.{unknown[0]} in the configuration is not a validate setting; known: format, jobs, max_invalid_rate")
        chosen = choose_format(fmt if fmt is not None else _setting_str(settings, "format"), FORMATS)
        rate = max_invalid_rate if max_invalid_rate is not None else _setting_float(settings, "max_invalid_rate", 0.0)
        if not 0.0 <= rate <= 1.0:
            die("--max-invalid-rate must be between 0 and 1")
        workers = jobs if jobs is not None else _setting_int(settings, "jobs")
        if workers is not None and workers < 1:
            die("--jobs must be at least 1")
        given = list(paths or [])
        if not given and sys.stdin.isatty():
            die("no input: pass files, directories or globs, or '-' to read standard input")
        if engine not in ("local", "spark"):
            die(f"unknown engine '{engine}'; choose local or spark")
        validator_plan = load_plan_arg(plan)
        if engine == "spark":
            from cdpctl.spark.command import run_command

            result = run_command(
                given, validator_plan, master=spark_master, split=split, fast=fast_path, progress=_show_progress(progress)
            )
        else:
            try:
                sources = expand_paths(given)
            except InputError as exc:
                die(str(exc))
            clash = overwritten_input(sources, _written_paths(output, split))
            if clash is not None:
                die(f"'{clash}' is one of the inputs: writing the report or --split there would destroy it")
            result = _run(validator_plan, sources, workers, split, _show_progress(progress), fast_path)
        _write_report(result, chosen, output, validator_plan)
        if not quiet:
            _notes(result)
        for problem in result.input_errors:
            sys.stderr.write(f"cdpctl: error: {problem}\n")
        if result.input_errors:
            raise typer.Exit(2)
        report = result.report
        failing = report.invalid + report.malformed
        if report.events and failing / report.events > rate:
            raise typer.Exit(1)


def _written_paths(output: str | None, split: str | None) -> list[str]:
    from cdpctl.validation.split import INVALID_FILE, MALFORMED_FILE, VALID_FILE

    paths = [output] if output else []
    if split:
        paths += [os.path.join(split, name) for name in (VALID_FILE, INVALID_FILE, MALFORMED_FILE)]
    return paths


def _setting_str(settings: dict[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is not None and not isinstance(value, str):
        die(f"validate.{key} in the configuration must be a string")
    return value


def _setting_float(settings: dict[str, Any], key: str, default: float) -> float:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        die(f"validate.{key} in the configuration must be a number")
    return float(value)


def _setting_int(settings: dict[str, Any], key: str) -> int | None:
    value = settings.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        die(f"validate.{key} in the configuration must be an integer")
    return value


def _show_progress(requested: bool | None) -> bool:
    if requested is not None:
        return requested
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return False
    return sys.stderr.isatty()


def _run(
    plan: Any, sources: list[Any], jobs: int | None, split: str | None, show_progress: bool, fast: bool
) -> RunResult:
    from cdpctl.validation import Validator
    from cdpctl.validation.runner import default_jobs, validate_sources

    validator = Validator(plan, fast=fast)
    workers = jobs if jobs is not None else default_jobs()
    with _progress_bar(show_progress, sum(s.size() or 0 for s in sources) or None) as hook:
        return validate_sources(validator, sources, jobs=workers, split_dir=split, progress=hook)


@contextmanager
def _progress_bar(enabled: bool, total: int | None) -> Iterator[ProgressHook | None]:
    if not enabled:
        yield None
        return
    import time

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("validating"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        task = bar.add_task("validating", total=total)
        last = [0.0]

        def hook(done: int) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.1:
                last[0] = now
                bar.update(task, completed=done)
                bar.refresh()

        yield hook


def _write_report(result: RunResult, fmt: str, output: str | None, plan: Any) -> None:
    from cdpctl.validation.render import render_report

    if output is None:
        color = None if fmt == "text" and sys.stdout.isatty() else False
        render_report(result.report, fmt, sys.stdout, plan, color=color)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            render_report(result.report, fmt, handle, plan, color=False)
    except OSError as exc:
        die(f"cannot write '{output}': {exc.strerror or exc}")


def _notes(result: RunResult) -> None:
    report = result.report
    seconds = max(result.seconds, 1e-9)
    size = result.bytes_read
    shown = f"{size / 1e6:,.1f} MB" if size >= 1e6 else f"{size / 1e3:,.1f} kB"
    jobs = f"{result.jobs_used} job{'s' if result.jobs_used != 1 else ''}"
    sys.stderr.write(
        f"cdpctl: validated {report.events:,} events ({shown}) in {result.seconds:.2f} s: "
        f"{report.events / seconds:,.0f} events/s, {jobs}\n"
    )
    if report.events == 0:
        sys.stderr.write("cdpctl: note: the input held no events\n")


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)
