"""What ``cdpctl validate`` does once its arguments are parsed (no typer here).

:mod:`cdpctl.commands.validate` declares the command line for typer; it calls
:func:`run_validate`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdpctl.commands._common import choose_format, die, exit_with, handle_errors, load_plan_arg

if TYPE_CHECKING:
    from cdpctl.validation.runner import ProgressHook, RunResult

FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")


@dataclass(frozen=True)
class ValidateArgs:
    """The parsed command line of ``cdpctl validate`` (``None``: not given)."""

    paths: list[str] | None = None
    plan: str | None = None
    fmt: str | None = None
    output: str | None = None
    split: str | None = None
    max_invalid_rate: float | None = None
    jobs: int | None = None
    engine: str = "local"
    spark_master: str | None = None
    progress: bool | None = None
    quiet: bool = False
    fast_path: bool = True


def run_validate(args: ValidateArgs) -> None:
    """Validate, write the report, and exit 1 (invalid data over the rate) or 2 (input errors) as documented."""
    with handle_errors():
        from cdpctl.config import find_config
        from cdpctl.validation.inputs import InputError, expand_paths, overwritten_input

        settings = find_config().section("validate")
        unknown = sorted(set(settings) - {"format", "jobs", "max_invalid_rate"})
        if unknown:
            die(f"validate.{unknown[0]} in the configuration is not a validate setting; known: format, jobs, max_invalid_rate")
        chosen = choose_format(args.fmt if args.fmt is not None else _setting_str(settings, "format"), FORMATS)
        rate = (
            args.max_invalid_rate
            if args.max_invalid_rate is not None
            else _setting_float(settings, "max_invalid_rate", 0.0)
        )
        if not 0.0 <= rate <= 1.0:
            die("--max-invalid-rate must be between 0 and 1")
        workers = args.jobs if args.jobs is not None else _setting_int(settings, "jobs")
        if workers is not None and workers < 1:
            die("--jobs must be at least 1")
        given = list(args.paths or [])
        if not given and sys.stdin.isatty():
            die("no input: pass files, directories or globs, or '-' to read standard input")
        if args.engine not in ("local", "spark"):
            die(f"unknown engine '{args.engine}'; choose local or spark")
        validator_plan = load_plan_arg(args.plan)
        if args.engine == "spark":
            from cdpctl.spark.command import run_command

            result = run_command(
                given,
                validator_plan,
                master=args.spark_master,
                split=args.split,
                fast=args.fast_path,
                progress=_show_progress(args.progress),
            )
        else:
            try:
                sources = expand_paths(given)
            except InputError as exc:
                die(str(exc))
            clash = overwritten_input(sources, _written_paths(args.output, args.split))
            if clash is not None:
                die(f"'{clash}' is one of the inputs: writing the report or --split there would destroy it")
            result = _run(validator_plan, sources, workers, args.split, _show_progress(args.progress), args.fast_path)
        _write_report(result, chosen, args.output, validator_plan)
        if not args.quiet:
            _notes(result)
        for problem in result.input_errors:
            sys.stderr.write(f"cdpctl: error: {problem}\n")
        if result.input_errors:
            exit_with(2)
        report = result.report
        failing = report.invalid + report.malformed
        if report.events and failing / report.events > rate:
            exit_with(1)


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

