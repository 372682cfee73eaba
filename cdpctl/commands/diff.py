"""``cdpctl diff``: classify every change between two versions of a plan, for producers and consumers.

This module declares the command line for typer; what the command does is
:func:`cdpctl.commands._diff_run.run_diff`.
"""

from __future__ import annotations

from typing import Optional

import typer

from cdpctl.commands._diff_run import DIRECTIONS, FAIL_ON, FORMATS
from cdpctl.commands._help import choices


def diff_command(
    old: Optional[str] = typer.Argument(
        None, help="OLD plan: a file, or REV:PATH read from git (main:plans/shop.yaml).", show_default=False
    ),
    new: Optional[str] = typer.Argument(
        None, help="NEW plan: a file, or REV:PATH read from git.", show_default=False
    ),
    base: Optional[str] = typer.Option(
        None, "--base", metavar="REV", help="Compare every plan of the project (or the one PLAN given) with its version at this git revision."
    ),
    direction: Optional[str] = typer.Option(
        None,
        "--direction",
        "-d",
        metavar=choices(DIRECTIONS),
        help="Whose view: producers', consumers', or both (the worst of the two; the default).",
    ),
    output_format: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        metavar=choices(FORMATS),
        help="Report format (default: text; github under GitHub Actions).",
    ),
    fail_on: Optional[str] = typer.Option(
        None,
        "--fail-on",
        metavar=choices(FAIL_ON),
        help="Exit 1 when a change at or above this severity exists (default: breaking).",
    ),
    check_version: Optional[bool] = typer.Option(
        None, "--check-version/--no-check-version", help="Exit 1 when NEW's version is not bumped enough for the changes (default: off, or diff.check_version in the configuration)."
    ),
) -> None:
    """Compare two versions of a plan and name every breaking change.

    Example: cdpctl diff main:plans/acme-shop.yaml plans/acme-shop.yaml --format markdown
    """
    from cdpctl.commands._diff_run import DiffArgs, run_diff

    run_diff(
        DiffArgs(
            old=old,
            new=new,
            base=base,
            direction=direction,
            output_format=output_format,
            fail_on=fail_on,
            check_version=check_version,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("diff")(diff_command)
