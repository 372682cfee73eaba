"""Lint configuration: presets, per-rule severities and options, and clear errors for mistakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.errors import ConfigError
from cdpctl.lint.config import build_config
from cdpctl.lint.registry import all_rules

PLAN = """\
events:
  order_completed:
    description: The customer paid.
    properties:
      order_id: {type: string}
      products: {type: array, items: {type: object}}
  Checkout Finished:
    description: Old checkout event.
    deprecated: true
"""


def severities(section: dict[str, Any]) -> dict[str, str]:
    return {s.rule.slug: s.severity for s in build_config(section).settings}


def test_recommended_is_the_default_and_uses_default_severities() -> None:
    assert severities({}) == {rule.slug: rule.severity for rule in all_rules() if rule.recommended}
    assert build_config({}).extends == "recommended"


def test_strict_enables_everything_promotes_warnings_and_tightens_options() -> None:
    config = build_config({"extends": "strict"})
    assert {s.rule.slug for s in config.settings} == {rule.slug for rule in all_rules()}
    assert all(s.severity in ("error", "info") for s in config.settings)
    casing = config.setting("event-name-casing")
    assert casing is not None and casing.options["past_tense"] is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [("off", None), (False, None), ("error", "error"), ("warn", "warning"), ("INFO", "info"), (True, "warning")],
)
def test_rule_severity_values(value: object, expected: str | None) -> None:
    config = build_config({"rules": {"event-name-casing": value}})
    setting = config.setting("event-name-casing")
    assert (setting.severity if setting else None) == expected
    assert ("event-name-casing" in config.disabled) == (expected is None)


def test_options_table_by_slug_or_code_and_directly_under_lint() -> None:
    config = build_config({"rules": {"CP101": {"severity": "error", "style": "snake-case"}}})
    setting = config.setting("event-name-casing")
    assert setting is not None and setting.severity == "error" and setting.options["style"] == "snake_case"
    config = build_config({"missing-description": "off", "event-name-casing": {"past_tense": True}})
    assert config.setting("missing-description") is None
    setting = config.setting("event-name-casing")
    assert setting is not None and setting.severity == "warning" and setting.options["past_tense"] is True


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"rules": {"event-name-casng": "off"}}, "unknown lint rule 'event-name-casng' (did you mean 'event-name-casing'?)"),
        ({"event-name-casng": "off"}, "unknown lint rule or setting 'event-name-casng' (did you mean 'event-name-casing'?)"),
        ({"extend": "strict"}, "unknown lint rule or setting 'extend' (did you mean 'extends'?)"),
        ({"extends": "strcit"}, "'extends' must be one of recommended, strict, not 'strcit' (did you mean 'strict'?)"),
        ({"rules": {"event-name-casing": {"styel": "snake_case"}}},
         "rule 'event-name-casing': unknown option 'styel' (did you mean 'style'?)"),
        ({"rules": {"event-name-casing": {"style": "snek_case"}}},
         "option 'style': 'snek_case' is not one of"),
        ({"rules": {"event-name-casing": {"past_tense": "yes"}}}, "option 'past_tense' must be true or false"),
        ({"rules": {"event-name-casing": "eror"}}, "unknown severity 'eror'"),
        ({"rules": {"event-name-casing": {"severity": "fatal"}}}, "unknown severity 'fatal'"),
        ({"rules": {"event-name-casing": {"pattern": "([a-z"}}}, "is not a valid regular expression"),
        ({"rules": {"dynamic-event-name": {"allow": [3]}}}, "must list strings"),
        ({"rules": {"event-name-casing": {"pattern": "(?<=a)b"}}}, "no lookaround or back-references"),
        ({"rules": {"dynamic-event-name": {"allow": ["(a)\\1"]}}}, "no lookaround or back-references"),
        ({"rules": {"event-name-casing": 3}}, "must be off, error, warning, info or a table of options"),
        ({"rules": {"event-name-casing": "off", "CP101": "error"}}, "configured twice"),
        ({"rules": {"event-name-casing": None}}, "has no value; write off, error, warning or info"),
        ({"rules": {"event-name-casing": {"severity": None}}}, "has no value"),
        ({"rules": ["event-name-casing"]}, "'rules' must be a table"),
        ({"fail_on": "warnings"}, "'fail_on' must be one of error, warning, info, never"),
        ({"fail_on": None}, "'fail_on' has no value; write one of error, warning, info, never"),
    ],
)
def test_configuration_errors_are_clear(section: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_config(section, "cdpctl.yaml")
    assert str(caught.value).startswith("cdpctl.yaml: ")
    assert message in str(caught.value)


def run_in(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(app, ["lint", *args], env={"GITHUB_ACTIONS": ""})
    return result.exit_code, result.output


def test_cdpctl_yaml_configures_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "cdpctl.yaml").write_text(
        "plan: plan.yaml\nlint:\n  extends: strict\n  rules:\n    event-name-casing: off\n"
        "    deprecated-without-note: {severity: info}\n"
    )
    code, output = run_in(tmp_path, monkeypatch, "--format", "json")
    findings = json.loads(output)["findings"]
    # strict: key properties of a semantic event must be required (an error); the deprecation note is info
    assert [(f["rule"], f["severity"], f["line"]) for f in findings] == [
        ("semantic-event", "error", 5),
        ("deprecated-without-note", "info", 9),
    ]
    assert code == 1


def test_pyproject_table_configures_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN.replace("Checkout Finished", "checkout_finished"))
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cdpctl]\nplan = "plan.yaml"\n\n[tool.cdpctl.lint.rules]\n'
        'event-name-casing = { severity = "error", style = "snake_case" }\n'
    )
    code, output = run_in(tmp_path, monkeypatch, "-f", "json")
    assert json.loads(output)["findings"] == []
    assert code == 0
    (tmp_path / "plan.yaml").write_text(PLAN.replace("order_completed", "Order Completed").replace("Checkout Finished", "checkout_finished"))
    code, output = run_in(tmp_path, monkeypatch, "-f", "json")
    assert [f["severity"] for f in json.loads(output)["findings"]] == ["error"]
    assert code == 1


def test_invalid_configuration_exits_2_before_linting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\nlint:\n  rules:\n    semantic-events: off\n")
    code, output = run_in(tmp_path, monkeypatch)
    assert code == 2
    assert "cdpctl: error: cdpctl.yaml: unknown lint rule 'semantic-events' (did you mean 'semantic-event'?)" in output
    assert "Traceback" not in output
    (tmp_path / "cdpctl.yaml").write_text("plan: plan.yaml\nlint: [1, 2]\n")
    code, output = run_in(tmp_path, monkeypatch)
    assert code == 2 and "'lint' must be a table" in output


def test_a_configured_pattern_runs_in_linear_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cdpctl.yaml").write_text('lint:\n  rules:\n    event-name-casing: {pattern: "^(a+)+$"}\n')
    name = "a" * 60 + "!"  # Python's re backtracks on this for longer than anyone waits (2 ** 60 steps)
    (tmp_path / "plan.yaml").write_text(f"plan: P\nversion: 1.0.0\nevents:\n  {name}:\n    description: d\n")
    code, output = run_in(tmp_path, monkeypatch, "plan.yaml")
    assert code == 0 and "does not match the configured pattern '^(a+)+$'" in output


REFUSED_PATTERNS = """\
plan: X
version: 1.0.0
types:
  address:
    properties:
      zip: {type: string, pattern: "(?=a)b"}
common:
  context:
    locale: {type: string, pattern: '^(a)\\1$'}
events:
  A Happened:
    description: x
    properties:
      p: {type: string, pattern: "(?=a)b"}
      q: {type: address}
"""


@pytest.mark.parametrize("setting", ["off", "info", {"severity": "warning", "dialect": "re2"}])
def test_a_pattern_the_loader_refuses_fails_lint_whatever_the_rule_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: object
) -> None:
    """``invalid-pattern: off`` (or a lower severity) hides CP303, not the load error: a lookahead, a
    back-reference, in an event, a type or a common rule, is a ``plan-load`` error and lint exits 2."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cdpctl.yaml").write_text(json.dumps({"plan": "plan.yaml", "lint": {"rules": {"invalid-pattern": setting}}}))
    (tmp_path / "plan.yaml").write_text(REFUSED_PATTERNS)
    for fail_on in ("error", "never"):
        result = CliRunner().invoke(app, ["lint", "-f", "json", "--fail-on", fail_on], env={"GITHUB_ACTIONS": ""})
        assert result.exit_code == 2, result.output
        document = json.loads(result.stdout)
        load = [(f["line"], f["column"]) for f in document["findings"] if f["rule"] == "plan-load"]
        assert load == [(6, 37), (9, 42), (14, 35)]
        assert "lookahead '(?=' cannot run in linear time" in result.stderr
        assert document["summary"]["failed"] is True
    text = CliRunner().invoke(app, ["lint"], env={"GITHUB_ACTIONS": ""})
    assert text.exit_code == 2 and "plan.yaml:14:35: plan-load 'pattern' of property 'p'" in text.stdout
