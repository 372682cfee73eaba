"""``cdpctl coverage``: which planned calls and properties traffic uses, and what it sends unplanned."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from cdpctl.commands._common import PLAN_HELP
from cdpctl.commands._help import choices

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cdpctl.errors import PlanIssue
    from cdpctl.model import Plan
    from cdpctl.observe import Observations

FORMATS = ("text", "json", "markdown")


def _bound(value: str | None, flag: str, end_of_day: bool) -> str | None:
    """``--since``/``--until`` as a normalized UTC timestamp; a bare date is the start (or end) of that day."""
    from cdpctl.errors import UsageError
    from cdpctl.observe import normalize_timestamp

    if value is None:
        return None
    text = value.strip()
    if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-":
        text += "T23:59:59.999999Z" if end_of_day else "T00:00:00Z"
    stamp = normalize_timestamp(text)
    if stamp is None:
        raise UsageError(f"{flag} takes an ISO-8601 date or date-time (2024-06-01 or 2024-06-01T12:00:00Z), not '{value}'")
    return stamp


def coverage_command(
    arguments: Optional[list[str]] = typer.Argument(
        None, metavar="[PLAN] LOGS...", help="The plan (a .yaml file; default: --plan, else the project's), then event "
        "logs: files, folders, globs, or - for standard input (as cdpctl validate reads them).", show_default=False,
    ),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help=PLAN_HELP, show_default=False),
    output_format: str = typer.Option("text", "--format", "-f", metavar=choices(FORMATS), help="Report format."),
    output: Optional[str] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the report here instead of stdout.", show_default=False),
    jobs: int = typer.Option(1, "--jobs", "-j", metavar="N", min=1, help="Worker processes."),
    since: Optional[str] = typer.Option(None, "--since", help="Only messages whose timestamp is at or after this date or date-time.", show_default=False),
    until: Optional[str] = typer.Option(None, "--until", help="Only messages whose timestamp is at or before this date or date-time.", show_default=False),
    fail_under_text: Optional[str] = typer.Option(
        None, "--fail-under", metavar="PCT", help="Exit 1 when under this share (percent: 90 or 90%) of planned calls is seen.",
        show_default=False,
    ),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Exit 0 (not 2) when the input holds no records."),
    engine: str = typer.Option("local", "--engine", metavar=choices(("local", "spark")), help="Where to read the logs: this machine, or Spark (files and URIs a cluster reads)."),
    spark_master: Optional[str] = typer.Option(None, "--spark-master", metavar="URL", help="Spark master URL (default: the environment's, or local[*]).", show_default=False),
) -> None:
    """Report which planned calls and properties the logs use, which never appear, and what is unplanned.

    Example: cdpctl coverage plans/acme-shop.yaml exports/ --fail-under 90 --format markdown
    """
    import sys

    from cdpctl.commands._common import (
        die,
        exit_with,
        handle_errors,
        refuse_overwriting,
        require_input,
        write_text,
    )
    from cdpctl.reporting.formats import one_line

    fail_under = _percent(fail_under_text)
    if output_format not in FORMATS:
        die(f"unknown format '{output_format}'; choose one of: {', '.join(FORMATS)}")
    if engine not in ("local", "spark"):
        die(f"unknown engine '{engine}'; choose one of: local, spark")
    if spark_master is not None and engine != "spark":
        die("--spark-master applies to --engine spark: add it, or leave --spark-master out")
    paths = list(arguments or [])
    if plan is None:  # the first argument when it is a YAML file, else the project's plan (as validate reads it)
        if paths and paths[0].lower().endswith((".yaml", ".yml")):
            plan, paths = paths[0], paths[1:]
        elif not _configured_plan():
            die("give the plan and the logs: cdpctl coverage PLAN LOGS... (or --plan PLAN, or plan: in cdpctl.yaml)")
    require_input(paths)
    with handle_errors():
        import orjson

        from cdpctl.commands._coverage_unmeasured import failure_reason, judged, write_unmeasured
        from cdpctl.coverage import coverage_report, render_markdown, render_text, verdict
        from cdpctl.observe import Observations, Window, observe_sources
        from cdpctl.reporting.limits import json_command
        from cdpctl.validation.streams import InputError

        loaded = _load_plan(plan, output_format, output, paths)
        loaded_from = plan  # None: the project's plan, which the command finds again
        protected = _read_files(loaded, paths, engine)
        refuse_overwriting(output, protected)
        window = Window(_bound(since, "--since", False), _bound(until, "--until", True))
        if window.since and window.until and window.since > window.until:
            from cdpctl.errors import UsageError

            raise UsageError(f"--since {since} is after --until {until}: no message could be in the window")
        chosen = window if since or until else None
        try:
            if engine == "spark":
                from cdpctl.spark.observe import observe_spark

                seen = observe_spark(paths, loaded, master=spark_master, window=chosen)
            else:
                from cdpctl.validation.runner import default_jobs

                # more processes than cores only costs: --jobs 100000 started 100,000 of them
                seen = observe_sources(loaded, paths, jobs=min(jobs, default_jobs()), window=chosen)
        except InputError as exc:  # an input that does not exist: nothing was measured
            unread = coverage_report(loaded, Observations(unreadable=[str(exc)]), window.since, window.until)
            write_unmeasured(output_format, output, "an input cannot be read, nothing was measured", unread,
                             protected=protected)
            raise
        report = coverage_report(loaded, seen, window.since, window.until)
        nothing = None if allow_empty else _nothing_measured(seen, chosen is not None)
        if nothing is not None:
            write_unmeasured(output_format, output, nothing, report, protected=protected)
            die(nothing)
        ok, line = verdict(report, fail_under)
        code = 2 if seen.unreadable else 0 if ok else 1
        report["verdict"] = judged(code == 0, code, failure_reason(report, fail_under, ok))
        if output_format == "json":
            text = orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n"
        elif output_format == "markdown":
            text = render_markdown(report, fail_under, json_command("cdpctl coverage", paths, loaded_from))
        else:
            text = render_text(report, fail_under, _columns(output))
        write_text(output, text)
        for error in seen.unreadable:
            sys.stderr.write(f"cdpctl: error: {one_line(error)}\n")
        if output or output_format != "text":
            sys.stderr.write(f"cdpctl: {line}\n")
        exit_with(code)


def _nothing_measured(seen: Observations, windowed: bool) -> str | None:
    """Why a run measured nothing (no records, all malformed, all outside the window), else ``None``."""
    if seen.records == 0 and seen.unreadable:  # as validate says it
        count = len(seen.unreadable)
        return f"no events read, {count} input{'s' if count != 1 else ''} not read to the end"
    if seen.records == 0:
        return "no events read: the input holds no records (--allow-empty accepts that)"
    if seen.malformed == seen.records:  # not one message read: nothing was measured
        return (f"no events read: the {seen.records:,} records read are all malformed (not JSON messages); "
                "--allow-empty accepts that")
    if windowed and seen.outside and seen.outside + seen.malformed == seen.records:  # never an OK
        return (f"no events in the window: the {seen.outside:,} messages read are all outside --since/--until "
                "or have no timestamp (--allow-empty accepts that)")
    return None


def _load_plan(plan: str | None, fmt: str, output: str | None, paths: list[str]) -> Plan:
    """The plan; one that does not load or does not exist is also a json or markdown report
    (:mod:`cdpctl.commands._coverage_unmeasured`), exit 2 all the same."""
    from cdpctl.commands._common import load_plan_reported
    from cdpctl.commands._coverage_unmeasured import write_unmeasured
    from cdpctl.validation.targets import logs_read

    def unloaded(files: list[str], problems: Sequence[PlanIssue]) -> None:  # nor where the plan is looked for
        protected = [*(("a file of the plan", file) for file in files), *logs_read(paths)]
        write_unmeasured(fmt, output, "the plan does not load, nothing was measured", plan_errors=problems, protected=protected)

    return load_plan_reported(plan, unloaded)


def _configured_plan() -> bool:
    """Whether the project configuration names a default plan."""
    from cdpctl.config import find_config

    return bool(find_config().plan)


def _read_files(plan: Plan, paths: list[str], engine: str) -> list[tuple[str, str]]:
    """``(kind, path)`` of every file the run reads: the plan's and the logs' (never written over)."""
    from cdpctl.validation.targets import logs_read

    files = [("a file of the plan", str(file)) for file in plan.files]
    return [*files, *logs_read(paths)] if engine == "local" else files


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage_command)


def _percent(text: str | None) -> float | None:
    """``--fail-under``: a percentage from 0 to 100, with or without its ``%`` (``90``, ``90%``, ``99.5``)."""
    if text is None:
        return None
    from cdpctl.commands._common import die

    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 100.0:  # NaN fails too
        die(f"--fail-under must be a percentage from 0 to 100 (90 or 90%); got '{text}'")
    return value


def _columns(output: str | None) -> int | None:
    """The width the text table fits: ``COLUMNS``, else the terminal's when it goes to one, else none."""
    import os
    import sys

    from cdpctl.reporting.table import columns_from_env

    asked = columns_from_env()
    if asked is not None or output not in (None, "-") or not sys.stdout.isatty():
        return asked
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns or None
    except (OSError, ValueError):
        return None
