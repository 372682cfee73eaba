"""The shipped pre-commit hooks and GitHub workflow call commands and flags that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cdpctl.cli import app

ROOT = Path(__file__).resolve().parents[1]


def cdpctl_help(words: list[str]) -> str:
    """The --help text of a cdpctl (sub)command, without rich's box drawing."""
    result = CliRunner().invoke(app, [*words, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, (words, result.output)
    return result.output


def command_words(args: list[str]) -> list[str]:
    """``['lint']`` or ``['generate', 'python']``: the leading words that name the command."""
    words = []
    for arg in args:
        if arg.startswith("-"):
            break
        words.append(arg)
        if words[0] != "generate" or len(words) == 2:
            break
    return words


def test_pre_commit_hooks_are_well_formed_and_run_cdpctl_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list)
    ids = [hook["id"] for hook in hooks]
    assert ids == ["cdpctl-lint", "cdpctl-generate-check"]
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        re.compile(hook["files"])
        args = shlex.split(hook["entry"])
        assert args[0] == "cdpctl"
        words = command_words(args[1:])
        help_text = cdpctl_help(words)
        for flag in (arg for arg in args[1:] if arg.startswith("--")):
            assert flag in help_text, (hook["id"], flag)
    assert hooks[1]["entry"] == "cdpctl generate python --check"


def test_lint_hook_entry_fails_a_bad_plan_and_passes_a_good_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    args = shlex.split(hooks["cdpctl-lint"]["entry"])[1:]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (tmp_path / "plan.yaml").write_text("events:\n  Signup Completed:\n    description: x\n")
    assert CliRunner().invoke(app, args, env={"GITHUB_ACTIONS": ""}).exit_code == 0
    (tmp_path / "plan.yaml").write_text("events:\n  Order 123 Completed:\n    description: x\n")
    result = CliRunner().invoke(app, args, env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 1 and "dynamic-event-name" in result.output


def test_github_workflow_runs_lint_validate_and_diff_on_pull_requests() -> None:
    workflow = yaml.safe_load((ROOT / "examples" / "github-workflow.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "pull_request" in triggers
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    commands = []
    for step in steps:
        for line in str(step.get("run", "")).splitlines():
            line = re.sub(r"\$\{\{[^}]*\}\}", "main", line.split(">")[0].split("||")[0]).strip()
            if line.startswith("cdpctl "):
                commands.append(shlex.split(line)[1:])
    used = {args[0] for args in commands}
    assert {"lint", "validate", "diff"} <= used
    assert any(args[0] == "lint" and "sarif" in args for args in commands)
    assert any(args[0] == "diff" and "markdown" in args for args in commands)
    for args in commands:
        help_text = cdpctl_help(command_words(args))
        for flag in (arg for arg in args if arg.startswith("--")):
            assert flag in help_text, (args, flag)
    uploads = [step for step in steps if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
    assert uploads and uploads[0]["with"]["sarif_file"] == "cdpctl-lint.sarif"
