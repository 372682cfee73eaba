"""``cdpctl docs``: write the tracking plan as a static, searchable catalog site."""

from __future__ import annotations

from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP


def docs_command(
    plan_argument: Optional[list[str]] = typer.Argument(
        None, metavar="PLAN [LOGS...]", help=PLAN_HELP + " Paths after it extend --logs (--logs a.ndjson b.ndjson).", show_default=False,
    ),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help=PLAN_HELP, show_default=False),
    out: str = typer.Option("site", "--out", "-o", help="Folder to write the catalog into."),
    logs: Optional[list[str]] = typer.Option(
        None, "--logs", help="Event logs (as cdpctl validate reads them; repeat the option, or list them after it): adds observed volume, "
        "first and last seen, violation counts and unplanned events.", show_default=False,
    ),
    diff: Optional[str] = typer.Option(
        None, "--diff", help="Base plan (a file, REV:PATH, or a git revision of this plan): adds a Changes page.",
        show_default=False,
    ),
) -> None:
    """Write the plan as a static catalog: every call, its properties and constraints, with search and filters.

    Example: cdpctl docs plans/acme-shop.yaml --out site/ (then open site/index.html)
    """
    import sys

    from cdpctl.commands._common import die, handle_errors, load_plan_arg

    positional = list(plan_argument or [])
    if plan is None and positional:
        # `--logs a.ndjson b.ndjson plan.yaml`: the one YAML file among the paths is the plan, wherever it is
        plans = [path for path in positional if path.lower().endswith((".yaml", ".yml"))]
        plan = positional.pop(positional.index(plans[0]) if logs and len(plans) == 1 else 0)
    elif positional and positional[0] == plan:
        positional.pop(0)
    if positional and not logs:
        die(f"got unexpected extra argument(s) ({' '.join(positional)}): give the plan once, as PLAN or as --plan")
    logs = [*(logs or []), *positional]  # --logs a.ndjson b.ndjson: the paths after the first are positional
    with handle_errors():
        from cdpctl.catalog import build_catalog

        loaded = load_plan_arg(plan)
        written = build_catalog(loaded, out, logs=logs, base=diff)
        calls = sum(1 for _ in loaded.calls())
        sys.stderr.write(f"cdpctl: wrote a catalog of {calls} calls to {written[0].parent}/index.html\n")


def register(app: typer.Typer) -> None:
    app.command("docs")(docs_command)
