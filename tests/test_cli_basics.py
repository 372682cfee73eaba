"""The command line itself: --version, --help everywhere, an example in every command's help."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from cdpctl import __version__
from cdpctl.cli import app
from cdpctl.commands import COMMAND_MODULES

runner = CliRunner()


def command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every registered command and sub-command, as the words that invoke it."""
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from command_paths(sub, (*path, name))


ALL_COMMANDS = list(command_paths(typer.main.get_command(app)))


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"cdpctl {__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_version_from_a_fresh_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0
    assert done.stdout == f"cdpctl {__version__}\n"


def test_root_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "Usage: cdpctl" in result.output
    for name in ("compile", "schema"):
        assert name in result.output
    short = runner.invoke(app, ["-h"])
    assert short.exit_code == 0 and short.output == result.output


def test_the_compile_and_schema_commands_are_registered() -> None:
    top = {path[0] for path in ALL_COMMANDS if len(path) == 1}
    assert {"compile", "schema"} <= top
    assert "compile" in COMMAND_MODULES and "schema" in COMMAND_MODULES


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "cdpctl")
def test_help_on_every_command_has_an_example(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: cdpctl" in result.output
    lines = result.output.splitlines()
    start = next((i for i, line in enumerate(lines) if "Example:" in line), None)
    assert start is not None, f"no 'Example:' line in the help of cdpctl {' '.join(path)}"
    example = lines[start].split("Example:", 1)[1] or lines[start + 1]  # on the line, or the lines under it
    assert example.strip().startswith("cdpctl")


def test_an_unknown_command_exits_2_without_a_traceback() -> None:
    result = runner.invoke(app, ["compiel"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_arguments_shows_the_help() -> None:
    result = runner.invoke(app, [])
    assert "Usage: cdpctl" in result.output
