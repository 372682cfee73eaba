"""``cdpctl lint``: check the plan against the lint rules."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Optional

import typer

from cdpctl.commands._common import (
    PLAN_HELP,
    choose_format,
    die,
    handle_errors,
    load_plan_arg,
    refuse_overwriting_plan,
)

if TYPE_CHECKING:
    from cdpctl.lint.runner import LintReport

FORMATS = ("text", "json", "github", "sarif", "junit")
FAIL_ON = ("error", "warning", "info", "never")


def lint_command(
    plan: Optional[str] = typer.Argument(None, help=PLAN_HELP, show_default=False),
    plan_option: Optional[str] = typer.Option(
        None, "--plan", "-p", help="The plan, as an option (same as the PLAN argument).", show_default=False
    ),
    output_format: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        help="Output: text, json, github, sarif or junit (default: text; github under GITHUB_ACTIONS=true).",
        show_default=False,
    ),
    fail_on: Optional[str] = typer.Option(
        None,
        "--fail-on",
        help="Exit 1 when a finding at or above this severity remains: error, warning, info or never "
        "(default: lint.fail_on of the project config, else error).",
        show_default=False,
    ),
    report_unused_disables: bool = typer.Option(
        False, "--report-unused-disables", help="Report '# cdpctl: disable=...' comments that suppress nothing."
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Write the report to this file instead of standard output.", show_default=False
    ),
    explain: Optional[str] = typer.Option(
        None, "--explain", help="Print the documentation of a rule (slug or code) and exit.", show_default=False
    ),
    list_rules: bool = typer.Option(False, "--list-rules", help="List every rule and exit."),
) -> None:
    """Lint the plan: naming, descriptions, type conflicts, patterns, Segment Spec rules.

    Example: cdpctl lint plans/acme-shop.yaml --fail-on warning
    """
    with handle_errors():
        if explain is not None or list_rules:
            _docs(explain)
            return
        if plan and plan_option and plan != plan_option:
            die(f"two plans given: '{plan}' and --plan '{plan_option}'; lint one plan at a time")
        plan = plan or plan_option
        fmt = choose_format(output_format, FORMATS)
        if fail_on is not None and fail_on not in FAIL_ON:
            die(f"unknown --fail-on '{fail_on}'; choose one of: {', '.join(FAIL_ON)}")

        from cdpctl.lint.config import load_lint_config
        from cdpctl.lint.runner import lint_plan

        config = load_lint_config()
        loaded = load_plan_arg(plan)
        refuse_overwriting_plan(output, loaded)
        report = lint_plan(loaded, config, report_unused_disables=report_unused_disables)
        threshold = fail_on or config.fail_on or "error"
        _write(report, loaded.sources, fmt, threshold, output)
        if report.failing(threshold):
            raise typer.Exit(1)


def _docs(name: str | None) -> None:
    from cdpctl.lint.explain import explain, list_rules
    from cdpctl.lint.registry import all_rules, find_rule, rule_names
    from cdpctl.lint.suppress import META_RULES
    from cdpctl.loader import did_you_mean

    if name is None:
        sys.stdout.write(list_rules((*all_rules(), *META_RULES)))
        return
    rule = find_rule(name) or next((m for m in META_RULES if name.lower() in (m.slug, m.code.lower())), None)
    if rule is None:
        choices = [*rule_names(), *(m.slug for m in META_RULES)]
        die(f"unknown rule '{name}'{did_you_mean(name, choices)}; see cdpctl lint --list-rules")
    sys.stdout.write(explain(rule))


def _write(report: LintReport, sources: dict[str, str], fmt: str, fail_on: str, output: str | None) -> None:
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
        text = render.render_github(report)
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


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
