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


def test_export_into_a_path_below_a_file_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("keep me\n", encoding="utf-8")
    out = blocker / "rules.json"
    result = CliRunner().invoke(app, ["export", "segment", str(PLAN), "-o", str(out)])
    assert result.exit_code == 2, result.output
    assert f"'{blocker}' is a file, not a folder" in result.stderr
    assert "File exists" not in result.stderr
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


def test_generate_into_a_file_without_suffix_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "tracking"
    blocker.write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["generate", "python", "--plan", str(PLAN), "-o", str(blocker)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().endswith("Not a directory")
    assert "Errno" not in result.stderr
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("args", [["lint"], ["compile"], ["validate", "-p"]])
def test_plan_problems_are_github_annotations_under_actions(tmp_path: Path, args: list[str]) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: X\nversion: 1.0.0\nevents:\n  Bad Event:\n    descriptio: x\n", encoding="utf-8")
    result = CliRunner().invoke(app, [*args, str(plan)], env={"GITHUB_ACTIONS": "true"}, input="")
    assert result.exit_code == 2, result.output
    assert f"{plan}:5:5: unknown key 'descriptio'" in result.stderr
    annotations = [line for line in result.stderr.splitlines() if line.startswith("::")]
    assert annotations == [
        f"::error file={plan},line=5,col=5,title=plan does not load::unknown key 'descriptio' in event 'Bad Event' "
        "(did you mean 'description'?)"
    ]
    plain = CliRunner().invoke(app, [*args, str(plan)], env={"GITHUB_ACTIONS": ""}, input="")
    assert "::error" not in plain.stderr


@pytest.mark.parametrize("command", [["lint", "plan.yaml", "-o"], ["export", "segment", "plan.yaml", "-o"]])
def test_output_onto_the_plan_is_refused_and_the_plan_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    text = PLAN.read_text(encoding="utf-8")
    Path("plan.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, [*command, "./plan.yaml"], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 2, result.output
    assert "'./plan.yaml' is a file of the plan; writing there would destroy it" in result.stderr
    assert Path("plan.yaml").read_text(encoding="utf-8") == text
    result = CliRunner().invoke(app, [*command, "report.out"], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 0, result.output
    assert Path("report.out").stat().st_size > 0


def test_error_messages_show_control_characters_escaped(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text('plan: X\nversion: 1.0.0\nevents:\n  A B:\n    "\\e[31mdescr\\u202e": x\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(plan)], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 2, result.output
    assert "unknown key '\\x1b[31mdescr\\u202e' in event 'A B'" in result.stderr
    result = CliRunner().invoke(app, ["lint", str(plan), "--format", "\x1b[2Jwipe"], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 2, result.output
    assert "unknown format '\\x1b[2Jwipe'" in result.stderr
    assert "\x1b" not in result.stderr


def test_schema_into_a_path_below_a_file_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["schema", "-o", str(blocker / "plan.schema.json")])
    assert result.exit_code == 2, result.output
    assert f"'{blocker}' is a file, not a folder" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "keep me\n"
