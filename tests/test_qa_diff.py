"""`cdpctl diff` against git revisions: a folder where a plan file is expected is named as such."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app

PLAN = """\
plan: Shop
version: 1.0.0
include: [events]
events:
  Signed Up: {description: d}
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        check=True,
        timeout=60,
    )


def test_folder_at_a_revision_is_not_read_as_a_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "plans" / "events").mkdir(parents=True)
    (tmp_path / "plans" / "events" / "orders.yaml").write_text("events: {}\n", encoding="utf-8")
    (tmp_path / "plans" / "shop.yaml").write_text(PLAN, encoding="utf-8")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    result = CliRunner().invoke(app, ["diff", "HEAD:plans", "plans/shop.yaml"])
    assert result.exit_code == 2, result.output
    assert "HEAD:plans:1:1: cannot read plan file 'plans': a folder, not a file, at git revision 'HEAD'" in result.stderr

    result = CliRunner().invoke(app, ["diff", "HEAD:plans/shop.yaml", "plans/shop.yaml"])
    assert result.exit_code == 2, result.output
    assert "a folder, not a file, at git revision 'HEAD'" in result.stderr
    assert "HEAD:plans/shop.yaml:3:" in result.stderr

    result = CliRunner().invoke(app, ["diff", "HEAD:plans/nope.yaml", "plans/shop.yaml"])
    assert result.exit_code == 2, result.output
    assert "'plans/nope.yaml' does not exist at git revision 'HEAD'" in result.stderr
