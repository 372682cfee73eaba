"""``cdpctl diff`` with git revisions, in real temporary repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cdpctl.cli import app

ROOT = """\
plan: Shop
version: 1.0.0
include: [events/orders.yaml]
properties:
  order_id: {type: string, min_length: 1}
events:
  Signed Up:
    properties:
      method: {type: string, enum: [email, google]}
"""

ORDERS = """\
events:
  Order Completed:
    properties:
      order_id: {required: true}
      total: {type: number, minimum: 0}
"""


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository on ``main`` with two commits: the second tightens 'total' in the included file."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path / "plans" / "shop.yaml", ROOT)
    write(tmp_path / "plans" / "events" / "orders.yaml", ORDERS)
    write(tmp_path / "cdpctl.yaml", "plan: plans/shop.yaml\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    write(tmp_path / "plans" / "events" / "orders.yaml", ORDERS.replace("minimum: 0", "minimum: 1"))
    write(tmp_path / "plans" / "shop.yaml", ROOT.replace("version: 1.0.0", "version: 2.0.0"))
    git(tmp_path, "commit", "-q", "-am", "second")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["diff", *args])


def rules(result: Result) -> list[tuple[str, str | None, str]]:
    return [(c["rule"], c["event"], c["path"]) for c in json.loads(result.stdout)["changes"]]


def test_two_revisions_read_includes_from_their_revision(repo: Path) -> None:
    result = run("HEAD~1:plans/shop.yaml", "HEAD:plans/shop.yaml", "-f", "json")
    assert result.exit_code == 1, result.output
    assert rules(result) == [("minimum-tightened", "Order Completed", "properties.total")]
    assert json.loads(result.stdout)["version"] == {"old": "1.0.0", "new": "2.0.0", "required_bump": "major", "ok": True, "initial_development": False}
    # the same revision on both sides: no change, even with a dirty working tree
    write(repo / "plans" / "events" / "orders.yaml", ORDERS.replace("total", "amount"))
    result = run("HEAD:plans/shop.yaml", "main:plans/shop.yaml", "-f", "json")
    assert result.exit_code == 0 and rules(result) == []


def test_revision_against_working_tree(repo: Path) -> None:
    write(repo / "plans" / "events" / "orders.yaml", ORDERS.replace("minimum: 0}", "minimum: 1}\n      tax: {type: number}"))
    result = run("main:plans/shop.yaml", "plans/shop.yaml", "-f", "github")
    assert result.exit_code == 0, result.output
    # the annotation points into the included file of the NEW (working tree) plan
    assert result.stdout.startswith("::notice file=plans/events/orders.yaml,line=6,col=7,")
    assert "property-added-optional" in result.stdout


def test_paths_relative_to_the_working_directory(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "plans")
    result = run("HEAD~1:./shop.yaml", "shop.yaml", "-f", "json")
    assert result.exit_code == 1, result.output
    assert rules(result) == [("minimum-tightened", "Order Completed", "properties.total")]
    # as in git, REV:PATH without ./ is relative to the repository root
    assert run("HEAD~1:plans/shop.yaml", "shop.yaml", "-f", "json").exit_code == 1


def test_missing_revision_or_file_exits_2(repo: Path) -> None:
    result = run("nope:plans/shop.yaml", "plans/shop.yaml")
    assert result.exit_code == 2
    assert "git revision 'nope' does not exist" in result.stderr
    result = run("HEAD:plans/other.yaml", "plans/shop.yaml")
    assert result.exit_code == 2
    assert "'plans/other.yaml' does not exist at git revision 'HEAD'" in result.stderr
    result = run("--", "--output=x:plans/shop.yaml", "plans/shop.yaml")
    assert result.exit_code == 2 and "is not a git revision" in result.stderr
    assert not (repo / "x").exists()
    assert "Traceback" not in result.output


def test_missing_include_at_revision_exits_2(repo: Path) -> None:
    write(repo / "plans" / "shop.yaml", ROOT.replace("events/orders.yaml", "events/gone.yaml"))
    git(repo, "commit", "-q", "-am", "broken include")
    result = run("HEAD:plans/shop.yaml", "plans/shop.yaml")
    assert result.exit_code == 2
    assert "HEAD:plans/shop.yaml:3:11: cannot read plan file 'plans/events/gone.yaml'" in result.stderr
    assert "no such file at git revision 'HEAD'" in result.stderr


def test_broken_plan_at_revision_names_the_revision(repo: Path) -> None:
    write(repo / "plans" / "shop.yaml", ROOT.replace("{type: string, enum", "{type: strng, enum"))
    git(repo, "commit", "-q", "-am", "typo")
    result = run("HEAD:plans/shop.yaml", "HEAD~1:plans/shop.yaml")
    assert result.exit_code == 2
    assert "HEAD:plans/shop.yaml:9:22: unknown type 'strng'" in result.stderr


def test_base_compares_every_project_plan(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo / "cdpctl.yaml", "plan: plans/shop.yaml\nplans: [plans/shop.yaml, plans/chat.yaml]\n")
    write(repo / "plans" / "chat.yaml", "plan: Chat\nversion: 0.1.0\nevents:\n  Message Sent: {}\n")
    write(repo / "plans" / "shop.yaml", ROOT.replace("version: 1.0.0", "version: 3.0.0").replace(", google]", "]"))
    result = run("--base", "main", "-f", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert [(p["old"], p["new"]) for p in document["plans"]] == [
        ("main:plans/shop.yaml", "plans/shop.yaml"),
        ("main:plans/chat.yaml", "plans/chat.yaml"),
    ]
    shop, chat = document["plans"]
    assert [c["rule"] for c in shop["changes"]] == ["enum-value-removed"]
    assert shop["version"]["ok"] is True
    assert [c["rule"] for c in chat["changes"]] == ["event-added"]  # a plan new on this branch
    assert chat["version"] == {"old": None, "new": "0.1.0", "required_bump": "minor", "ok": True, "initial_development": False}
    assert document["summary"] == {"breaking": 1, "warning": 0, "info": 1}
    # one plan only, and markdown names the absent base
    result = run("--base", "main", "plans/chat.yaml", "-f", "markdown")
    assert result.exit_code == 0
    assert "main:plans/chat.yaml (absent) → plans/chat.yaml" in result.stdout
    assert run("--base", "nope").exit_code == 2


def test_base_from_a_project_in_a_subfolder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = repo / "analytics"
    write(project / "cdpctl.yaml", "plan: tracking/shop.yaml\n")
    write(project / "tracking" / "shop.yaml", "plan: T\nversion: 1.0.0\nevents:\n  A: {}\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "monorepo project")
    write(project / "tracking" / "shop.yaml", "plan: T\nversion: 1.0.0\nevents:\n  A: {}\n  B: {}\n")
    monkeypatch.chdir(project)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    github = run("--base", "main", "-f", "github")
    assert github.stdout.startswith("::notice file=analytics/tracking/shop.yaml,line=5,col=3,")
    result = run("--base", "main", "-f", "json")
    assert result.exit_code == 0, result.output
    assert rules(result) == [("event-added", "B", "")]
    assert json.loads(result.stdout)["version"]["ok"] is False  # an addition needs a minor bump


def test_base_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "plan.yaml", "plan: T\nversion: 1.0.0\nevents: {}\n")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run("--base", "main", "plan.yaml")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.stderr


@pytest.mark.skipif(not hasattr(__import__("os"), "symlink"), reason="needs symbolic links")
def test_base_reads_a_plan_that_is_a_symbolic_link_as_the_link_was_at_the_revision(repo: Path) -> None:
    write(repo / "plans" / "v1.yaml", ROOT)
    (repo / "plans" / "current.yaml").symlink_to("v1.yaml")
    write(repo / "cdpctl.yaml", "plan: plans/current.yaml\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "the plan is a link")
    git(repo, "checkout", "-q", "-b", "pr")
    write(repo / "plans" / "v2.yaml", ROOT.replace(", google]", "]"))
    (repo / "plans" / "current.yaml").unlink()
    (repo / "plans" / "current.yaml").symlink_to("v2.yaml")
    result = run("--base", "main", "-f", "json")
    assert result.exit_code == 1, result.output  # it read the base at v2.yaml, found it absent, and said OK
    assert [rule for rule, _, _ in rules(result)] == ["enum-value-removed"]
    (repo / "plans" / "current.yaml").unlink()
    (repo / "plans" / "current.yaml").symlink_to("/etc/hostname")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "a link out")
    result = run("pr:plans/current.yaml", "plans/v1.yaml")
    assert result.exit_code == 2 and "symbolic link out of the repository" in result.output


def test_base_never_takes_a_plan_whose_content_git_cannot_give_for_absent(repo: Path, tmp_path: Path) -> None:
    origin = repo
    git(origin, "config", "uploadpack.allowFilter", "true")  # else the clone ignores --filter and is whole
    clone = tmp_path / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{origin}", str(clone))
    git(clone, "checkout", "-q", "main")
    git(clone, "remote", "set-url", "origin", f"file://{tmp_path / 'gone'}")  # the missing blobs cannot be fetched
    write(clone / "plans" / "shop.yaml", ROOT.replace(", google]", "]"))
    import os

    here = os.getcwd()
    os.chdir(clone)
    try:
        result = run("--base", "HEAD~1")
    finally:
        os.chdir(here)
    assert result.exit_code == 2, result.output  # it said "(absent)", listed every event as added, and exit 0
    assert "exists at git revision 'HEAD~1' but its content cannot be read" in result.output


def test_a_plan_at_a_revision_is_size_capped_as_in_the_working_tree(repo: Path) -> None:
    write(repo / "cdpctl.yaml", "plan: plans/shop.yaml\nmax_plan_bytes: 4096\n")
    git(repo, "checkout", "-q", "-b", "big")
    write(repo / "plans" / "shop.yaml", ROOT + "".join(f"# padding line {n}\n" for n in range(400)))
    git(repo, "commit", "-q", "-am", "a plan over the cap")
    result = run("big:plans/shop.yaml", "main:plans/shop.yaml")
    assert result.exit_code == 2, result.output  # it was read whole, whatever its size
    assert "larger than 4096 bytes at git revision 'big'" in result.output
