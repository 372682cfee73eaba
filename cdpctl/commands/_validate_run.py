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

from cdpctl.commands._common import (
    choose_format,
    die,
    exit_with,
    handle_errors,
    require_input,
    silence_stdout,
)
from cdpctl.commands._validate_unchecked import report_unchecked

if TYPE_CHECKING:
    from cdpctl.interrupts import Interrupts
    from cdpctl.validation.runner import ProgressHook, RunResult
    from cdpctl.validation.verdict import RunFacts

FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")


@dataclass(frozen=True)
class ValidateArgs:
    """The parsed command line of ``cdpctl validate`` (``None``: not given)."""

    paths: list[str] | None = None
    plan: str | None = None
    fmt: str | None = None
    output: str | None = None
    split: str | None = None
    max_invalid_rate: float | str | None = None
    """A share (``0.05``) or a percentage (``"5%"``)."""
    jobs: int | None = None
    engine: str = "local"
    spark_master: str | None = None
    progress: bool | None = None
    quiet: bool = False
    fast_path: bool = True
    allow_empty: bool = False
    max_record_bytes: int | None = None


def run_validate(args: ValidateArgs) -> None:
    """Validate, write the report, and exit as its verdict says (:func:`cdpctl.validation.verdict.judge`)."""
    from cdpctl.interrupts import Interrupts, default_signals, noted_since_start

    # signals are noted (since the command line started, or from here on), and raised where it is safe
    interrupts = noted_since_start() or Interrupts()
    with handle_errors(), _interrupt_is_exit_130(interrupts):
        from cdpctl.config import find_config
        from cdpctl.validation.inputs import MAX_RECORD_BYTES, InputError, expand_paths
        from cdpctl.validation.targets import check_targets

        _file_size_limit_is_an_error()

        settings = find_config().section("validate")  # its keys were checked when the configuration was read
        chosen = choose_format(args.fmt if args.fmt is not None else _setting_str(settings, "format"), FORMATS)
        if args.max_invalid_rate is not None:
            rate = invalid_rate(args.max_invalid_rate, "--max-invalid-rate")
        else:
            rate = invalid_rate(settings.get("max_invalid_rate", 0.0), "validate.max_invalid_rate in the configuration")
        workers = args.jobs if args.jobs is not None else _setting_int(settings, "jobs")
        if workers is not None and workers < 1:
            die("--jobs must be at least 1")
        max_record = args.max_record_bytes if args.max_record_bytes is not None else MAX_RECORD_BYTES
        if max_record < 1:
            die("--max-record-bytes must be at least 1")
        given = list(args.paths or [])
        require_input(given)
        if args.engine not in ("local", "spark"):
            die(f"unknown engine '{args.engine}'; choose local or spark")
        if args.spark_master is not None and args.engine != "spark":
            die("--spark-master applies to --engine spark: add it, or leave --spark-master out")
        with interrupts.raising():  # a plan named through a FIFO waits for its writer: a signal stops that
            validator_plan = _load_plan(args, chosen, rate)
        if args.engine == "spark":
            from cdpctl.spark.command import run_command
            from cdpctl.spark.inputs import SparkInputError

            with default_signals(), _reported(SparkInputError, args, chosen, rate, validator_plan):
                result = run_command(
                    given,
                    validator_plan,
                    master=args.spark_master,
                    split=args.split,
                    fast=args.fast_path,
                    progress=_show_progress(args.progress, args.quiet),
                )
        else:
            try:
                sources = expand_paths(given, empty_folders=args.allow_empty)
            except InputError as exc:  # a file that does not exist, a glob that matches nothing: nothing read
                report_unchecked(args, chosen, rate, plan=validator_plan, plan_files=_files(validator_plan), input_error=str(exc))
                die(str(exc))
            check_targets(args.output, args.split, sources, _files(validator_plan))
            show = _show_progress(args.progress, args.quiet)
            result = _run(validator_plan, sources, workers, args.split, show, args.fast_path, max_record, interrupts)
        _finish(result, args, chosen, rate, validator_plan)


def _load_plan(args: ValidateArgs, fmt: str, rate: float) -> Any:
    """The plan; one that does not load or does not exist is also a report in the machine and CI formats
    (:mod:`cdpctl.commands._validate_unchecked`), exit 2 all the same."""
    from cdpctl.commands._common import load_plan_reported

    return load_plan_reported(
        args.plan, lambda files, problems: report_unchecked(args, fmt, rate, plan_files=files, plan_errors=problems)
    )


def _files(plan: Any) -> list[str]:
    return [str(file) for file in plan.files]


@contextmanager
def _reported(kind: type[Exception], args: ValidateArgs, fmt: str, rate: float, plan: Any) -> Iterator[None]:
    """An input error of ``kind`` (Spark's: an input that does not exist) is also a report, as the local run's."""
    try:
        yield
    except kind as exc:
        report_unchecked(args, fmt, rate, plan=plan, plan_files=_files(plan), input_error=str(exc))
        raise


def _finish(result: RunResult, args: ValidateArgs, fmt: str, rate: float, plan: Any) -> None:
    """Write the report and the notes, then exit with the verdict's status."""
    from cdpctl.reporting.formats import one_line
    from cdpctl.validation.verdict import RunFacts, judge

    stop = result.interrupted
    facts = RunFacts(
        tuple(result.input_errors),
        stop.name if stop is not None else None,
        stop.exit_code if stop is not None else 0,
        rate,
        args.allow_empty,
    )
    with _signals_end_the_process():  # a signal while the report is written: no traceback, no half-run
        _write_report(result, fmt, args.output, plan, all_command(args), facts)
    if not args.quiet:
        _notes(result)
    for warning in result.warnings:
        sys.stderr.write(f"cdpctl: warning: {one_line(warning)}\n")
    for problem in result.input_errors:
        sys.stderr.write(f"cdpctl: error: {one_line(problem)}\n")
    verdict = judge(result.report, facts)
    if stop is not None:
        sys.stderr.write(f"cdpctl: error: stopped by {stop.name}: the report covers only the data read before it\n")
    elif not result.input_errors and result.report.events == 0 and not args.allow_empty:
        sys.stderr.write("cdpctl: error: no events read (an empty input; --allow-empty accepts it)\n")
    if verdict.exit_code:
        exit_with(verdict.exit_code)


@contextmanager
def _interrupt_is_exit_130(interrupts: Interrupts) -> Iterator[None]:
    """SIGINT or SIGTERM before the run (loading the plan, listing the inputs): noted by ``interrupts``,
    raised at its next check, then one line and exit 130 / 143 (a KeyboardInterrupt too: Spark's run)."""
    from cdpctl.interrupts import Interrupted, interruptible

    try:
        with interruptible(interrupts):
            yield
    except (Interrupted, KeyboardInterrupt) as stop:
        sys.stderr.write("cdpctl: error: interrupted before the run started\n")
        exit_with(stop.exit_code if isinstance(stop, Interrupted) else 130)


def _file_size_limit_is_an_error() -> None:
    """A write past the file size limit (``ulimit -f``) fails with an error instead of killing the process."""
    import signal

    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@contextmanager
def _signals_end_the_process() -> Iterator[None]:
    """While the report is written, SIGINT or SIGTERM end the process at once with 130 / 143."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, frame: Any) -> None:
        sys.stderr.write(f"cdpctl: error: stopped by {signal.Signals(signum).name} while writing the report\n")
        sys.stderr.flush()
        os._exit(128 + signum)

    previous = {signum: signal.signal(signum, leave) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _setting_str(settings: dict[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is not None and not isinstance(value, str):
        die(f"validate.{key} in the configuration must be a string")
    return value


def invalid_rate(value: object, where: str) -> float:
    """The share of failing records tolerated: a number from 0 to 1 (``0.05``) or a percentage (``"5%"``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        die(f"{where} must be a share from 0 to 1 (0.05) or a percentage (5%)")
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        from decimal import Decimal, InvalidOperation

        try:  # exactly: 0.7% is the share 0.007 (not 0.7 / 100, which a float makes 0.006999...); a decimal, not
            exact = Decimal(text[:-1].strip() if percent else text)  # a fraction: 1e999999999 is no huge integer
        except InvalidOperation:
            die(f"{where} must be a share from 0 to 1 (0.05) or a percentage (5%); got '{value}'")
        if not exact.is_finite() or not 0 <= exact <= (100 if percent else 1):
            die(f"{where} must be between 0 and 1 (or 0% and 100%)")
        value = float(exact.scaleb(-2) if percent else exact)
    try:
        rate = float(value)
    except OverflowError:  # an integer beyond any float, from the configuration
        rate = float("inf")
    if not 0.0 <= rate <= 1.0:  # NaN fails too
        die(f"{where} must be between 0 and 1 (or 0% and 100%)")
    return rate


def _setting_int(settings: dict[str, Any], key: str) -> int | None:
    value = settings.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        die(f"validate.{key} in the configuration must be an integer")
    return value


def _show_progress(requested: bool | None, quiet: bool) -> bool:
    """--progress, else a terminal on stderr outside CI and without --quiet."""
    if requested is not None:
        return requested
    if quiet:
        return False
    if os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"):
        return False
    return sys.stderr.isatty()


def _run(
    plan: Any,
    sources: list[Any],
    jobs: int | None,
    split: str | None,
    show_progress: bool,
    fast: bool,
    max_record: int,
    interrupts: Interrupts,
) -> RunResult:
    from cdpctl.validation import Validator
    from cdpctl.validation.runner import default_jobs, validate_sources

    validator = Validator(plan, fast=fast)
    # more processes than cores only costs: --jobs 100000 forked 99,999 workers and exhausted the memory
    workers = min(jobs, default_jobs()) if jobs is not None else default_jobs()
    with _progress_bar(show_progress, sum(s.size() or 0 for s in sources) or None) as hook:
        return validate_sources(
            validator, sources, jobs=workers, split_dir=split, progress=hook, max_record=max_record, interrupts=interrupts
        )


@contextmanager
def _progress_bar(enabled: bool, total: int | None) -> Iterator[ProgressHook | None]:
    """The progress line on stderr (:mod:`cdpctl.reporting.progress`), erased when the run ends."""
    if not enabled:
        yield None
        return
    from cdpctl.reporting.progress import ProgressLine

    line = ProgressLine(sys.stderr, total)
    try:
        yield lambda done, report: line.update(done, report.events, report.invalid, report.malformed)
    finally:
        line.close()


def all_command(args: ValidateArgs) -> str:
    """The command that lists every violation group of this run (named where a report shows only the worst)."""
    from cdpctl.reporting.limits import json_command

    return json_command("cdpctl validate", list(args.paths or []), args.plan)


def _write_report(result: RunResult, fmt: str, output: str | None, plan: Any, every: str, facts: RunFacts) -> None:
    """The report on stdout or in ``output``; a write that fails (a full disk) ends with exit 2 and one line."""
    from cdpctl.validation.render import render_report

    if output is None or output == "-":  # "-": standard output, as for every other command
        color = None if fmt == "text" and sys.stdout.isatty() else False
        try:
            render_report(result.report, fmt, sys.stdout, plan, color=color, all_command=every, facts=facts)
            sys.stdout.flush()
        except BrokenPipeError:
            raise  # nobody reads: ends quietly with exit 1, as for every command
        except OSError as exc:
            silence_stdout()
            die(f"cannot write the report to standard output: {exc.strerror or exc}")
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            render_report(result.report, fmt, handle, plan, color=False, all_command=every, facts=facts)
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

