"""``cdpctl lint``: check the plan against the lint rules.

This module declares the command line for typer; what the command does is
:func:`cdpctl.commands._lint_run.run_lint`.
"""

from __future__ import annotations

from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP, PLAN_OPTION_HELP
from cdpctl.commands._help import choices
from cdpctl.commands._lint_run import FAIL_ON, FORMATS


def lint_command(
    plan: Optional[str] = typer.Argument(None, metavar="PLAN", help=PLAN_HELP, show_default=False),
    plan_option: Optional[str] = typer.Option(
        None, "--plan", "-p", metavar="PLAN", help=PLAN_OPTION_HELP, show_default=False
    ),
    output_format: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        metavar=choices(FORMATS),
        help="Report format (default: text; github under GitHub Actions).",
        show_default=False,
    ),
    fail_on: Optional[str] = typer.Option(
        None,
        "--fail-on",
        metavar=choices(FAIL_ON),
        help="Exit 1 when a finding at or above this severity remains "
        "(default: lint.fail_on of the project config, else error).",
        show_default=False,
    ),
    report_unused_disables: bool = typer.Option(
        False, "--report-unused-disables", help="Report '# cdpctl: disable=...' comments that suppress nothing."
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the report to this file instead of standard output.", show_default=False
    ),
    explain: Optional[str] = typer.Option(
        None, "--explain", help="Print the documentation of a rule (slug or code) and exit.", show_default=False
    ),
    list_rules: bool = typer.Option(False, "--list-rules", help="List every rule and exit."),
) -> None:
    """Lint the plan: naming, descriptions, type conflicts, patterns, Segment Spec rules.

    Example: cdpctl lint plans/acme-shop.yaml --fail-on warning
    """
    from cdpctl.commands._lint_run import LintArgs, run_lint

    run_lint(
        LintArgs(
            plan=plan,
            plan_option=plan_option,
            output_format=output_format,
            fail_on=fail_on,
            report_unused_disables=report_unused_disables,
            output=output,
            explain=explain,
            list_rules=list_rules,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("lint")(lint_command)
