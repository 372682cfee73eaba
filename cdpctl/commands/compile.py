"""``cdpctl compile``: the plan as one JSON Schema per governed call.

This module declares the command line for typer; what the command does is
:func:`cdpctl.commands._compile_run.run_compile`.
"""

from __future__ import annotations

from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP, PLAN_OPTION_HELP, one_plan
from cdpctl.commands._help import choices


def compile_command(
    plan: Optional[str] = typer.Argument(None, metavar="PLAN", help=PLAN_HELP, show_default=False),
    plan_option: Optional[str] = typer.Option(
        None, "--plan", "-p", metavar="PLAN", help=PLAN_OPTION_HELP, show_default=False
    ),
    out: Optional[str] = typer.Option(
        None, "--out", "-o", metavar="DIR", help="Write one schema per call and index.json here (default: one bundle on stdout)."
    ),
    draft: str = typer.Option("07", "--draft", metavar=choices(("07", "2020-12")), help="JSON Schema draft."),
) -> None:
    """Compile the plan to JSON Schema.

    Example: cdpctl compile plans/acme-shop.yaml --out schemas/
    """
    from cdpctl.commands._compile_run import run_compile

    run_compile(one_plan(plan, plan_option), out, draft)


def register(app: typer.Typer) -> None:
    app.command("compile")(compile_command)
