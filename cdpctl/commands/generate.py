"""``cdpctl generate python``: a typed Python tracking client from the plan."""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP, PLAN_OPTION_HELP, handle_errors, load_plan_arg, one_plan

generate_app = typer.Typer(
    name="generate",
    help="Generate typed tracking clients from the plan.\n\nExample: cdpctl generate python --out app/tracking.py",
    no_args_is_help=True,
    add_completion=False,
)


def _configured_out() -> str | None:
    """``python_out`` from the ``generate`` settings of the project configuration, if any."""
    from cdpctl.config import find_config
    from cdpctl.errors import ConfigError

    config = find_config()
    value = config.section("generate").get("python_out")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{config.source}: 'generate.python_out' must be a file or folder path")
    root = config.root or os.getcwd()
    return os.path.relpath(os.path.join(root, value))


@generate_app.command("python")
def python_command(
    plan_argument: Optional[str] = typer.Argument(None, metavar="PLAN", help=PLAN_HELP, show_default=False),
    plan_option: Optional[str] = typer.Option(
        None, "--plan", "-p", metavar="PLAN", help=PLAN_OPTION_HELP, show_default=False
    ),
    out: Optional[str] = typer.Option(
        None,
        "--out",
        "-o",
        metavar="PATH",
        help="Module file (name.py) or package folder to write (default: generate.python_out from the config).",
        show_default=False,
    ),
    check: bool = typer.Option(
        False, "--check", help="Write nothing; exit 1 if the files on disk are missing or stale, 0 if current."
    ),
) -> None:
    """Generate a typed Python tracking client (one method per planned call).

    Example: cdpctl generate python plans/acme-shop.yaml --out app/tracking.py
    """
    from cdpctl.codegen import generated_files, stale_files, write_files
    from cdpctl.commands._common import refuse_overwriting_plan
    from cdpctl.errors import UsageError
    from cdpctl.reporting.formats import one_line

    with handle_errors():
        plan = one_plan(plan_argument, plan_option)
        target = out or _configured_out()
        if target is None:
            raise UsageError("no output given: pass --out PATH, or set generate.python_out in the project config")
        loaded = load_plan_arg(plan)
        files = generated_files(loaded, target)
        label = one_line(f"'{loaded.name}' {loaded.version}")
        if check:
            stale = stale_files(files)
            for file in stale:
                state = "obsolete" if file.remove else "missing" if not file.path.exists() else "stale"
                sys.stderr.write(f"{one_line(str(file.path))}: {state}: not what plan {label} generates\n")
            if stale:
                again = f" {plan}" if plan else ""
                sys.stderr.write(f"cdpctl: to update, run: cdpctl generate python{again} --out {target}\n")
                raise typer.Exit(1)
            sys.stderr.write(f"{one_line(target)}: up to date with plan {label}\n")
            return
        for file in files:  # a generated file never replaces a file of the plan
            refuse_overwriting_plan(str(file.path), loaded)
        written = write_files(files)
        calls = sum(1 for _ in loaded.calls())
        state = "wrote" if written else "unchanged:"
        sys.stderr.write(f"{state} {one_line(target)} from plan {label} ({calls} planned calls)\n")


def register(app: typer.Typer) -> None:
    """Register ``cdpctl generate`` on ``app``."""
    app.add_typer(generate_app, name="generate")
