"""Broken project configuration: clear messages naming the file as the user would type it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"


@pytest.mark.parametrize(
    ("name", "text"),
    [("cdpctl.yaml", "plan: {plan}\nlint: 5\n"), ("pyproject.toml", '[tool.cdpctl]\nplan = "{plan}"\nlint = 5\n')],
)
def test_section_of_wrong_type_names_the_file_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text.format(plan=PLAN.as_posix()), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint"])
    assert result.exit_code == 2, result.output
    assert f"cdpctl: error: {name}: 'lint' must be a table of settings" in result.stderr
    assert str(tmp_path) not in result.stderr
