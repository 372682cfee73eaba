"""``cdpctl infer``: bootstrap a plan from real traffic, or merge new calls and properties into one."""

from __future__ import annotations

from typing import Optional

import typer


def infer_command(
    logs: Optional[list[str]] = typer.Argument(
        None, metavar="LOGS...", help="Event logs: files, folders, globs, or - for standard input (as cdpctl validate reads them).",
        show_default=False,
    ),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Write the plan here (default: standard output; with --update: the plan itself).", show_default=False),
    update: Optional[str] = typer.Option(None, "--update", help="Merge into this plan: keep what it says, add what is new, mark what was never seen.", show_default=False),
    name: str = typer.Option("Inferred plan", "--name", help="The plan's name (a new plan only)."),
    enum_max: int = typer.Option(10, "--enum-max", min=0, help="A string property with at most this many distinct values becomes an enum ..."),
    enum_min_samples: int = typer.Option(20, "--enum-min-samples", min=1, help="... when seen at least this often (and twice per value)."),
    extract: bool = typer.Option(True, "--extract/--no-extract", help="Move properties defined identically in several calls to shared definitions."),
    allow_empty: bool = typer.Option(False, "--allow-empty", help="Write an empty plan (not exit 2) when the input holds no messages."),
) -> None:
    """Infer a tracking plan from event logs: names, types, formats, enums, required and nullable properties.

    Example: cdpctl infer exports/ -o plans/tracking-plan.yaml
    """
    from cdpctl.commands._common import die, exit_with, handle_errors, require_input
    from cdpctl.commands._infer_run import EMPTY, PARTIAL, run_infer
    from cdpctl.infer import Options

    if update is not None and out is None:
        out = update
    require_input(list(logs or []))
    with handle_errors():
        code = run_infer(list(logs or []), out, update, name, Options(enum_max, enum_min_samples), extract, allow_empty)
    if code == EMPTY:
        die("no events read: the input holds no messages (--allow-empty writes an empty plan)")
    if code == PARTIAL:
        exit_with(1)


def register(app: typer.Typer) -> None:
    app.command("infer")(infer_command)
