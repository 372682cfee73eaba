"""What ``cdpctl lint`` does once its arguments are parsed (no typer here).

:mod:`cdpctl.commands.lint` declares the command line for typer; it calls :func:`run_lint`.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdpctl.commands._common import (
    choose_format,
    die,
    exit_with,
    handle_errors,
    load_plan_arg,
    one_plan,
    refuse_overwriting_plan,
)
from cdpctl.errors import PlanLoadError

if TYPE_CHECKING:
    from cdpctl.lint.runner import LintReport

FORMATS = ("text", "json", "github", "sarif", "junit", "markdown")
FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class LintArgs:
    """The parsed command line of ``cdpctl lint`` (``None``: not given)."""

    plan: str | None = None
    plan_option: str | None = None
    output_format: str | None = None
    fail_on: str | None = None
    report_unused_disables: bool = False
    output: str | None = None
    explain: str | None = None
    list_rules: bool = False


def run_lint(args: LintArgs) -> None:
    """Lint the plan, write the report, and exit 1 when a finding at or above the threshold remains."""
    with handle_errors():
        if args.explain is not None or args.list_rules:
            _docs(args.explain)
            return
        plan = one_plan(args.plan, args.plan_option)
        fmt = choose_format(args.output_format, FORMATS)
        if args.fail_on is not None and args.fail_on not in FAIL_ON:
            from cdpctl.errors import did_you_mean

            die(f"unknown --fail-on '{args.fail_on}'; choose one of: {', '.join(FAIL_ON)}", hint=did_you_mean(args.fail_on, FAIL_ON))

        from cdpctl.lint.config import load_lint_config
        from cdpctl.lint.runner import lint_plan

        config = load_lint_config()
        threshold = args.fail_on or config.fail_on or "error"
        try:
            loaded = load_plan_arg(plan, check_patterns=False)  # CP303 reports each pattern construct
        except PlanLoadError:  # no plan to lint: every load problem at once, the patterns' among them
            try:
                load_plan_arg(plan)
            except PlanLoadError as error:
                if fmt != "text":  # where CI shows findings, the load problems show too (exit 2 all the same)
                    _write_load_problems(error, plan, fmt, _failing_at(threshold), args.output)
                raise
            raise
        refuse_overwriting_plan(args.output, loaded)
        report = lint_plan(loaded, config, report_unused_disables=args.report_unused_disables, fail_on=threshold)
        # a pattern the engine cannot run: an invalid-pattern finding that fails the run (exit 1), else a
        # plan-load error (the rule off, suppressed there, or under --fail-on: the plan does not load, exit 2)
        unloaded = {finding.pos for finding in report.load_errors()}
        shown_at = _failing_at(threshold) if unloaded else threshold
        _write(report, loaded.sources, fmt, shown_at, args.output, all_command(plan))
        if unloaded:  # named on stderr as every command names them
            raise PlanLoadError([issue for issue in loaded.kept_errors if issue.pos in unloaded])
        if report.failing(threshold):
            exit_with(1)


def _failing_at(threshold: str) -> str:
    """The threshold a report of a plan that does not load shows: it fails whatever --fail-on says."""
    return threshold if threshold != "never" else "error"


def _write_load_problems(error: PlanLoadError, plan: str | None, fmt: str, threshold: str, output: str | None) -> None:
    """The report of a plan that does not load (each problem a ``plan-load`` finding); never over a plan file."""
    from cdpctl.lint.load_problems import load_report
    from cdpctl.validation.targets import same_file

    files = list(dict.fromkeys([*([plan] if plan else []), *(str(issue.pos.file) for issue in error.issues)]))
    if output and output != "-" and any(same_file(file, output) for file in files if file):
        return  # the load error is the answer; a report written there would destroy the plan
    with contextlib.suppress(SystemExit):  # a report that cannot be written is said; the load problems follow
        _write(load_report(error, files), {}, fmt, threshold, output, all_command(plan))


def _docs(name: str | None) -> None:
    from cdpctl.lint.explain import explain, list_rules
    from cdpctl.lint.load_problems import OUTSIDE_RULES
    from cdpctl.lint.registry import all_rules, find_rule, rule_names
    from cdpctl.lint.suppress import META_RULES
    from cdpctl.loader import did_you_mean

    if name is None:
        sys.stdout.write(list_rules((*all_rules(), *META_RULES)))
        return
    # plan-load is explained, not listed: no configuration reaches it
    rule = find_rule(name) or next((m for m in OUTSIDE_RULES if name.lower() in (m.slug, m.code.lower())), None)
    if rule is None:
        choices = [*rule_names(), *(m.slug for m in OUTSIDE_RULES)]
        die(f"unknown rule '{name}'{did_you_mean(name, choices)}; see cdpctl lint --list-rules")
    sys.stdout.write(explain(rule))


def all_command(plan: str | None) -> str:
    """The command that lists every finding of this run (named where a report shows only the most severe)."""
    from cdpctl.reporting.limits import json_command

    return json_command("cdpctl lint", [plan] if plan else [])


def _write(report: LintReport, sources: dict[str, str], fmt: str, fail_on: str, output: str | None, every: str) -> None:
    from cdpctl.lint import output as render

    if fmt == "text":
        if output is None and not report.findings:
            # the common case in a pre-commit hook: one line, without paying for rich's import
            line = render.summary_line(report, fail_on)
            colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
            sys.stdout.write(f"\x1b[1;32m{line}\x1b[0m\n" if colour else f"{line}\n")
            return
        from rich.console import Console

        if output is None:
            render.render_text(report, sources, fail_on, Console(highlight=False))
            return
        import io

        text_console = Console(record=True, file=io.StringIO(), width=200, highlight=False, color_system=None)
        render.render_text(report, sources, fail_on, text_console)
        text = text_console.export_text()
    elif fmt == "json":
        text = render.render_json(report, fail_on)
    elif fmt == "github":
        text = render.render_github(report, every)
    elif fmt == "markdown":
        text = render.render_markdown(report, fail_on, every)
    elif fmt == "sarif":
        text = render.render_sarif(report)
    else:
        text = render.render_junit(report, fail_on)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        die(f"cannot write to '{output}': {exc.strerror or exc}")
