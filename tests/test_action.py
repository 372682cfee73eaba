"""The composite GitHub Action (action.yml): its steps' commands, run in a git repository as a runner runs them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from github_steps import clean_env, git, run_step

from cdpctl import __version__

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A project made by ``cdpctl init``, committed on ``main``, with an ``origin/main`` ref."""
    work = tmp_path / "shop"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "init", "--yes", "--name", "Shop"],
        cwd=work, capture_output=True, text=True, env=clean_env(), timeout=120,
    )
    assert done.returncode == 0, done.stderr
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "plan")
    git(work, "update-ref", "refs/remotes/origin/main", "HEAD")
    return work


def use_action(repo: Path, **inputs: str) -> tuple[list[subprocess.CompletedProcess[str]], str, str]:
    """Every ``run:`` step of the action with these inputs: (results, step summary, step outputs)."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update({name.replace("_", "-"): value for name, value in inputs.items()})
    context = {f"inputs.{name}": value for name, value in values.items()}
    context["github.action_path"] = str(ROOT)
    files = repo.parent / "runner"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir()
    for name in ("summary.md", "output.txt"):
        (files / name).write_text("", encoding="utf-8")
    results = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue  # actions/setup-python: this interpreter stands in for it
        results.append(result := run_step(step, repo, context, files))
        if result.returncode != 0:
            break
    return results, (files / "summary.md").read_text(encoding="utf-8"), (files / "output.txt").read_text(encoding="utf-8")


# the install step asks pip for this very version: already installed here, so pip only checks it
PINNED = f"cdpctl=={__version__}"


def test_action_declares_the_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert {"command", "plan", "args"} <= set(ACTION["inputs"])
    assert ACTION["inputs"]["command"]["default"] == "lint"
    assert all(step.get("shell") == "bash" for step in ACTION["runs"]["steps"] if "run" in step)


def test_lint_writes_the_markdown_report_to_the_summary_and_annotates(repo: Path) -> None:
    (install, run), summary, outputs = use_action(repo, install=PINNED)
    assert install.returncode == 0, install.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert summary.strip() and summary.lstrip().startswith("#")  # a markdown report
    assert "exit-code=0" in outputs

    plan = repo / "plans" / "tracking-plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("  Report Exported:", "  Order 1234 Completed:"))
    (install, run), summary, outputs = use_action(repo, install=PINNED, plan="plans/tracking-plan.yaml")
    assert run.returncode == 1
    assert "dynamic-event-name" in summary and "Order 1234 Completed" in summary
    assert "::error " in run.stdout and "CP104" in run.stdout  # annotations on the plan's lines
    assert "exit-code=1" in outputs


def test_diff_against_the_base_branch_with_args(repo: Path) -> None:
    plan = repo / "plans" / "tracking-plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("\nidentify:", "  Report Shared: {description: x}\n\nidentify:"))
    (_, run), summary, outputs = use_action(repo, install=PINNED, command="diff", args="--base origin/main")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Report Shared" in summary and "exit-code=0" in outputs
    (_, run), summary, _ = use_action(
        repo, install=PINNED, command="diff", plan="plans/tracking-plan.yaml", args="--base origin/main --fail-on info"
    )
    assert run.returncode == 1 and "Report Shared" in summary


def test_validate_and_a_command_without_markdown(repo: Path) -> None:
    events = repo / "events.ndjson"
    events.write_text(
        '{"type": "track", "event": "Signed Up", "properties": {"plan_tier": "pro"}, "messageId": "m1",'
        ' "timestamp": "2024-05-01T10:00:00Z", "userId": "u1"}\n'
        '{"type": "track", "event": "Signed Up", "properties": {}, "messageId": "m2",'
        ' "timestamp": "2024-05-01T10:00:00Z", "userId": "u1"}\n',
        encoding="utf-8",
    )
    (_, run), summary, outputs = use_action(repo, install=PINNED, command="validate", args="'events.ndjson'")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "plan_tier" in summary and "exit-code=1" in outputs
    (_, run), summary, outputs = use_action(repo, install=PINNED, command="compile", args="--out build/schemas")
    assert run.returncode == 0, run.stderr
    assert (repo / "build" / "schemas" / "index.json").is_file()
    assert "`cdpctl compile --out build/schemas` exited with status 0." in summary


def test_a_usage_error_fails_the_step_with_status_2(repo: Path) -> None:
    (_, run), _, outputs = use_action(repo, install=PINNED, command="lint", args="--no-such-flag")
    assert run.returncode == 2 and "exit-code=2" in outputs
    assert "cdpctl: error:" in run.stderr
