"""``cdpctl diff`` end to end: formats, the JSON contract, the markdown snapshot, exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cdpctl.cli import app

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"

OLD = """\
plan: Shop
version: 1.2.0
properties:
  currency: {type: string, enum: [USD, EUR, GBP]}
events:
  Order Completed:
    description: The customer paid.
    properties:
      order_id: {type: string, required: true}
      currency: {required: true}
      coupon: {type: string, max_length: 40}
      note: {type: string}
  Cart Viewed:
    properties:
      cart_id: {type: string}
      currency: {}
  Legacy Thing:
    additional_properties: true
"""

NEW = """\
plan: Shop
version: 1.3.0
properties:
  currency: {type: string, enum: [USD, EUR, JPY]}
events:
  Order Completed:
    description: The customer paid in full.
    properties:
      order_id: {type: string, required: true}
      currency: {required: true}
      coupon: {type: string, max_length: 20}
      note: {type: string, nullable: true}
      channel: {type: string, enum: [web, app]}
  Cart Viewed:
    deprecated: true
    properties:
      cart_id: {type: string}
      currency: {}
  Product Added | <b>:
    properties:
      sku: {type: string, required: true}
"""


@pytest.fixture
def plans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "old.yaml").write_text(OLD, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(NEW, encoding="utf-8")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["diff", *args])


def test_markdown_snapshot(plans: Path) -> None:
    result = run("old.yaml", "new.yaml", "--format", "markdown")
    assert result.exit_code == 1
    snapshot = SNAPSHOTS / "diff_markdown.md"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        snapshot.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == snapshot.read_text(encoding="utf-8")
    # breaking changes come first, in their own table, the rest folded away
    head, _, folded = result.stdout.partition("<details>")
    assert "event-removed" in head and "enum-value-removed" in head and "max-length-tightened" in head
    assert "enum-value-added" in folded and "description-changed" in folded and "breaking |" not in folded
    assert "Product Added \\| &lt;b&gt;" in folded  # hostile names are escaped


def test_json_contract(plans: Path) -> None:
    result = run("old.yaml", "new.yaml", "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"changes", "summary", "version"}
    for change in document["changes"]:
        assert set(change) == {"rule", "severity", "producer", "consumer", "type", "event", "path", "message", "old", "new"}
    removed = next(c for c in document["changes"] if c["rule"] == "event-removed")
    assert removed == {
        "rule": "event-removed",
        "severity": "breaking",
        "producer": "breaking",
        "consumer": "breaking",
        "type": "track",
        "event": "Legacy Thing",
        "path": "",
        "message": "event 'Legacy Thing' was removed",
        "old": "Legacy Thing",
        "new": None,
    }
    tightened = next(c for c in document["changes"] if c["rule"] == "max-length-tightened")
    assert (tightened["path"], tightened["old"], tightened["new"]) == ("properties.coupon", 40, 20)
    # the shared 'currency' reaches both events
    gbp = [c["event"] for c in document["changes"] if c["rule"] == "enum-value-removed"]
    assert sorted(gbp) == ["Cart Viewed", "Order Completed"]
    assert document["summary"] == {
        "breaking": sum(1 for c in document["changes"] if c["severity"] == "breaking"),
        "warning": sum(1 for c in document["changes"] if c["severity"] == "warning"),
        "info": sum(1 for c in document["changes"] if c["severity"] == "info"),
    }
    assert document["version"] == {"old": "1.2.0", "new": "1.3.0", "required_bump": "major", "ok": False, "initial_development": False}


def test_direction_picks_the_view(plans: Path) -> None:
    producer = json.loads(run("old.yaml", "new.yaml", "-f", "json", "--direction", "producer").stdout)
    consumer = json.loads(run("old.yaml", "new.yaml", "-f", "json", "--direction", "consumer").stdout)
    by_rule = {c["rule"]: c for c in producer["changes"]}
    assert by_rule["property-became-nullable"]["severity"] == "info"
    assert by_rule["max-length-tightened"]["severity"] == "breaking"
    by_rule = {c["rule"]: c for c in consumer["changes"]}
    assert by_rule["property-became-nullable"]["severity"] == "breaking"
    assert by_rule["max-length-tightened"]["severity"] == "info"
    assert producer["summary"] != consumer["summary"]


def test_fail_on_thresholds(plans: Path) -> None:
    assert run("old.yaml", "new.yaml", "-f", "json").exit_code == 1
    assert run("old.yaml", "new.yaml", "-f", "json", "--fail-on", "never").exit_code == 0
    # a change set with warnings and info only
    (plans / "warn.yaml").write_text(OLD.replace("      note: {type: string}\n", "      note: {type: string, deprecated: true}\n"))
    assert run("old.yaml", "warn.yaml", "-f", "json").exit_code == 0
    assert run("old.yaml", "warn.yaml", "-f", "json", "--fail-on", "warning").exit_code == 1
    (plans / "info.yaml").write_text(OLD.replace("The customer paid.", "Paid."))
    assert run("old.yaml", "info.yaml", "-f", "json", "--fail-on", "warning").exit_code == 0
    assert run("old.yaml", "info.yaml", "-f", "json", "--fail-on", "info").exit_code == 1
    assert run("old.yaml", "old.yaml", "-f", "json", "--fail-on", "info").exit_code == 0


def test_text_output_is_grouped_most_severe_first(plans: Path) -> None:
    result = run("old.yaml", "new.yaml")
    assert result.exit_code == 1
    out = result.stdout
    # calls with a breaking change come before the one with only an addition
    assert out.index("\nLegacy Thing\n") < out.index("\nProduct Added | <b>\n")
    block = out[out.index("\nOrder Completed\n") : out.index("\nCart Viewed\n")]
    severities = [line.split()[0] for line in block.splitlines() if line.startswith("  ")]
    assert severities == ["breaking", "breaking", "breaking", "warning", "info", "info"]
    assert "version 1.2.0 -> 1.3.0 is a minor bump; the changes need a major bump: not enough" in out
    assert "\x1b[" not in out  # no colour codes when not a terminal


def test_github_annotations_point_at_new_plan_lines(plans: Path) -> None:
    result = run("old.yaml", "new.yaml", "--format", "github")
    lines = result.stdout.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    tightened = next(line for line in lines if "max-length-tightened" in line)
    assert tightened.startswith("::error file=new.yaml,line=11,col=30,")
    channel = next(line for line in lines if "property-added-optional" in line)
    assert "line=13," in channel and channel.startswith("::notice ")
    removed = next(line for line in lines if "event-removed" in line)
    assert "line=5," in removed  # the 'events:' key of NEW, since the event is gone


def test_github_format_is_automatic_under_actions(plans: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert run("old.yaml", "new.yaml").stdout.startswith("::error ")


def test_a_side_that_does_not_load_exits_2(plans: Path) -> None:
    (plans / "broken.yaml").write_text("plan: X\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      a: {type: strin}\n")
    result = run("old.yaml", "broken.yaml")
    assert result.exit_code == 2
    assert "broken.yaml:6:17: unknown type 'strin'" in result.stderr
    assert "Traceback" not in result.output
    result = run("old.yaml", "missing.yaml")
    assert result.exit_code == 2
    assert "cannot read plan file 'missing.yaml'" in result.stderr


def test_usage_errors_exit_2(plans: Path) -> None:
    assert run("old.yaml").exit_code == 2
    result = run("old.yaml", "new.yaml", "--fail-on", "sometimes")
    assert result.exit_code == 2 and "'sometimes' is not one of" in result.stderr
    assert run("old.yaml", "new.yaml", "--direction", "sideways").exit_code == 2
    assert run("old.yaml", "new.yaml", "--format", "xml").exit_code == 2


def test_project_settings(plans: Path) -> None:
    (plans / "cdpctl.yaml").write_text("diff:\n  fail_on: never\n  direction: producer\n")
    result = run("old.yaml", "new.yaml", "-f", "json")
    assert result.exit_code == 0
    nullable = next(c for c in json.loads(result.stdout)["changes"] if c["rule"] == "property-became-nullable")
    assert nullable["severity"] == "info"
    assert run("old.yaml", "new.yaml", "-f", "json", "--fail-on", "breaking").exit_code == 1
    (plans / "cdpctl.yaml").write_text("diff:\n  fail-on: never\n")
    result = run("old.yaml", "new.yaml")
    assert result.exit_code == 2 and "unknown 'diff' setting 'fail-on' (did you mean 'fail_on'?)" in result.stderr


def test_text_output_prints_hostile_names_literally(plans: Path) -> None:
    (plans / "a.yaml").write_text("plan: T\nversion: 1.0.0\nevents: {}\n")
    (plans / "b.yaml").write_text('plan: T\nversion: 1.1.0\nevents:\n  "[bold red]Evil[/] \\u001b[2J\\u202e": {}\n')
    result = run("a.yaml", "b.yaml")
    assert result.exit_code == 0
    assert "[bold red]Evil[/] \\x1b[2J\\u202e" in result.stdout  # markup as is, control and bidi characters escaped
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    github = run("a.yaml", "b.yaml", "-f", "github").stdout
    assert "\x1b" not in github and "Evil" in github


def test_markdown_stays_within_a_github_comment() -> None:
    from cdpctl.diff import compare
    from cdpctl.diff.render import render_markdown
    from cdpctl.loader import load_plan_text

    fields = "".join(f"      p{index}: {{type: string, description: Property number {index}.}}\n" for index in range(300))
    old = load_plan_text(f"plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n{fields}", "old.yaml")
    new = load_plan_text("plan: T\nversion: 2.0.0\nevents:\n  A: {}\n", "new.yaml")
    report = compare(old, new, "old.yaml", "new.yaml")
    assert len(report.changes) == 300
    text = render_markdown([report], "both")
    assert text.count("| property-removed |") == 300  # fits: every change shown
    assert "not shown" not in text
    assert len(text) < 60_000
