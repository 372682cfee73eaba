"""The ``cdpctl`` command line: parses arguments and calls the library, nothing more."""

from __future__ import annotations

import importlib

import typer

from cdpctl import __version__
from cdpctl.commands import COMMAND_MODULES

app = typer.Typer(
    name="cdpctl",
    help="Tracking-plan governance as code: compile, lint, diff, validate and generate typed clients "
    "from a YAML tracking plan.\n\nExample: cdpctl validate examples/events.ndjson",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cdpctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Tracking-plan governance as code."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"cdpctl.commands.{_name}").register(app)


def main() -> None:
    app()
