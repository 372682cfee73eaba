"""`cdpctl lint` text output stays readable on hostile plans: a very long source line is shown as a window."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app


def test_long_source_line_is_cut_around_the_finding(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    line = "  Good Event: {description: " + "x" * 200_000 + ", properties: {BadName: {type: string, description: y}}}"
    plan.write_text(f"plan: X\nversion: 1.0.0\nevents:\n{line}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(plan)], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 2000
    lines = result.stdout.splitlines()
    snippet, caret = lines[1], lines[2]
    assert snippet.startswith("4 | …") and "BadName" in snippet
    assert snippet[caret.index("^") :].startswith("BadName:")


def test_short_source_line_is_shown_whole(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: X\nversion: 1.0.0\nevents:\n  bad event: {description: d}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(plan)], env={"GITHUB_ACTIONS": ""})
    lines = result.stdout.splitlines()
    assert lines[1] == "4 |   bad event: {description: d}"
    assert lines[1][lines[2].index("^") :].startswith("bad event")
