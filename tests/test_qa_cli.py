"""Command-line edge cases common to every command: stdin plans, output paths that are files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"


@pytest.mark.parametrize(
    "args",
    [["compile", "-"], ["lint", "-"], ["export", "segment", "-"], ["export", "jsonschema", "-"], ["validate", "-p", "-"]],
)
def test_plan_from_stdin_is_a_clear_usage_error(args: list[str]) -> None:
    result = CliRunner().invoke(app, args, input=PLAN.read_text(encoding="utf-8"))
    assert result.exit_code == 2, result.output
    assert "standard input ('-') is not supported" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
