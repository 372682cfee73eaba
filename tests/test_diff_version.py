"""The semantic-version check: the bump a change set needs and whether NEW's version gives it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.diff import check_version, diff_plans
from cdpctl.diff.version import actual_bump, required_bump
from cdpctl.loader import load_plan_text

BASE = "plan: T\nversion: {version}\nevents:\n  A:\n    description: {doc}\n    properties:\n      a: {{type: string}}\n{extra}"


def plan_text(version: str, doc: str = "Old.", extra: str = "") -> str:
    return BASE.format(version=version, doc=doc, extra=extra)


def check(old: str, new: str):  # type: ignore[no-untyped-def]
    old_plan, new_plan = load_plan_text(old, "old.yaml"), load_plan_text(new, "new.yaml")
    return check_version(old_plan.version, new_plan.version, diff_plans(old_plan, new_plan))


# (what changed, NEW's extra text, NEW's doc, required bump)
KINDS = {
    "none": ("", "Old.", "none"),
    "patch": ("", "New.", "patch"),  # documentation only
    "minor": ("  B: {}\n", "Old.", "minor"),  # an addition
    "major": ("", "Old.", "major"),  # a breaking change, made below
}


def new_text(kind: str, version: str) -> str:
    extra, doc, _ = KINDS[kind]
    text = plan_text(version, doc, extra)
    if kind == "major":
        text = text.replace("a: {type: string}", "a: {type: string, required: true}")
    return text


@pytest.mark.parametrize(
    ("kind", "version", "ok"),
    [
        ("none", "1.0.0", True),
        ("none", "1.0.1", True),
        ("patch", "1.0.0", False),
        ("patch", "1.0.1", True),
        ("patch", "1.1.0", True),
        ("minor", "1.0.1", False),
        ("minor", "1.1.0", True),
        ("minor", "2.0.0", True),
        ("major", "1.1.0", False),
        ("major", "1.9.9", False),
        ("major", "2.0.0", True),
        ("major", "0.9.0", False),  # went down
    ],
)
def test_each_bump_kind(kind: str, version: str, ok: bool) -> None:
    result = check(plan_text("1.0.0"), new_text(kind, version))
    assert result.required_bump == KINDS[kind][2]
    assert result.ok is ok
    assert result.as_json() == {
        "old": "1.0.0", "new": version, "required_bump": KINDS[kind][2], "ok": ok, "initial_development": False
    }


def test_required_bump_over_both_sides() -> None:
    old, new = load_plan_text(plan_text("1.0.0"), "o.yaml"), load_plan_text(new_text("major", "1.0.0"), "n.yaml")
    found = diff_plans(old, new)
    assert [c.consumer for c in found] == ["info"]  # breaking for producers only
    assert required_bump(found) == "major"
    assert required_bump([]) == "none"


def test_actual_bump() -> None:
    assert actual_bump("1.2.3", "2.0.0") == "major"
    assert actual_bump("1.2.3", "1.3.0") == "minor"
    assert actual_bump("1.2.3", "1.2.4") == "patch"
    assert actual_bump("1.2.3", "1.2.3") == "none"
    assert actual_bump("1.2.3", "1.2.2") is None
    assert actual_bump("2.0.0-rc.1", "2.0.0") == "none"  # the release of the same version
    assert actual_bump("2.0.0", "2.0.0-rc.1") is None  # a pre-release sorts before its release
    assert actual_bump("1.0.0-alpha.2", "1.0.0-alpha.10") == "none"
    assert actual_bump("1.0.0-alpha.10", "1.0.0-alpha.2") is None
    assert actual_bump("1.0.0", "1.1.0-beta") == "minor"
    assert actual_bump("nonsense", "1.0.0") is None


def test_explanation_names_both_bumps() -> None:
    text = check(plan_text("1.0.0"), new_text("major", "1.1.0")).explain()
    assert text == "version 1.0.0 -> 1.1.0 is a minor bump; the changes need a major bump: not enough"


def test_check_version_flag_fails_an_insufficient_bump(tmp_path: Path) -> None:
    old, new_ok, new_short = tmp_path / "old.yaml", tmp_path / "ok.yaml", tmp_path / "short.yaml"
    old.write_text(plan_text("1.0.0"), encoding="utf-8")
    new_ok.write_text(new_text("minor", "1.1.0"), encoding="utf-8")
    new_short.write_text(new_text("minor", "1.0.1"), encoding="utf-8")
    runner = CliRunner()
    args = ["diff", str(old), "--format", "json"]
    assert runner.invoke(app, [*args[:2], str(new_short), *args[2:]]).exit_code == 0  # not checked by default
    result = runner.invoke(app, [*args[:2], str(new_short), *args[2:], "--check-version"])
    assert result.exit_code == 1
    assert "is a patch bump; the changes need a minor bump: not enough" in result.stderr
    assert '"required_bump": "minor"' in result.stdout and '"ok": false' in result.stdout
    assert runner.invoke(app, [*args[:2], str(new_ok), *args[2:], "--check-version"]).exit_code == 0


@pytest.mark.parametrize(
    ("kind", "old", "new", "ok"),
    [
        ("major", "0.3.1", "0.4.0", True),  # breaking: a minor bump before 1.0.0
        ("major", "0.3.1", "1.0.0", True),
        ("major", "0.3.1", "0.3.2", False),
        ("minor", "0.3.1", "0.3.2", True),  # an addition: a patch bump before 1.0.0
        ("minor", "0.3.1", "0.3.1", False),
        ("patch", "0.3.1", "0.3.2", True),
        ("patch", "0.3.1", "0.3.1", False),
        ("major", "0.3.1", "0.2.9", False),  # went down
        ("major", "1.3.1", "1.4.0", False),  # 1.0.0 and later: semver proper
    ],
)
def test_initial_development_versions_follow_the_0_y_z_rule(kind: str, old: str, new: str, ok: bool) -> None:
    result = check(plan_text(old), new_text(kind, new))
    assert result.required_bump == KINDS[kind][2]  # what the changes need under semver proper, whatever the version
    assert result.ok is ok
    assert result.initial_development is old.startswith("0.")
    assert result.as_json()["initial_development"] is old.startswith("0.")


def test_initial_development_explanation_and_cli(tmp_path: Path) -> None:
    text = check(plan_text("0.3.1"), new_text("major", "0.4.0")).explain()
    assert text == (
        "version 0.3.1 -> 0.4.0 is a minor bump; the changes need a major bump, "
        "which a minor bump gives before 1.0.0 (initial development): ok"
    )
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(plan_text("0.3.1"), encoding="utf-8")
    new.write_text(new_text("major", "0.3.2"), encoding="utf-8")
    args = ["diff", str(old), str(new), "--format", "json", "--check-version", "--fail-on", "never"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "the changes need a major bump, which a minor bump gives before 1.0.0" in result.stderr
    new.write_text(new_text("major", "0.4.0"), encoding="utf-8")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert '"initial_development": true' in result.stdout
