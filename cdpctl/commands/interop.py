"""``cdpctl import segment``, ``cdpctl export segment``, ``cdpctl export jsonschema`` and ``cdpctl init``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from cdpctl.commands._common import (
    PLAN_HELP,
    PLAN_OPTION_HELP,
    die,
    handle_errors,
    load_plan_arg,
    one_plan,
    refuse_overwriting,
    refuse_overwriting_plan,
    write_text,
)
from cdpctl.commands._help import choices
from cdpctl.interop.templates import TEMPLATES

import_app = typer.Typer(
    name="import",
    help="Import a tracking plan from another tool.\n\nExample: cdpctl import segment plan.json -o plans/plan.yaml",
    no_args_is_help=True,
)
export_app = typer.Typer(
    name="export",
    help="Export the plan for another tool.\n\nExample: cdpctl export segment plans/acme-shop.yaml -o rules.json",
    no_args_is_help=True,
)


@import_app.command("segment")
def import_segment_command(
    file: str = typer.Argument(
        ..., help="Segment tracking plan JSON (Public API, Config API or local Typewriter form); '-' reads stdin."
    ),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Write the plan here (default: stdout)."),
    no_extract: bool = typer.Option(
        False, "--no-extract", help="Keep every property inline instead of extracting recurring ones to 'properties:'."
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when something could not be represented."),
) -> None:
    """Convert a Segment tracking plan into a cdpctl plan.

    Example: cdpctl import segment plan.json -o plans/tracking-plan.yaml
    """
    from cdpctl.errors import PlanLoadError, UsageError
    from cdpctl.interop.importer import import_segment, parse_json
    from cdpctl.loader import load_plan_text

    with handle_errors():
        read = ("standard input, read by this run", "-") if file == "-" else ("the Segment plan being imported", file)
        refuse_overwriting(out, [read], "the plan (-o)")  # the file standard input comes from, too
        try:
            text = read_import(file).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise UsageError(f"cannot read '{file}': {reason}") from exc
        source = "stdin" if file == "-" else Path(file).name
        result = import_segment(parse_json(text, file), source, extract=not no_extract)
        for note in result.notes:
            sys.stderr.write(f"{'stdin' if file == '-' else file}: {note}\n")
        try:
            load_plan_text(result.text, out or "imported.yaml")
        except PlanLoadError as exc:  # a bug in the importer: say so rather than write a broken plan
            raise UsageError(f"the imported plan does not load: {exc}") from exc
        write_text(out, result.text)
        lossy = sum(1 for note in result.notes if note.severity == "warning")
        sys.stderr.write(
            f"imported {result.events} events{''.join(', ' + other for other in result.other_calls)} "
            f"({result.shared} shared properties, {result.raw} kept as raw "
            f"JSON Schema, {lossy} lossy notes){' to ' + out if out else ''}\n"
        )
        if strict and lossy:
            raise typer.Exit(1)


MAX_IMPORT_BYTES = 256 * 1024 * 1024
"""The largest Segment plan read (a plan of 5,000 events exports to well under 100 MiB): ``/dev/zero`` or an
endless pipe is refused at this size, never read into memory whole."""


def read_import(file: str) -> bytes:
    """The bytes of the Segment plan ``file`` (``-``: standard input), at most :data:`MAX_IMPORT_BYTES`."""
    if file == "-":
        data = sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
    else:
        with open(file, "rb") as handle:
            data = handle.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise OSError(0, f"larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB, the most a Segment plan is read to")
    return data


@export_app.command("segment")
def export_segment_command(
    plan: Optional[str] = typer.Argument(None, metavar="PLAN", help=PLAN_HELP, show_default=False),
    plan_option: Optional[str] = typer.Option(
        None, "--plan", "-p", metavar="PLAN", help=PLAN_OPTION_HELP, show_default=False
    ),
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Write the rules JSON here (default: stdout)."),
) -> None:
    """Export the plan as Segment Public API rules, ready to upload.

    Example: cdpctl export segment plans/acme-shop.yaml -o rules.json
    """
    from cdpctl.compiler import dumps
    from cdpctl.interop.export import export_segment

    with handle_errors():
        loaded = load_plan_arg(one_plan(plan, plan_option))
        refuse_overwriting_plan(out, loaded)
        document, notes = export_segment(loaded)
        for note in notes:
            sys.stderr.write(f"{note}\n")
        write_text(out, dumps(document))
        if out:
            sys.stderr.write(f"wrote {len(document['rules'])} rules to {out}\n")


@export_app.command("jsonschema")
def export_jsonschema_command(
    plan: Optional[str] = typer.Argument(None, metavar="PLAN", help=PLAN_HELP, show_default=False),
    plan_option: Optional[str] = typer.Option(
        None, "--plan", "-p", metavar="PLAN", help=PLAN_OPTION_HELP, show_default=False
    ),
    out: Optional[str] = typer.Option(
        None, "--out", "-o", help="Write one schema per call and index.json here (default: one bundle on stdout)."
    ),
    draft: str = typer.Option("07", "--draft", metavar=choices(("07", "2020-12")), help="JSON Schema draft."),
) -> None:
    """Export the plan as JSON Schema (the same as cdpctl compile).

    Example: cdpctl export jsonschema plans/acme-shop.yaml --out schemas/
    """
    from cdpctl.commands._compile_run import run_compile

    run_compile(one_plan(plan, plan_option), out, draft)


def init_command(
    directory: str = typer.Argument(".", help="Project folder (created when missing)."),
    name: Optional[str] = typer.Option(None, "--name", help="Product name for the plan (default: the folder name)."),
    plan_file: Optional[str] = typer.Option(
        None, "--plan-file", help="Where the plan goes, relative to the folder (default: plans/tracking-plan.yaml)."
    ),
    ci: Optional[str] = typer.Option(
        None, "--ci", metavar=choices(("github", "none")), help="CI workflow to write (default: github)."
    ),
    pre_commit: Optional[bool] = typer.Option(
        None, "--pre-commit/--no-pre-commit", help="Write a .pre-commit-config.yaml (default: yes)."
    ),
    install: Optional[str] = typer.Option(
        None,
        "--install",
        metavar="SPEC",
        help="What the CI workflow pip-installs: a requirement, git URL, wheel or path (default: cdpctl==this version).",
    ),
    template: Optional[list[str]] = typer.Option(
        None,
        "--template",
        "-t",
        metavar=choices(tuple(TEMPLATES)),
        help="Start the plan from Segment's spec plan NAME instead of the starter plan; repeat it to combine several.",
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Ask nothing: use the flags and the defaults."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that already exist (.gitignore is appended to)."),
) -> None:
    """Scaffold a new project: starter plan, cdpctl.yaml, pre-commit configuration, CI workflow, .gitignore.

    Example: cdpctl init --yes --name "Acme Shop" --template ecommerce-v2
    """
    from cdpctl.interop.pyproject_config import named_plan, pyproject_config
    from cdpctl.interop.scaffold import (
        CONFIG_NAME,
        PYPROJECT,
        InitOptions,
        configured_ignores,
        scaffold_files,
        write_scaffold,
    )

    root = Path(directory)
    pyproject = pyproject_config(root)  # [tool.cdpctl] configures the project: the plan is named there
    defaults = InitOptions(name=root.resolve().name.replace("-", " ").replace("_", " ").title() or "My Product")
    with handle_errors():
        if yes:
            options = InitOptions(
                name=name or defaults.name,
                plan_file=plan_file or defaults.plan_file,
                ci=ci or defaults.ci,
                pre_commit=defaults.pre_commit if pre_commit is None else pre_commit,
                install=install or "",
                templates=tuple(template or ()),
                ignore=configured_ignores(root),
                pyproject=pyproject,
            )
        else:
            if sys.stdin is None or sys.stdin.closed:  # `cdpctl init <&-`: input() would fail with a traceback
                die("aborted (no answer to a question: standard input is closed; pass the options, or --yes)")
            options = InitOptions(
                name=name or typer.prompt("Product name", default=defaults.name),
                plan_file=plan_file or typer.prompt("Plan file", default=defaults.plan_file),
                ci=ci or typer.prompt("CI workflow (github, none)", default=defaults.ci),
                pre_commit=pre_commit
                if pre_commit is not None
                else typer.confirm("Write a pre-commit configuration?", default=True),
                install=install or "",
                templates=tuple(template or ()),
                ignore=configured_ignores(root),
                pyproject=pyproject,
            )
        files = scaffold_files(options)
        if pyproject is not None and CONFIG_NAME in files:
            sys.stderr.write(
                f"note: {root / CONFIG_NAME} takes precedence over [tool.cdpctl] in pyproject.toml, whose form"
                " cannot take the plan's name: move its settings to cdpctl.yaml\n"
            )
        written = write_scaffold(root, files, force)
        for path in written:
            if path == root / PYPROJECT:
                sys.stderr.write(f"updated {path}: plan = {options.plan_file!r} in [tool.cdpctl]\n")
            else:
                sys.stderr.write(f"wrote {path}\n")
        kept = named_plan(pyproject) if pyproject is not None else None
        if kept is not None and kept != options.plan_file:
            sys.stderr.write(
                f"note: [tool.cdpctl] in pyproject.toml names the plan {kept!r}: commands without --plan use it\n"
            )
        import shlex

        sys.stderr.write(f"next: cdpctl lint {shlex.quote(str(root / options.plan_file))}\n")  # as a shell takes it


def register(app: typer.Typer) -> None:
    """Register ``import``, ``export`` and ``init`` on ``app``."""
    app.add_typer(import_app)
    app.add_typer(export_app)
    app.command("init")(init_command)
