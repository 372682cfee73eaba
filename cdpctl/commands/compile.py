"""``cdpctl compile``: the plan as one JSON Schema per governed call."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP, handle_errors, load_plan_arg


def compile_command(
    plan: Optional[str] = typer.Argument(None, help=PLAN_HELP, show_default=False),
    out: Optional[str] = typer.Option(
        None, "--out", "-o", help="Write one schema per call and index.json here (default: one bundle on stdout)."
    ),
    draft: str = typer.Option("07", "--draft", help="JSON Schema draft: 07 or 2020-12."),
) -> None:
    """Compile the plan to JSON Schema.

    Example: cdpctl compile plans/acme-shop.yaml --out schemas/
    """
    from cdpctl.compiler import compile_plan, dumps, write_compiled

    with handle_errors():
        compiled = compile_plan(load_plan_arg(plan), draft)
        if out is None:
            sys.stdout.write(dumps(compiled.bundle()))
            return
        try:
            written = write_compiled(compiled, out)
        except OSError as exc:
            from cdpctl.errors import UsageError

            raise UsageError(f"cannot write to '{out}': {exc.strerror or exc}") from exc
        sys.stderr.write(f"wrote {len(written) - 1} schemas and index.json to {out}\n")


def register(app: typer.Typer) -> None:
    app.command("compile")(compile_command)
