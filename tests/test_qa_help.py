"""Every command's --help: an example line, and no text swallowed by the help renderer's markup."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from cdpctl.cli import app


def _commands() -> list[tuple[list[str], Any]]:
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append((path, command))
        subcommands: dict[str, Any] = getattr(command, "commands", {})
        for name, sub in subcommands.items():
            walk([*path, name], sub)

    walk([], typer.main.get_command(app))
    return found


COMMANDS = _commands()


def _squash(text: str) -> str:
    return re.sub(r"[\s│╭╮╰╯─]+", "", text)


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "cdpctl" for p, _ in COMMANDS])
def test_help_has_example_and_keeps_bracketed_text(path: list[str], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    shown = _squash(result.output)
    for param in command.params:
        help_text = getattr(param, "help", None) or ""
        for bracketed in re.findall(r"\\?\[[^\]\s]+\]", help_text):
            assert _squash(bracketed.lstrip("\\")) in shown, f"{' '.join(path)}: '{bracketed}' lost from --help"
