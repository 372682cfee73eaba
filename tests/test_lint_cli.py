"""``cdpctl lint`` end to end: formats, exit codes, explain, and the shipped plans."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from cdpctl.cli import app

ROOT = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-subset.schema.json").read_text())

BAD_PLAN = """\
plan: Bad Shop
version: 1.0.0
properties:
  coupon: {type: string, description: A coupon code.}
events:
  order_completed:
    description: The customer paid.
    properties:
      order_id: {type: string}
      products: {type: array, items: {type: object}}
      revenue: {type: string}
  Signup Completed:
    description: The user signed up.
    properties:
      referralCode: {type: string}
"""


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["lint", *args], env={"GITHUB_ACTIONS": "", **(env or {})})


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with its own (empty) project config, so the repository's config does not apply."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (tmp_path / "plan.yaml").write_text(BAD_PLAN)
    return tmp_path


def test_text_output_points_at_the_node_with_the_source_line_and_a_caret(project: Path) -> None:
    result = run("plan.yaml")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    header = "plan.yaml:6:3: event-name-casing event name 'order_completed' is not Object Action in Title Case"
    index = next(i for i, line in enumerate(lines) if line.startswith(header))
    assert lines[index + 1] == "6 |   order_completed:"
    assert lines[index + 2] == "  |   ^ warning CP101"
    revenue = next(i for i, line in enumerate(lines) if line.startswith("plan.yaml:11:17: reserved-property "))
    assert lines[revenue + 1] == "11 |       revenue: {type: string}"
    assert lines[revenue + 2] == "   |                 ^ error CP304"
    assert lines[-1] == "plan.yaml: 4 problems (1 error, 3 warnings, 0 info); failed at --fail-on error"


def test_json_contract(project: Path) -> None:
    result = run("plan.yaml", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"findings", "summary"}
    keys = {"rule", "code", "severity", "message", "file", "line", "column"}
    assert all(set(finding) == keys for finding in document["findings"])
    got = [(f["rule"], f["code"], f["severity"], f["line"], f["column"]) for f in document["findings"]]
    assert got == [
        ("unused-definition", "CP401", "warning", 4, 3),
        ("event-name-casing", "CP101", "warning", 6, 3),
        ("reserved-property", "CP304", "error", 11, 17),
        ("property-name-casing", "CP102", "warning", 15, 7),
    ]
    summary = document["summary"]
    assert (summary["error"], summary["warning"], summary["info"], summary["total"]) == (1, 3, 0, 4)
    assert summary["failed"] is True and summary["fail_on"] == "error" and summary["files"] == ["plan.yaml"]


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on_thresholds(project: Path, fail_on: str, code: int) -> None:
    assert run("plan.yaml", "--fail-on", fail_on, "-f", "json").exit_code == code


def test_warnings_only_pass_at_error_and_fail_at_warning(project: Path) -> None:
    (project / "plan.yaml").write_text(BAD_PLAN.replace("revenue: {type: string}", "revenue: {type: number}"))
    assert run("plan.yaml").exit_code == 0
    assert run("plan.yaml", "--fail-on", "warning").exit_code == 1
    (project / "cdpctl.yaml").write_text("plan: plan.yaml\nlint:\n  fail_on: warning\n")
    assert run().exit_code == 1  # the configured default plan and fail_on


def test_plan_as_option_and_from_the_config(project: Path) -> None:
    by_argument = run("plan.yaml", "-f", "json").stdout
    assert run("--plan", "plan.yaml", "-f", "json").stdout == by_argument
    assert run("-f", "json").stdout == by_argument  # cdpctl.yaml names plan.yaml
    result = run("plan.yaml", "--plan", "other.yaml")
    assert result.exit_code == 2 and "two plans given" in result.output


def test_bad_fail_on_and_format_exit_2(project: Path) -> None:
    result = run("plan.yaml", "--fail-on", "warnings")
    assert result.exit_code == 2 and "unknown --fail-on 'warnings'" in result.output
    result = run("plan.yaml", "--format", "xml")
    assert result.exit_code == 2 and "unknown format 'xml'" in result.output


def test_plan_that_does_not_load_exits_2_with_every_problem(project: Path) -> None:
    (project / "broken.yaml").write_text("events:\n  A Viewed:\n    propertes: {}\n  B Viewed:\n    owner: [x]\n")
    result = run("broken.yaml")
    assert result.exit_code == 2
    assert "broken.yaml:3:5: unknown key 'propertes'" in result.output
    assert "broken.yaml:5:12:" in result.output
    assert "Traceback" not in result.output
    assert run("missing.yaml").exit_code == 2


def test_a_plan_that_does_not_load_names_its_bad_patterns_too(project: Path) -> None:
    """CP303 reports a pattern of a plan that loads; when the plan does not load, its bad patterns are
    among the load problems (they showed only once the other problems were fixed)."""
    (project / "broken.yaml").write_text(
        "events:\n  A Viewed:\n    properties:\n      x: {type: strng}\n      y: {type: string, pattern: '(['}\n"
    )
    result = run("broken.yaml")
    assert result.exit_code == 2
    assert "broken.yaml:4:" in result.output and "unknown type 'strng'" in result.output
    assert "broken.yaml:5:" in result.output and "not a valid regular expression" in result.output


def test_github_format_and_automatic_choice(project: Path) -> None:
    result = run("plan.yaml", env={"GITHUB_ACTIONS": "true"})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (  # errors first
        "::error file=plan.yaml,line=11,col=17,title=reserved-property (CP304)::property 'revenue' in event "
        "'order_completed' is string, but the Segment Spec defines 'revenue' as numeric"
    )
    assert all(line.startswith(("::warning ", "::error ")) for line in lines) and len(lines) == 4
    assert run("plan.yaml", "-f", "github").stdout == result.stdout


def test_sarif_output_is_valid_sarif_2_1_0(project: Path) -> None:
    result = run("plan.yaml", "--format", "sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(log)
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == sorted(rule["id"] for rule in rules)
    assert {rule["name"] for rule in rules} >= {"event-name-casing", "reserved-property"}
    results = run_["results"]
    assert len(results) == 4
    for item in results:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    revenue = next(item for item in results if item["ruleId"] == "CP304")
    assert revenue["level"] == "error"
    location = revenue["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "plan.yaml"}, "region": {"startLine": 11, "startColumn": 17}}


def test_sarif_schema_subset_rejects_broken_logs() -> None:
    """The vendored schema subset is strict enough to catch what code scanning would reject."""
    validator = jsonschema.Draft7Validator(SARIF_SCHEMA)
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}
    assert validator.is_valid(good)
    for broken in (
        {"version": "2.0.0", "runs": []},
        {"version": "2.1.0"},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a"}]}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "m"}, "level": "warn"}]}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "m"}, "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": "a"}, "region": {"startLine": 0}}}]}]}]},
    ):
        assert not validator.is_valid(broken), broken


def test_junit_output(project: Path) -> None:
    result = run("plan.yaml", "--format", "junit", "--fail-on", "warning")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert len(cases) == 12
    failures = cases["CP101 event-name-casing"].findall("failure")
    assert [f.get("message") for f in failures] == [
        "plan.yaml:6:3: event name 'order_completed' is not Object Action in Title Case, e.g. 'Order Completed' "
        "(rename to 'Order Completed')"
    ]
    assert cases["CP103 event-name-collision"].findall("failure") == []
    assert suite.get("failures") == "4"
    at_error = ET.fromstring(run("plan.yaml", "--format", "junit").stdout).find("testsuite")
    assert at_error is not None and at_error.get("failures") == "1"


def test_output_file(project: Path) -> None:
    result = run("plan.yaml", "--format", "sarif", "--output", "lint.sarif")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads((project / "lint.sarif").read_text())["version"] == "2.1.0"
    assert run("plan.yaml", "-o", "report.txt").exit_code == 1
    text = (project / "report.txt").read_text()
    assert "plan.yaml:6:3: event-name-casing" in text and "\x1b[" not in text
    result = run("plan.yaml", "-o", str(project / "no" / "such" / "dir" / "x"))
    assert result.exit_code == 2 and "cannot write" in result.output


def test_explain_and_list_rules() -> None:
    result = run("--explain", "semantic-event")
    assert result.exit_code == 0
    assert result.stdout.startswith("CP402 semantic-event\n")
    assert "example.yaml:2:3: semantic-event" in result.stdout
    assert run("--explain", "CP402").stdout == result.stdout
    result = run("--explain", "semantic-events")
    assert result.exit_code == 2 and "did you mean 'semantic-event'" in result.output
    listing = run("--list-rules")
    assert listing.exit_code == 0
    assert len(listing.stdout.splitlines()) == 14
    assert listing.stdout.splitlines()[0].startswith("CP101  event-name-casing")
    assert run("--explain", "unused-disable").exit_code == 0


def test_clean_plan_text_summary(project: Path) -> None:
    (project / "plan.yaml").write_text("events:\n  Signup Completed:\n    description: The user signed up.\n")
    result = run("plan.yaml")
    assert result.exit_code == 0
    assert result.stdout.strip() == "plan.yaml: no problems (12 rules checked)"


def test_findings_in_an_included_file_point_into_that_file(project: Path) -> None:
    (project / "plan.yaml").write_text("include: [more.yaml]\nevents:\n  Signup Completed: {description: x}\n")
    (project / "more.yaml").write_text("events:\n  signup_completed: {description: y}\n")
    document = json.loads(run("plan.yaml", "-f", "json").stdout)
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in document["findings"]] == [
        ("event-name-casing", "more.yaml", 2, 3),
        ("event-name-collision", "more.yaml", 2, 3),
    ]
    assert "Signup Completed' (plan.yaml:3:3)" in document["findings"][1]["message"]


def test_hostile_names_cannot_break_report_lines(project: Path) -> None:
    (project / "plan.yaml").write_text(
        'events:\n  "[bold red]x[/] \\e[31mEvil\\nName": {description: x}\n  "\\u202eRTL Viewed": {description: y}\n'
    )
    result = run("plan.yaml")
    assert result.exit_code == 1  # '31mEvil' reads as an embedded id
    assert "\x1b" not in result.output and "\u202e" not in result.output
    headers = [line for line in result.output.splitlines() if line.startswith(("plan.yaml:2:", "plan.yaml:3:"))]
    assert headers[0].startswith("plan.yaml:2:3: event-name-casing event name '[bold red]x[/] \\x1b[31mEvil\\nName'")
    assert headers[-1].startswith("plan.yaml:3:3: event-name-casing event name '\\u202eRTL Viewed'")
    junit = run("plan.yaml", "-f", "junit", "--fail-on", "warning").stdout
    ET.fromstring(junit)  # still well-formed XML


SHIPPED = sorted((ROOT / "plans").glob("*.yaml"))


@pytest.mark.parametrize("plan", SHIPPED, ids=lambda path: path.name)
def test_shipped_plans_lint_clean_under_recommended(plan: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no project config: the recommended preset as shipped
    result = run(str(plan), "--format", "json", "--fail-on", "info")
    document = json.loads(result.stdout)
    assert document["findings"] == [], [f"{f['line']}:{f['column']} {f['rule']} {f['message']}" for f in document["findings"]]
    assert result.exit_code == 0


UNLOADABLE = "plan: Bad\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      x: {type: strin}\n"


def test_a_plan_that_does_not_load_is_reported_in_every_format(project: Path) -> None:
    """Where CI shows findings (annotations, SARIF, JUnit, JSON, markdown) the load problems show too, as
    CP000 plan-load errors at their positions; the exit status is 2 and stderr names them as before."""
    (project / "plan.yaml").write_text(UNLOADABLE)
    problem = "unknown type 'strin' for property 'x' (did you mean 'string'?)"
    for fmt in ("json", "github", "sarif", "junit", "markdown", "text"):
        result = run("plan.yaml", "-f", fmt, "--fail-on", "never")
        assert result.exit_code == 2, fmt
        assert f"plan.yaml:6:17: {problem}" in result.stderr, fmt
        if fmt == "json":
            document = json.loads(result.stdout)
            finding = {"rule": "plan-load", "code": "CP000", "severity": "error", "message": problem,
                       "file": "plan.yaml", "line": 6, "column": 17}  # fmt: skip
            assert document["findings"] == [finding]
            assert document["summary"]["failed"] is True and document["summary"]["error"] == 1
        elif fmt == "github":
            assert result.stdout == f"::error file=plan.yaml,line=6,col=17,title=plan-load (CP000)::{problem}\n"
        elif fmt == "sarif":
            log = json.loads(result.stdout)
            jsonschema.validate(log, SARIF_SCHEMA)
            (run_,) = log["runs"]
            assert [rule["id"] for rule in run_["tool"]["driver"]["rules"]] == ["CP000"]
            assert [(r["ruleId"], r["level"]) for r in run_["results"]] == [("CP000", "error")]
        elif fmt == "junit":
            failures = ET.fromstring(result.stdout).findall(".//failure")
            assert [f.get("message") for f in failures] == [f"plan.yaml:6:17: {problem}"]
        elif fmt == "markdown":
            assert result.stdout.startswith("### cdpctl lint: failed\n")
            assert "| error | plan.yaml:6:17 | `CP000` plan-load |" in result.stdout
        else:
            assert result.stdout == ""


def test_a_plan_that_does_not_load_keeps_its_yaml_errors_and_its_files(project: Path) -> None:
    (project / "plan.yaml").write_text("events:\n  A: [\n")
    result = run("plan.yaml", "-f", "json", "-o", "report.json")
    assert result.exit_code == 2
    document = json.loads((project / "report.json").read_text())
    (finding,) = document["findings"]
    assert finding["code"] == "CP000" and finding["file"] == "plan.yaml" and "YAML syntax error" in finding["message"]
    # a report is never written over the plan that did not load
    before = (project / "plan.yaml").read_bytes()
    assert run("plan.yaml", "-f", "json", "-o", "plan.yaml").exit_code == 2
    assert (project / "plan.yaml").read_bytes() == before
    unwritable = run("plan.yaml", "-f", "json", "-o", str(project / "no" / "such" / "dir" / "x.json"))
    assert unwritable.exit_code == 2
    assert "cannot write" in unwritable.stderr and "YAML syntax error" in unwritable.stderr  # both said
    explained = run("--explain", "plan-load")
    assert explained.exit_code == 0 and explained.stdout.startswith("CP000 plan-load\n")
    assert "disable=" not in explained.stdout


def test_sarif_uris_are_percent_encoded_and_stdin_has_no_location() -> None:
    from cdpctl.reporting import Result
    from cdpctl.reporting.formats import sarif_log

    log = sarif_log([], [Result("r", "error", "m", "my logs #1 100% é.ndjson", 2, 3), Result("r", "error", "m", "<stdin>", 1, 1)])
    results = log["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20logs%20%231%20100%25%20%C3%A9.ndjson"
    assert "locations" not in results[1] and log["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_patterns_the_engine_cannot_run_are_invalid_pattern_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lint contract: lookbehind, inline flags and possessive quantifiers are ``invalid-pattern`` (CP303)
    errors, exit 1, as ``--explain invalid-pattern`` shows; they were ``plan-load`` errors, exit 2. Only where
    that rule would not fail the run (``--fail-on never``) is such a pattern the plan's load error (exit 2)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plan.yaml").write_text(
        "plan: Ex\nversion: 1.0.0\nevents:\n  Chatbot Created:\n    description: A user finished the wizard.\n"
        "    properties:\n"
        '      chatbot_id: {type: string, pattern: "^(?<!x)cb_[a-z0-9]{8}$"}\n'
        '      locale: {type: string, pattern: "(?i)^[a-z]{2}$"}\n'
        "      code: {type: string, pattern: '^\\d++\\Z'}\n"
    )
    env = {"GITHUB_ACTIONS": ""}
    result = CliRunner().invoke(app, ["lint", "plan.yaml", "-f", "json"], env=env)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["code"], f["severity"], f["line"]) for f in findings] == [
        ("invalid-pattern", "CP303", "error", 7), ("invalid-pattern", "CP303", "error", 8),
        ("invalid-pattern", "CP303", "error", 9), ("invalid-pattern", "CP303", "error", 9),
    ]
    assert "lookbehind" in findings[0]["message"] and "(?i)" in findings[1]["message"]
    never = CliRunner().invoke(app, ["lint", "plan.yaml", "-f", "json", "--fail-on", "never"], env=env)
    assert never.exit_code == 2
    assert [f["rule"] for f in json.loads(never.stdout)["findings"]][:3] == ["plan-load"] * 3
