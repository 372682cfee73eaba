"""A validate run whose plan does not load: exit 2 and the plan's problems on stderr, as before, and in the
machine and CI formats a report that says nothing was checked and names each problem at its place (a SARIF
upload, a JUnit reader or a step summary otherwise finds no file, or an empty one, and says nothing of why).
Never written over a file of the plan."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cdpctl.cli import app

BAD = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      x: {type: strin}\n"
EVENT = '{"type":"track","event":"A","userId":"u","properties":{"x":"1"}}\n'
PROBLEM = "unknown type 'strin' for property 'x' (did you mean 'string'?)"


def _run(tmp_path: Path, monkeypatch: Any, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text(BAD)
    Path("events.ndjson").write_text(EVENT)
    result = CliRunner().invoke(app, ["validate", "--plan", "plan.yaml", "events.ndjson", *args], env={"GITHUB_ACTIONS": ""})
    assert f"plan.yaml:6:17: {PROBLEM}" in result.stderr
    assert "cdpctl: error: the plan has 1 problem" in result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_json_names_each_problem_and_fails(tmp_path: Path, monkeypatch: Any) -> None:
    code, out, _ = _run(tmp_path, monkeypatch, "-f", "json")
    document = json.loads(out)
    assert code == 2
    assert document["plan_errors"] == [{"file": "plan.yaml", "line": 6, "column": 17, "message": PROBLEM}]
    assert document["summary"]["events"] == 0 and document["violations"] == []


def test_sarif_places_each_problem_in_the_plan(tmp_path: Path, monkeypatch: Any) -> None:
    code, out, _ = _run(tmp_path, monkeypatch, "-f", "sarif")
    run = json.loads(out)["runs"][0]
    assert code == 2
    [result] = run["results"]
    assert result["ruleId"] == "plan_load" and result["level"] == "error" and PROBLEM in result["message"]["text"]
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "plan.yaml"
    assert location["region"] == {"startLine": 6, "startColumn": 17}
    assert "plan_load" in [rule["id"] for rule in run["tool"]["driver"]["rules"]]


def test_junit_fails_one_case_and_skips_the_rest(tmp_path: Path, monkeypatch: Any) -> None:
    code, _, _ = _run(tmp_path, monkeypatch, "-f", "junit", "-o", "report.xml")
    suite = ET.parse(tmp_path / "report.xml").getroot().find("testsuite")
    assert code == 2 and suite is not None
    cases = suite.findall("testcase")
    assert cases[0].get("name") == "the plan loads"
    failure = cases[0].find("failure")
    assert failure is not None and PROBLEM in (failure.get("message") or "")
    assert all(case.find("skipped") is not None for case in cases[1:]) and len(cases) > 1


def test_markdown_and_github_say_nothing_was_checked(tmp_path: Path, monkeypatch: Any) -> None:
    code, out, _ = _run(tmp_path, monkeypatch, "-f", "markdown")
    assert code == 2
    assert out.startswith("### cdpctl validate: failed (the plan does not load, nothing was checked)")
    assert "Nothing was checked." in out and "No violations" not in out
    code, out, _ = _run(tmp_path, monkeypatch, "-f", "github")
    assert code == 2
    assert out.startswith("::error file=plan.yaml,line=6,col=17,")
    assert out.rstrip().endswith("FAIL: the plan does not load, nothing was checked")


def test_text_is_the_plan_problems_alone(tmp_path: Path, monkeypatch: Any) -> None:
    code, out, _ = _run(tmp_path, monkeypatch)
    assert code == 2 and out == ""


def test_never_written_over_the_plan(tmp_path: Path, monkeypatch: Any) -> None:
    code, _, _ = _run(tmp_path, monkeypatch, "-f", "sarif", "-o", "plan.yaml")
    assert code == 2
    assert (tmp_path / "plan.yaml").read_text() == BAD


def test_an_input_that_does_not_exist_is_a_report_too(tmp_path: Path, monkeypatch: Any) -> None:
    """A file named that does not exist: one error line and exit 2 as before, and in a machine format a report
    naming it (``input_errors``, ``no events read``), never written over an input or the plan."""
    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text(BAD.replace("strin", "string"))
    Path("events.ndjson").write_text(EVENT)
    env = {"GITHUB_ACTIONS": ""}
    args = ["validate", "--plan", "plan.yaml", "events.ndjson", "missing.ndjson"]
    result = CliRunner().invoke(app, [*args, "-f", "json", "-o", "report.json"], env=env)
    assert result.exit_code == 2
    assert "cannot read 'missing.ndjson': no such file or directory" in result.stderr
    document = json.loads(Path("report.json").read_text())
    assert document["input_errors"] == ["cannot read 'missing.ndjson': no such file or directory"]
    assert document["verdict"]["reason"].startswith("no events read") and document["verdict"]["exit_code"] == 2
    markdown = CliRunner().invoke(app, [*args, "-f", "markdown"], env=env)
    assert "Nothing was checked." in markdown.stdout and "missing.ndjson" in markdown.stdout
    kept = CliRunner().invoke(app, [*args, "-f", "json", "-o", "events.ndjson"], env=env)
    assert kept.exit_code == 2 and Path("events.ndjson").read_text() == EVENT


def test_the_report_of_a_run_that_checked_nothing_is_never_written_over_what_it_protects(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Never over an input (named, or found in a folder), a file the plan includes that loaded fine, or the
    project configuration; the error is the answer there, exit 2."""
    monkeypatch.chdir(tmp_path)
    Path("main.yaml").write_text("plan: M\nversion: 1.0.0\ninclude: [more.yaml]\nevents:\n  A:\n    properties:\n      x: {type: strin}\n")
    more = "events:\n  B: {}\n"
    Path("more.yaml").write_text(more)
    Path("good.yaml").write_text(BAD.replace("strin", "string"))
    Path("logs").mkdir()
    Path("logs/a.ndjson").write_text(EVENT)
    Path("cdpctl.yaml").write_text("validate:\n  format: json\n")
    env = {"GITHUB_ACTIONS": ""}
    runs = [
        (["--plan", "main.yaml", "logs/a.ndjson", "-o", "logs/a.ndjson"], "logs/a.ndjson", EVENT),
        (["--plan", "main.yaml", "logs/a.ndjson", "-o", "more.yaml"], "more.yaml", more),
        (["--plan", "main.yaml", "logs/a.ndjson", "-o", "cdpctl.yaml"], "cdpctl.yaml", "validate:\n  format: json\n"),
        (["--plan", "good.yaml", "logs", "missing.ndjson", "-o", "logs/a.ndjson"], "logs/a.ndjson", EVENT),
    ]
    for args, kept, text in runs:
        result = CliRunner().invoke(app, ["validate", *args], env=env)
        assert result.exit_code == 2, (args, result.output)
        assert Path(kept).read_text() == text, args


def test_a_plan_file_that_does_not_exist_is_a_report_too(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    Path("events.ndjson").write_text(EVENT)
    result = CliRunner().invoke(app, ["validate", "--plan", "nothere.yaml", "events.ndjson", "-f", "json"], env={"GITHUB_ACTIONS": ""})
    assert result.exit_code == 2
    assert "cannot read plan file 'nothere.yaml'" in result.stderr
    [problem] = json.loads(result.stdout)["plan_errors"]
    assert problem["file"] == "nothere.yaml" and "does not exist" in problem["message"]
