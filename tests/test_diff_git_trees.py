"""Reading a plan at a git revision through what the trees hold: folders that are links, submodules, trees
git cannot read, Git LFS pointers, revisions with ``@{...}``.  Real git repositories in a temporary folder;
the fixtures are those of ``test_diff_git``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_diff_git import ORDERS, ROOT, git, repo, rules, run, write

__all__ = ["repo"]  # the fixture, used by name


def test_a_folder_that_became_a_link_is_read_as_the_base_stored_it(repo: Path) -> None:
    """``plans/`` a real folder at the base and a link now: the base is read at ``plans/``, not through
    today's link (it was "new plan", exit 0)."""
    git(repo, "mv", "plans", "tracking")
    (repo / "plans").symlink_to("tracking")
    write(repo / "tracking" / "shop.yaml", ROOT.replace(", google]", "]").replace("version: 1.0.0", "version: 2.0.0"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "plans is a link now")
    result = run("--base", "HEAD~1", "-f", "json")
    assert result.exit_code == 1, result.output
    assert ("enum-value-removed", "Signed Up", "properties.method") in rules(result)


def test_a_folder_that_was_a_link_at_the_base_is_followed_there(repo: Path) -> None:
    git(repo, "mv", "plans", "tracking")
    (repo / "plans").symlink_to("tracking")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "plans was a link")
    (repo / "plans").unlink()
    git(repo, "mv", "tracking", "plans")
    write(repo / "plans" / "shop.yaml", ROOT.replace(", google]", "]").replace("version: 1.0.0", "version: 2.0.0"))
    git(repo, "commit", "-q", "-am", "a real folder again")
    for args in (["--base", "HEAD~1"], ["HEAD~1:plans/shop.yaml", "plans/shop.yaml"]):
        result = run(*args, "-f", "json")
        assert result.exit_code == 1, (args, result.output)
        assert ("enum-value-removed", "Signed Up", "properties.method") in rules(result)


def test_a_plan_inside_a_submodule_is_an_error_never_a_new_plan(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    superproject = tmp_path / "super"
    superproject.mkdir()
    git(superproject, "init", "-q", "-b", "main")
    git(superproject, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(repo), "sub")
    git(superproject, "commit", "-q", "-m", "with the plans as a submodule")
    monkeypatch.chdir(superproject)
    for args in (["--base", "HEAD", "sub/plans/shop.yaml"], ["HEAD:sub/plans/shop.yaml", "sub/plans/shop.yaml"]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "inside the submodule 'sub' at git revision 'HEAD'" in result.output


def test_a_tree_git_cannot_read_is_an_error_never_an_absent_plan(repo: Path) -> None:
    """A treeless clone whose remote is gone, a damaged object: it was "new plan", 0 breaking, exit 0."""
    tree = git(repo, "rev-parse", "HEAD~1:plans").strip()
    objects = repo / ".git" / "objects"
    loose = objects / tree[:2] / tree[2:]
    assert loose.exists()
    os.chmod(loose, 0o644)
    loose.unlink()
    result = run("--base", "HEAD~1")
    assert result.exit_code == 2, result.output
    assert "git cannot read the tree of revision 'HEAD~1'" in result.output


def test_a_revision_with_a_date_in_braces_splits_at_the_colon_after_it(repo: Path) -> None:
    result = run("HEAD@{2000-01-01 10:00:00}:plans/shop.yaml", "plans/shop.yaml")
    assert result.exit_code in (0, 1), result.output  # it split inside the braces: "'00:00}:plans...' does not exist"
    assert result.output.startswith("HEAD@{2000-01-01 10:00:00}:plans/shop.yaml -> plans/shop.yaml")


def test_a_git_lfs_pointer_at_the_base_says_so(repo: Path) -> None:
    write(repo / "plans" / "events" / "orders.yaml", "version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 12\n")
    git(repo, "commit", "-q", "-am", "orders in LFS")
    write(repo / "plans" / "events" / "orders.yaml", ORDERS)
    result = run("--base", "HEAD")
    assert result.exit_code == 2, result.output
    assert "is a Git LFS pointer at git revision 'HEAD': fetch its content (git lfs pull)" in result.output


def test_the_working_directory_is_resolved_but_not_the_links_of_the_path(repo: Path) -> None:
    """A path relative to the working directory names the file as written (git's view), from any folder."""
    os.chdir(repo / "plans")
    result = run("HEAD~1:./shop.yaml", "./shop.yaml", "-f", "json")
    assert result.exit_code == 1 and ("minimum-tightened", "Order Completed", "properties.total") in rules(result)


def test_a_renamed_plan_is_compared_with_what_it_was_at_the_base(repo: Path) -> None:
    """``git mv`` of the plan (the configuration following it): it was "new plan", 0 breaking, exit 0."""
    git(repo, "mv", "plans/shop.yaml", "plans/acme.yaml")
    write(repo / "cdpctl.yaml", "plan: plans/acme.yaml\n")
    write(repo / "plans" / "acme.yaml", (repo / "plans" / "acme.yaml").read_text().replace(", google]", "]"))
    git(repo, "commit", "-q", "-am", "renamed, and an enum value removed")
    result = run("--base", "HEAD~1", "-f", "json")
    assert result.exit_code == 1, result.output
    assert ("enum-value-removed", "Signed Up", "properties.method") in rules(result)
    assert run("--base", "HEAD~1").output.startswith("HEAD~1:plans/shop.yaml (renamed since) -> plans/acme.yaml")


def test_a_revision_that_does_not_exist_names_the_branches(repo: Path) -> None:
    assert "git revision 'mian' does not exist in this repository (did you mean 'main'?)" in run("--base", "mian").output
    assert "git revision 'develop' does not exist in this repository; its branches: main" in run("--base", "develop").output


def test_annotations_of_a_revision_point_at_the_file_from_any_folder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "sub").mkdir()
    monkeypatch.chdir(repo / "sub")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    result = run("HEAD~1:plans/shop.yaml", "HEAD:plans/shop.yaml", "-f", "github")
    assert "file=plans/events/orders.yaml," in result.output and "file=sub/" not in result.output, result.output


def test_a_plan_in_a_dot_folder_is_not_taken_for_a_renamed_one(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repo, "mv", "plans", ".tracking")
    git(repo, "commit", "-q", "-m", "plans in a dot folder")
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")  # named from a sibling folder: ../.tracking/shop.yaml
    assert run("--base", "HEAD", "../.tracking/shop.yaml").output.startswith("HEAD:../.tracking/shop.yaml -> ../.tracking/shop.yaml")
