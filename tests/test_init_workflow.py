"""``cdpctl init`` on a user's first pull requests: the workflow it writes, run step by step in a git repository.

The workflow's ``run:`` steps run in a clone of a bare ``origin`` the way GitHub Actions runs them
(``bash -eo pipefail``, the ``GITHUB_*`` variables set, ``${{ github.* }}`` expressions filled in);
``uses:`` steps are actions (checkout, setup-python, upload-artifact), done here by the clone itself.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml
from github_steps import clean_env, condition, git, run_step

from cdpctl import __version__
from cdpctl.interop.scaffold import GITIGNORE_ENTRIES, REPOSITORY

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ".github/workflows/tracking-plan.yml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def cdpctl(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=clean_env()
    )


def run_steps(workspace: Path, context: Mapping[str, str]) -> tuple[dict[str, subprocess.CompletedProcess[str]], str]:
    """Every ``run:`` step of the workflow after the install, as Actions runs it; (results by step name, summary)."""
    steps = yaml.safe_load((workspace / WORKFLOW).read_text(encoding="utf-8"))["jobs"]["plan"]["steps"]
    files = workspace.parent / f"runner-{context['github.head_ref']}"
    files.mkdir()
    (files / "summary.md").write_text("", encoding="utf-8")
    results: dict[str, subprocess.CompletedProcess[str]] = {}
    for step in steps:
        if "run" not in step or step.get("name") == "Install cdpctl":  # the install: checked on its own
            continue
        if "if" in step and not condition(step["if"], context):
            continue
        results[step["name"]] = run_step(step, workspace, context, files)
    return results, (files / "summary.md").read_text(encoding="utf-8")


def checkout(origin: Path, ref: str, into: Path) -> Path:
    """actions/checkout with fetch-depth 0: a full clone (origin/* refs) at the pull request's head."""
    git(origin.parent, "clone", "-q", str(origin), str(into))
    git(into, "checkout", "-q", "--detach", f"origin/{ref}")
    return into


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare ``origin`` whose ``main`` holds a README only: the project before cdpctl."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    (seed / "README.md").write_text("# Shop\n", encoding="utf-8")
    (seed / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    git(seed, "add", "README.md", ".gitignore")
    git(seed, "commit", "-q", "-m", "start")
    git(seed, "push", "-q", "origin", "HEAD:main")
    return bare


def push_branch(origin: Path, work: Path, branch: str, message: str) -> None:
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)
    git(work, "push", "-q", "origin", f"HEAD:{branch}")


def test_first_and_second_pull_request_pass_and_a_breaking_one_fails(origin: Path, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))

    # PR 1 adds the plan: the base branch has none, and every step passes
    done = cdpctl(dev, "init", "--yes", "--name", "Shop")
    assert done.returncode == 0, done.stderr
    workflow = yaml.safe_load((dev / WORKFLOW).read_text(encoding="utf-8"))
    install = next(step for step in workflow["jobs"]["plan"]["steps"] if step.get("name") == "Install cdpctl")
    assert install["run"] == f"python -m pip install cdpctl=={__version__}"
    push_branch(origin, dev, "add-tracking-plan", "add the tracking plan")
    context = {"github.event_name": "pull_request", "github.base_ref": "main", "github.head_ref": "add-tracking-plan"}
    results, summary = run_steps(checkout(origin, "add-tracking-plan", tmp_path / "pr1"), context)
    assert list(results) == ["Lint the plan", "Compile the plan", "Diff against the base branch"]
    for name, result in results.items():
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
    assert "Signed Up" in summary and "Report Exported" in summary  # the new plan's calls, as added
    assert (tmp_path / "pr1" / "build" / "schemas").is_dir()

    # merged; PR 2 adds an event: passes, and the summary shows the addition
    git(dev, "push", "-q", "origin", "HEAD:main")
    plan = dev / "plans" / "tracking-plan.yaml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(
            "\nidentify:", "  Report Shared:\n    description: A user shared a report.\n\nidentify:"
        ),
        encoding="utf-8",
    )
    push_branch(origin, dev, "report-shared", "track report sharing")
    context = {"github.event_name": "pull_request", "github.base_ref": "main", "github.head_ref": "report-shared"}
    results, summary = run_steps(checkout(origin, "report-shared", tmp_path / "pr2"), context)
    for name, result in results.items():
        assert result.returncode == 0, f"{name}: {result.stdout}{result.stderr}"
    assert "Report Shared" in summary and "Signed Up" not in summary

    # PR 3 removes an event: the diff step fails the job, the summary says why
    git(dev, "push", "-q", "origin", "HEAD:main")
    text = plan.read_text(encoding="utf-8")
    start = text.index("  Report Shared:")
    plan.write_text(text[:start] + text[text.index("\nidentify:", start) + 1 :], encoding="utf-8")
    push_branch(origin, dev, "drop-report-shared", "stop tracking report sharing")
    context = {"github.event_name": "pull_request", "github.base_ref": "main", "github.head_ref": "drop-report-shared"}
    results, summary = run_steps(checkout(origin, "drop-report-shared", tmp_path / "pr3"), context)
    assert results["Lint the plan"].returncode == 0
    assert results["Diff against the base branch"].returncode == 1
    assert "Report Shared" in summary and "event-removed" in summary


def test_push_to_main_skips_the_diff(origin: Path, tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))
    assert cdpctl(dev, "init", "--yes", "--ci", "github").returncode == 0
    push_branch(origin, dev, "main", "add the tracking plan")
    context = {"github.event_name": "push", "github.base_ref": "", "github.head_ref": "main"}
    results, summary = run_steps(checkout(origin, "main", tmp_path / "push"), context)
    assert list(results) == ["Lint the plan", "Compile the plan"]
    assert all(result.returncode == 0 for result in results.values())


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        ("./vendor/cdpctl-0.1.0-py3-none-any.whl", "python -m pip install ./vendor/cdpctl-0.1.0-py3-none-any.whl"),
        ("git+https://github.com/acme/cdpctl@v0.1.0", "python -m pip install git+https://github.com/acme/cdpctl@v0.1.0"),
        ("cdpctl[spark] >= 0.1", "python -m pip install 'cdpctl[spark] >= 0.1'"),
    ],
)
def test_install_spec(tmp_path: Path, spec: str, line: str) -> None:
    done = cdpctl(tmp_path, "init", "--yes", "--install", spec)
    assert done.returncode == 0, done.stderr
    steps = yaml.safe_load((tmp_path / WORKFLOW).read_text(encoding="utf-8"))["jobs"]["plan"]["steps"]
    assert next(step["run"] for step in steps if step.get("name") == "Install cdpctl") == line


def test_pre_commit_config_uses_the_projects_hooks_and_they_pass(tmp_path: Path) -> None:
    assert cdpctl(tmp_path, "init", "--yes").returncode == 0
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    (repo,) = config["repos"]
    assert (repo["repo"], repo["rev"]) == (REPOSITORY, f"v{__version__}")
    shipped = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    for hook in repo["hooks"]:
        assert hook["id"] in shipped
        entry = shipped[hook["id"]]["entry"].split()
        assert entry[0] == "cdpctl"
        ran = cdpctl(tmp_path, *entry[1:])
        assert ran.returncode == 0, ran.stdout + ran.stderr


def test_gitignore_is_appended_once_and_other_files_are_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n/build/schemas/\n", encoding="utf-8")
    assert cdpctl(tmp_path, "init", "--yes").returncode == 0
    text = (tmp_path / ".gitignore").read_text(encoding="utf-8")
    assert text.startswith("node_modules/\n/build/schemas/\n\n# cdpctl:")
    assert [line for line in text.splitlines() if line in GITIGNORE_ENTRIES] == list(GITIGNORE_ENTRIES)
    again = cdpctl(tmp_path, "init", "--yes", "--force")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == text  # once, however often init runs

    other = tmp_path / "other"
    other.mkdir()
    (other / ".gitignore").write_text("*.log", encoding="utf-8")
    (other / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    refused = cdpctl(other, "init", "--yes")
    assert refused.returncode == 2 and "cdpctl: error: .pre-commit-config.yaml already exists" in refused.stderr
    assert "--no-pre-commit" in refused.stderr
    assert sorted(path.name for path in other.iterdir()) == [".gitignore", ".pre-commit-config.yaml"]
    assert (other / ".gitignore").read_text(encoding="utf-8") == "*.log"  # nothing written when refused
    assert cdpctl(other, "init", "--yes", "--force").returncode == 0
    assert (other / ".gitignore").read_text(encoding="utf-8").startswith("*.log\n\n# cdpctl:")


def test_example_workflow_passes_on_the_pull_request_that_adds_the_plan(origin: Path, tmp_path: Path) -> None:
    """examples/github-workflow.yml: pinned to this version; lint, SARIF, validate and diff pass on the first PR."""
    example = (ROOT / "examples" / "github-workflow.yml").read_text(encoding="utf-8")
    steps = yaml.safe_load(example)["jobs"]["plan"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install cdpctl")
    assert install["run"] == f"python -m pip install cdpctl=={__version__}"
    dev = tmp_path / "dev"
    git(tmp_path, "clone", "-q", str(origin), str(dev))
    assert cdpctl(dev, "init", "--yes", "--name", "Shop", "--ci", "none").returncode == 0
    (dev / ".github" / "workflows").mkdir(parents=True)
    (dev / ".github" / "workflows" / "tracking-plan.yml").write_text(example, encoding="utf-8")
    (dev / "examples").mkdir()
    (dev / "examples" / "events.ndjson").write_text(
        '{"type": "track", "event": "Report Exported", "properties": {"report_id": "r1", "file_format": "csv"},'
        ' "messageId": "m1", "timestamp": "2024-05-01T10:00:00Z", "userId": "u1"}\n',
        encoding="utf-8",
    )
    push_branch(origin, dev, "add-tracking-plan", "add the tracking plan")
    workspace = checkout(origin, "add-tracking-plan", tmp_path / "pr")
    context = {"github.event_name": "pull_request", "github.base_ref": "main", "github.head_ref": "add-tracking-plan"}
    files = tmp_path / "runner"
    files.mkdir()
    ran = []
    for step in steps:
        if "run" not in step or step["name"] in ("Install cdpctl", "Diff report as a pull-request comment"):
            continue  # the install is checked above; the comment needs the GitHub CLI and a token
        assert condition(step.get("if", "success() || failure()"), context)
        result = run_step(step, workspace, context, files)
        assert result.returncode == 0, f"{step['name']}: {result.stdout}{result.stderr}"
        ran.append(step["name"])
    assert "Diff against the base branch (fails on breaking changes)" in ran
    assert (workspace / "cdpctl-lint.sarif").is_file()
    comment = next(step for step in steps if step.get("name") == "Diff report as a pull-request comment")
    assert '--base "origin/${{ github.base_ref }}"' in comment["run"] and "--fail-on never" in comment["run"]
