"""Suppression comments (``# cdpctl: disable=...``) and ``--report-unused-disables``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.lint.config import build_config
from cdpctl.lint.runner import LintReport, lint_plan
from cdpctl.lint.suppress import parse_directives
from cdpctl.loader import load_plan_text


def lint(text: str, unused: bool = False, section: dict[str, object] | None = None) -> LintReport:
    plan = load_plan_text(text, "plan.yaml")
    return lint_plan(plan, build_config(section or {}), report_unused_disables=unused)


def found(report: LintReport) -> list[tuple[str, int, int]]:
    return [(f.rule, f.pos.line, f.pos.column) for f in report.findings]


BASE = """\
events:
  order_completed:
    description: Paid.
    properties:
      order_id: {type: string}
      products: {type: array}
"""


def test_unsuppressed_baseline() -> None:
    assert found(lint(BASE)) == [("event-name-casing", 2, 3)]


def test_comment_on_the_same_line() -> None:
    report = lint(BASE.replace("  order_completed:", "  order_completed:  # cdpctl: disable=event-name-casing"))
    assert found(report) == []
    assert [(f.rule, f.pos.line) for f in report.suppressed] == [("event-name-casing", 2)]


def test_comment_on_the_line_above_skipping_blank_and_comment_lines() -> None:
    text = BASE.replace(
        "  order_completed:", "  # cdpctl: disable=event-name-casing\n\n  # legacy name kept for the old app\n  order_completed:"
    )
    assert found(lint(text)) == []


def test_comment_two_nodes_above_does_not_apply() -> None:
    text = "events:\n  # cdpctl: disable=event-name-casing\n  Signup Completed: {description: a}\n  signup_started: {description: b}\n"
    report = lint(text, unused=True)
    assert found(report) == [("unused-disable", 2, 21), ("event-name-casing", 4, 3)]


def test_several_rules_codes_and_all() -> None:
    text = """\
events:
  order 1234 completed:  # cdpctl: disable=event-name-casing, CP104
    description: x
  Step 2 Viewed:  # cdpctl: disable=all
    description: y
"""
    report = lint(text)
    assert found(report) == []
    assert sorted(f.rule for f in report.suppressed) == ["dynamic-event-name", "dynamic-event-name", "event-name-casing"]


def test_suppression_only_covers_the_named_rule() -> None:
    text = "events:\n  order 1234 completed:  # cdpctl: disable=event-name-casing\n    description: x\n"
    assert found(lint(text)) == [("dynamic-event-name", 2, 9)]


def test_suppression_of_a_nested_finding_on_its_own_line() -> None:
    text = """\
events:
  Signup Completed:
    description: x
    properties:
      # cdpctl: disable=property-name-casing
      referralCode: {type: string}
      utmSource: {type: string}
"""
    assert found(lint(text)) == [("property-name-casing", 7, 7)]


def test_unused_disables_are_reported_only_when_asked() -> None:
    text = """\
events:
  Signup Completed:  # cdpctl: disable=event-name-casing,missing-description
    description: x
"""
    assert found(lint(text)) == []
    report = lint(text, unused=True)
    assert found(report) == [("unused-disable", 2, 40), ("unused-disable", 2, 58)]
    assert "suppression of 'event-name-casing' is unused" in report.findings[0].message
    assert all(f.severity == "warning" and f.code == "CP001" for f in report.findings)


def test_a_disable_for_a_rule_switched_off_is_unused() -> None:
    text = BASE.replace("  order_completed:", "  order_completed:  # cdpctl: disable=event-name-casing")
    report = lint(text, unused=True, section={"rules": {"event-name-casing": "off"}})
    assert found(report) == [("unused-disable", 2, 39)]


def test_unknown_rule_in_a_comment_is_always_reported_with_a_hint() -> None:
    text = BASE.replace("  order_completed:", "  order_completed:  # cdpctl: disable=event-name-casng")
    report = lint(text)
    assert found(report) == [("event-name-casing", 2, 3), ("unknown-disable", 2, 39)]
    assert "did you mean 'event-name-casing'?" in report.findings[1].message


def test_directive_text_inside_a_quoted_value_is_not_a_comment() -> None:
    text = (
        'events:\n  order_completed:\n    description: "see #cdpctl: disable=all"\n'
        "    owner: 'a # cdpctl: disable=all'\n"
        "    x-note: it's # cdpctl: disable=CP101\n"
    )
    directives = parse_directives({"plan.yaml": text})
    assert [(d.name, d.pos.line, d.pos.column) for d in directives] == [("CP101", 5, 36)]


def test_directives_in_included_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (tmp_path / "plan.yaml").write_text("include: [more.yaml]\nevents:\n  Signup Completed: {description: x}\n")
    (tmp_path / "more.yaml").write_text(
        "events:\n  # cdpctl: disable=event-name-casing\n  legacy_event: {description: y}\n"
        "  other_event: {description: z}  # cdpctl: disable=dynamic-event-name\n"
    )
    result = CliRunner().invoke(
        app, ["lint", "--format", "json", "--report-unused-disables", "--fail-on", "warning"], env={"GITHUB_ACTIONS": ""}
    )
    document = json.loads(result.stdout)
    assert [(f["rule"], f["file"], f["line"], f["column"]) for f in document["findings"]] == [
        ("event-name-casing", "more.yaml", 4, 3),
        ("unused-disable", "more.yaml", 4, 52),
    ]
    assert document["summary"]["suppressed"] == 1
    assert result.exit_code == 1


def test_a_directive_inside_a_multiline_value_is_text() -> None:
    """``# cdpctl: disable=...`` inside a ``|`` or ``>`` block or a quoted value spanning lines is part of the
    value, not a comment: it suppresses nothing (it hid real findings). A comment after a value still counts."""
    text = """\
plan: Sup
version: 1.0.0
events:
  Order Shipped:
    description: |
      Shipped.
      # cdpctl: disable=all
  bad_one: {}
  Other Thing Done:
    description: >-
      Folded.
      # cdpctl: disable=all
  bad_two: {}
  Third Thing Done:
    description: "two
      # cdpctl: disable=all lines"
  bad_three: {}
  bad_four: {}  # cdpctl: disable=all
"""
    report = lint(text)
    lines = {line for _code, line, _column in found(report)}
    assert {8, 13, 17} <= lines and 18 not in lines
    assert len(report.suppressed) == 2 and [d.pos.line for d in parse_directives({"plan.yaml": text})] == [18]


def test_a_directive_naming_no_rule_is_reported_never_ignored() -> None:
    text = (
        "plan: P\nversion: 1.0.0\nevents:\n"
        "  Signed Up:  # cdpctl: disable=\n    description: d\n"
        "  Logged In:  # cdpctl: disable=,,,\n    description: d\n"
        "  Logged Out:\n    description: 'text # cdpctl: disable='\n"  # inside a value: not a comment
    )
    report = lint(text)
    nameless = [f for f in report.findings if f.code == "CP002"]
    assert [(f.pos.line, f.message) for f in nameless] == [
        (4, "suppression comment names no rule: write 'disable=RULE' (a slug, a code or 'all')"),
        (6, "suppression comment names no rule: write 'disable=RULE' (a slug, a code or 'all')"),
    ]


STALE_AND_MISSPELT = BASE.replace(
    "  order_completed:", "  order_completed:  # cdpctl: disable=event-name-casng"
).replace("      order_id:", "      # cdpctl: disable=missing-description\n      order_id:")


@pytest.mark.parametrize(
    ("section", "unused", "expected"),
    [
        ({}, False, [("unknown-disable", "warning")]),
        ({}, True, [("unknown-disable", "warning"), ("unused-disable", "warning")]),
        ({"unknown-disable": "error", "CP001": "info"}, False, [("unknown-disable", "error"), ("unused-disable", "info")]),
        ({"rules": {"CP002": "off", "unused-disable": {"severity": "error"}}}, False, [("unused-disable", "error")]),
        ({"rules": {"unknown-disable": "off", "unused-disable": "off"}}, False, []),
        ({"unused-disable": "off"}, True, [("unknown-disable", "warning"), ("unused-disable", "warning")]),
        ({"unused-disable": True}, False, [("unknown-disable", "warning"), ("unused-disable", "warning")]),
    ],
)
def test_the_rules_about_directives_are_configured_like_any_rule(
    section: dict[str, object], unused: bool, expected: list[tuple[str, str]]
) -> None:
    report = lint(STALE_AND_MISSPELT, unused=unused, section=section)
    meta = [(f.rule, f.severity) for f in report.findings if f.code.startswith("CP00")]
    assert meta == expected
    assert [f.rule for f in report.findings if not f.code.startswith("CP00")] == ["event-name-casing"]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"unused-disabl": "off"}, "unknown lint rule or setting 'unused-disabl' (did you mean 'unused-disable'?)"),
        ({"unused-disable": {"severity": "warning", "style": "x"}}, "rule 'unused-disable': unknown option 'style'"),
        ({"unknown-disable": "loud"}, "rule 'unknown-disable': unknown severity 'loud'"),
        ({"unknown-disable": None}, "rule 'unknown-disable' has no value"),
        ({"CP002": "off", "rules": {"unknown-disable": "error"}}, "rule 'unknown-disable' is configured twice"),
    ],
)
def test_bad_settings_of_the_rules_about_directives_are_errors(section: dict[str, object], message: str) -> None:
    from cdpctl.errors import ConfigError

    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        build_config(section)


def test_a_quote_inside_a_plain_name_does_not_hide_the_comment_after_it() -> None:
    """``Best of '90s Playlist Played:  # cdpctl: disable=...``: the lone quote was taken for the start of a
    string, so the directive was never read (the finding stayed, exit 1, and no unused-directive note)."""
    text = (
        "plan: T\nversion: 1.0.0\nevents:\n"
        "  Best of '90s Playlist Played:  # cdpctl: disable=dynamic-event-name\n    description: x.\n"
        "  Rock 'n Roll Played:\n    description: 'x # y'  # cdpctl: disable=dynamic-event-name\n"
    )
    assert not [f for f in lint(text).findings if f.rule == "dynamic-event-name"]
    from cdpctl.lint.suppress import comment_start

    assert comment_start("  k: 'a # b'  # c") == 14 and comment_start("  [a, 'b # c'] # d") == 15


UNLOADABLE_PATTERN = """\
plan: X
version: 1.0.0
events:
  A Happened:
    description: x
    properties:
      p: {type: string, pattern: "([a-z"}  # cdpctl: disable=invalid-pattern
"""
REFUSED = "'pattern' of property 'p' is not a valid regular expression: missing ']' (patterns are ECMA-262)"


@pytest.mark.parametrize("fail_on", ["error", "never"])
def test_a_suppressed_pattern_the_loader_refuses_still_fails_lint_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_on: str
) -> None:
    """The comment hides the CP303 finding, never the load error: ``compile`` refuses the plan, so ``lint``
    exits 2 and names it as a ``plan-load`` error (it said ``no problems (12 rules checked, 1 suppressed)``)."""
    import xml.etree.ElementTree as ET

    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (tmp_path / "plan.yaml").write_text(UNLOADABLE_PATTERN)
    env = {"GITHUB_ACTIONS": ""}
    compiled = CliRunner().invoke(app, ["compile", "plan.yaml"], env=env)
    assert compiled.exit_code == 2 and f"plan.yaml:7:36: {REFUSED}" in compiled.stderr
    for fmt in ("text", "json", "github", "sarif", "junit", "markdown"):
        args = ["lint", "plan.yaml", "-f", fmt, "--fail-on", fail_on, "--report-unused-disables"]
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 2, (fmt, result.output)
        assert f"plan.yaml:7:36: {REFUSED}" in result.stderr, fmt
        assert "no problems" not in result.stdout and "passed" not in result.stdout, fmt
        if fmt == "text":
            assert result.stdout.startswith(f"plan.yaml:7:36: plan-load {REFUSED}\n"), result.stdout
            assert "failed at --fail-on" in result.stdout
        elif fmt == "json":
            document = json.loads(result.stdout)
            assert [(f["rule"], f["code"], f["line"], f["column"]) for f in document["findings"]] == [
                ("plan-load", "CP000", 7, 36)
            ]
            assert document["summary"]["failed"] is True and document["summary"]["suppressed"] == 1
        elif fmt == "github":
            assert result.stdout == f"::error file=plan.yaml,line=7,col=36,title=plan-load (CP000)::{REFUSED}\n"
        elif fmt == "sarif":
            results = json.loads(result.stdout)["runs"][0]["results"]
            assert [(r["ruleId"], r["level"]) for r in results] == [("CP000", "error")]
        elif fmt == "junit":
            failures = ET.fromstring(result.stdout).findall(".//failure")
            assert [f.get("message") for f in failures] == [f"plan.yaml:7:36: {REFUSED}"]
        else:
            assert result.stdout.startswith("### cdpctl lint: failed\n")
            assert "| error | plan.yaml:7:36 | `CP000` plan-load |" in result.stdout


def test_a_pattern_the_loader_accepts_is_still_suppressed_and_a_refused_one_is_said_once() -> None:
    """A CP303 finding the loader does not share (a lone '}', read as a browser reads it) is suppressed as
    before; an unsuppressed refused pattern is one ``invalid-pattern`` error where that rule fails the run
    (the lint contract: exit 1), and one ``plan-load`` error where it would not (``--fail-on never``)."""
    accepted = UNLOADABLE_PATTERN.replace('"([a-z"', '"a}"')
    report = lint(accepted)
    assert found(report) == [] and [f.rule for f in report.suppressed] == ["invalid-pattern"]
    assert load_plan_text(accepted, "plan.yaml", check_patterns=False).kept_errors == []
    unsuppressed = UNLOADABLE_PATTERN.replace("  # cdpctl: disable=invalid-pattern", "")
    plan = load_plan_text(unsuppressed, check_patterns=False)
    assert [(f.rule, f.pos.line, f.pos.column) for f in lint_plan(plan, build_config({})).findings] == [
        ("invalid-pattern", 7, 36)
    ]
    assert [(f.rule, f.pos.line, f.pos.column) for f in lint_plan(plan, build_config({}), fail_on="never").findings] == [
        ("plan-load", 7, 36)
    ]
    two = load_plan_text(unsuppressed.replace('"([a-z"', r"'\Aab\Z'"), check_patterns=False)
    report = lint_plan(two, build_config({}))
    assert [(f.rule, f.pos.column) for f in report.findings] == [("invalid-pattern", 35), ("invalid-pattern", 39)]
    assert "'\\A' is a Python anchor" in report.findings[0].message
    assert [f.rule for f in report.failing("error")] == ["invalid-pattern", "invalid-pattern"]
    report = lint_plan(two, build_config({}), fail_on="never")
    assert [(f.rule, f.pos.column) for f in report.findings] == [("plan-load", 35), ("invalid-pattern", 39)]
    assert [f.rule for f in report.failing("never")] == ["plan-load"]


NODE_COMMENTS = """\
plan: X
version: 1.0.0
events:
  Order Completed:
    description: The customer paid.
    properties:
      order_id: {type: string}
      products: {type: array}
      tax: {type: string}  # cdpctl: disable=reserved-property
      revenue:   # cdpctl: disable=reserved-property
        type: string
      total:
        type: string
      # cdpctl: disable=reserved-property
      shipping:
        description: What the shipping cost.
        type: string
      discount:
        type: string
"""


def test_a_comment_on_a_key_covers_the_node_it_opens_and_no_sibling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``revenue:  # cdpctl: disable=reserved-property`` covers the finding its rule reports at ``type: string``
    on the line below (it stayed, and the comment was called unused); the comment above ``shipping:`` covers
    the node's third line; ``total`` and ``discount``, siblings, are still reported."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\n")
    (tmp_path / "plan.yaml").write_text(NODE_COMMENTS)
    result = CliRunner().invoke(
        app, ["lint", "plan.yaml", "--report-unused-disables", "-f", "json"], env={"GITHUB_ACTIONS": ""}
    )
    document = json.loads(result.stdout)
    assert [(f["rule"], f["line"], f["column"]) for f in document["findings"]] == [
        ("reserved-property", 13, 9),
        ("reserved-property", 19, 9),
    ]
    assert document["summary"]["suppressed"] == 3 and result.exit_code == 1
    text = CliRunner().invoke(app, ["lint", "plan.yaml", "--report-unused-disables"], env={"GITHUB_ACTIONS": ""})
    assert "11:" not in text.stdout and "unused-disable" not in text.stdout


def test_a_node_comment_covers_its_whole_value_and_says_so_when_unused() -> None:
    text = """\
events:
  signup_started:  # cdpctl: disable=event-name-casing,property-name-casing
    description: |
      Text.

    properties:
      referralCode:
        type: string
  order_done:
    description: x
"""
    report = lint(text, unused=True)
    assert found(report) == [("event-name-casing", 9, 3)]  # the sibling
    assert sorted((f.rule, f.pos.line) for f in report.suppressed) == [("event-name-casing", 2), ("property-name-casing", 7)]
    stale = lint(text.replace("referralCode", "referral_code"), unused=True)
    (unused,) = [f for f in stale.findings if f.rule == "unused-disable"]
    assert "nothing in the node on lines 2-8 is reported by it" in unused.message
    assert [(d.target, d.through) for d in parse_directives({"p.yaml": "a:  # cdpctl: disable=all\n  - 1\n  - 2\nb: 3\n"})] == [
        (("p.yaml", 1), 3)
    ]
