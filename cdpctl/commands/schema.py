"""``cdpctl schema``: the JSON Schema of the plan format, for editors (YAML language server)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from cdpctl.commands._common import handle_errors

SCHEMA_RESOURCE = "schemas/plan.schema.json"


def plan_format_schema_text() -> str:
    """The shipped JSON Schema of the plan format, as text."""
    from importlib.resources import files

    return files("cdpctl").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


def schema_command(
    out: Optional[str] = typer.Option(None, "--out", "-o", help="Write the schema to this file instead of stdout."),
) -> None:
    """Print the JSON Schema of the plan format (point your editor's YAML language server at it).

    Example: cdpctl schema --out .vscode/cdpctl-plan.schema.json
    """
    with handle_errors():
        text = plan_format_schema_text()
        if out is None:
            sys.stdout.write(text)
            return
        _refuse_writing_over_other_files(Path(out))
        try:
            target = Path(out)
            target.parent.mkdir(parents=True, exist_ok=True)
            from cdpctl.atomic import replace_file

            replace_file(target, text)  # a new file renamed into place: never written through a link or FIFO
        except OSError as exc:
            from cdpctl.errors import UsageError

            if isinstance(exc, FileExistsError):  # mkdir: a file stands where a parent folder should be
                raise UsageError(f"cannot write to '{out}': '{exc.filename}' is a file, not a folder") from exc
            raise UsageError(f"cannot write to '{out}': {exc.strerror or exc}") from exc
        sys.stderr.write(f"wrote the plan format schema to {out}\n")


def _refuse_writing_over_other_files(target: Path) -> None:
    """Exit 2 when ``target`` is a file that is not a JSON Schema (a plan, ``cdpctl.yaml``, ``pyproject.toml``):
    only an earlier schema is replaced."""
    import json

    from cdpctl.errors import UsageError

    if not target.is_file():
        return
    try:
        earlier = json.loads(target.read_bytes())
    except (OSError, ValueError):
        earlier = None
    if not (isinstance(earlier, dict) and "$schema" in earlier):
        raise UsageError(f"'{target}' is a file that is not a JSON Schema (a plan, a configuration?); "
                         "writing there would destroy it: choose another path, or remove it first")


def register(app: typer.Typer) -> None:
    app.command("schema")(schema_command)
