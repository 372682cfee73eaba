"""``cdpctl diff`` on the plan's ``common:`` rules and on ``json_schema:`` escape-hatch properties."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.diff import diff_plans
from cdpctl.diff.rules import Change
from cdpctl.loader import load_plan_text

HEAD = "plan: T\nversion: 1.0.0\n"
EVENTS = "events:\n  A: {properties: {x: {type: string}}}\n  B: {}\n"


def changes(old: str, new: str) -> list[Change]:
    return diff_plans(load_plan_text(HEAD + old, "old.yaml"), load_plan_text(HEAD + new, "new.yaml"))


def summary(found: list[Change]) -> list[tuple[str, str, str | None, str, str, str]]:
    return [(c.rule, c.call_type, c.event, c.path, c.producer, c.consumer) for c in found]


def test_common_property_added_required_is_reported_once_under_common() -> None:
    found = changes(EVENTS, "common:\n  properties:\n    platform: {type: string, required: true}\n" + EVENTS)
    assert summary(found) == [("property-added-required", "common", None, "properties.platform", "breaking", "info")]
    assert found[0].message == "property 'platform' was added, required"
    assert found[0].call_label == "common"
    assert found[0].pos is not None and found[0].pos.line == 5


def test_common_constraint_change_uses_the_property_rules() -> None:
    old = "common:\n  properties:\n    platform: {type: string, enum: [web, ios]}\n" + EVENTS
    new = "common:\n  properties:\n    platform: {type: string, enum: [web]}\n" + EVENTS
    assert summary(changes(old, new)) == [
        ("enum-value-removed", "common", None, "properties.platform", "breaking", "info")
    ]
    assert summary(changes(new, old)) == [("enum-value-added", "common", None, "properties.platform", "info", "warning")]


def test_common_traits_and_context_have_their_own_paths() -> None:
    calls = "events:\n  A: {}\nidentify:\n  traits:\n    name: {type: string}\n"
    old = "common:\n  traits:\n    email: {type: string}\n  context:\n    app: {type: object}\n" + calls
    new = "common:\n  traits:\n    email: {type: string, format: email}\n" + calls
    assert summary(changes(old, new)) == [
        ("format-added", "common", None, "traits.email", "breaking", "info"),
        ("property-removed-open-object", "common", None, "context.app", "info", "breaking"),
    ]


def test_openness_is_the_worst_over_the_calls_reached() -> None:
    closed = "events:\n  A: {}\n  B: {}\n"
    one_open = "events:\n  A: {}\n  B: {additional_properties: true}\n"
    rule = "common:\n  properties:\n    platform: {type: string}\n"
    # added: an open call may already receive the name with other values
    assert [c.rule for c in changes(one_open, rule + one_open)] == ["property-added-open-object"]
    assert [c.rule for c in changes(closed, rule + closed)] == ["property-added-optional"]
    # removed: a closed call that does not define the name now rejects it
    assert [c.rule for c in changes(rule + one_open, one_open)] == ["property-removed"]
    every_open = "events:\n  A: {additional_properties: true}\n"
    assert [c.rule for c in changes(rule + every_open, every_open)] == ["property-removed-open-object"]


def test_common_rule_on_a_name_a_call_defines_counts_as_open() -> None:
    calls = "events:\n  A: {properties: {platform: {type: string}}}\n"
    found = changes(calls, "common:\n  properties:\n    platform: {type: string, enum: [web]}\n" + calls)
    assert [c.rule for c in found] == ["property-added-open-object"]


def test_common_description_and_unchanged_common() -> None:
    rule = "common:\n  properties:\n    platform: {type: string}\n"
    assert changes(rule + EVENTS, rule + EVENTS) == []
    found = changes(rule + EVENTS, "common:\n  description: Sent by every app.\n  properties:\n    platform: {type: string}\n" + EVENTS)
    assert [(c.rule, c.call_type, c.message) for c in found] == [
        ("description-changed", "common", "the common rules gained a description")
    ]


def test_common_rules_are_not_repeated_on_every_call() -> None:
    old = "common:\n  properties:\n    platform: {type: string}\n" + EVENTS
    new = "common:\n  properties:\n    platform: {type: integer}\n" + EVENTS
    assert summary(changes(old, new)) == [("type-changed", "common", None, "properties.platform", "breaking", "breaking")]


def test_json_schema_changes() -> None:
    def prop(text: str) -> str:
        return "events:\n  A:\n    properties:\n      v: " + text + "\n"

    raw = prop("{json_schema: {type: [string, number]}}")
    assert changes(raw, raw) == []
    wider = changes(raw, prop("{json_schema: {type: [string, number, boolean]}}"))
    assert summary(wider) == [("json-schema-widened", "track", "A", "properties.v", "info", "breaking")]
    assert wider[0].old == {"type": ["string", "number"]}
    assert wider[0].new == {"type": ["string", "number", "boolean"]}
    other = changes(raw, prop("{json_schema: {type: [string, number], minLength: 1}}"))  # not sized: a warning
    assert summary(other) == [("json-schema-changed", "track", "A", "properties.v", "warning", "warning")]
    # a plan definition and a raw schema that compile to the same JSON Schema: no change
    assert changes(prop("{type: string, max_length: 5}"), prop("{json_schema: {type: string, maxLength: 5}}")) == []
    switched = changes(prop("{type: string}"), prop("{json_schema: {type: string, minLength: 1}}"))
    assert [c.rule for c in switched] == ["json-schema-changed"]
    assert "now defined by a raw JSON Schema" in switched[0].message
    back = changes(prop("{json_schema: {type: string, minLength: 1}}"), prop("{type: string}"))
    assert "no longer defined by a raw JSON Schema" in back[0].message
    # flags and documentation beside the raw schema keep their own rules
    flagged = changes(raw, prop("{json_schema: {type: [string, number]}, required: true, description: d}"))
    assert [c.rule for c in flagged] == ["property-became-required", "description-changed"]


def test_json_schema_changes_of_known_extent() -> None:
    """A raw schema that accepts every value or none: the change is decided, and named true or false."""

    def prop(text: str) -> str:
        return "events:\n  A:\n    properties:\n      v: " + text + "\n"

    def rule_of(old: str, new: str) -> tuple[str, str, str, str]:
        (change,) = changes(prop(old), prop(new))
        return change.rule, change.producer, change.consumer, change.message

    closed = rule_of("{json_schema: true}", "{json_schema: false}")
    assert closed == ("json-schema-narrowed", "breaking", "info", "the raw JSON Schema of property 'v' changed from true to false")
    assert rule_of("{json_schema: false}", "{json_schema: true}")[:3] == ("json-schema-widened", "info", "breaking")
    # to or from a schema cdpctl cannot size: decided by the known side
    assert rule_of("{json_schema: {}}", "{json_schema: {type: string}}")[0] == "json-schema-narrowed"
    assert rule_of("{json_schema: {type: string}}", "{json_schema: {}}")[0] == "json-schema-widened"
    assert rule_of("{json_schema: {type: string}}", "{json_schema: false}")[0] == "json-schema-narrowed"
    assert rule_of("{json_schema: false}", "{json_schema: {type: string}}")[0] == "json-schema-widened"
    assert rule_of("{type: string}", "{json_schema: true}")[3] == "property 'v' is now defined by a raw JSON Schema: true"
    # schemas that say only `type`: sized by their types (an integer is a number)
    assert rule_of("{json_schema: {type: [string, number]}}", "{json_schema: {type: string}}")[:3] == (
        "json-schema-narrowed", "breaking", "info"
    )
    assert rule_of("{json_schema: {type: integer}}", "{json_schema: {type: [number, 'null']}}")[0] == "json-schema-widened"
    assert rule_of("{type: string}", "{json_schema: {type: [string, 'null']}}")[0] == "json-schema-widened"
    assert changes(prop("{json_schema: {type: [number, integer]}}"), prop("{json_schema: {type: number}}")) == []
    assert changes(prop("{type: number}"), prop("{json_schema: {type: [integer, number]}}")) == []  # the same values
    # types gone and types new: breaking for both sides (it was a warning: every message of a dropped type fails);
    # anything beside `type`: still a warning for both sides
    assert rule_of("{json_schema: {type: string}}", "{json_schema: {type: number}}")[:3] == (
        "json-schema-types-changed", "breaking", "breaking"
    )
    assert rule_of("{type: boolean}", "{json_schema: {type: string}}")[:3] == ("json-schema-types-changed", "breaking", "breaking")
    assert rule_of("{json_schema: {type: string}}", "{json_schema: {type: string, minLength: 1}}")[0] == "json-schema-changed"
    assert changes(prop("{json_schema: true}"), prop("{json_schema: {}}")) == []


def test_json_schema_in_common_and_renames() -> None:
    old = "common:\n  properties:\n    v: {json_schema: {type: [string, number]}}\n" + EVENTS
    new = "common:\n  properties:\n    v: {json_schema: {type: [string, \"null\"]}}\n" + EVENTS
    assert summary(changes(old, new)) == [("json-schema-types-changed", "common", None, "properties.v", "breaking", "breaking")]
    a = "events:\n  A: {properties: {v: {json_schema: {type: [string, number]}}, w: {type: string}}}\n"
    b = "events:\n  A: {properties: {value: {json_schema: {type: [string, number]}}, w: {type: string}}}\n"
    renamed = changes(a, b)
    assert [c.rule for c in renamed] == ["property-renamed"]
    c = "events:\n  A: {properties: {value: {json_schema: {type: [string, boolean]}}, w: {type: string}}}\n"
    assert sorted(x.rule for x in changes(a, c)) == ["property-added-optional", "property-removed"]


def test_cli_json_reports_common_type(tmp_path: object) -> None:
    from pathlib import Path

    base = Path(str(tmp_path))
    (base / "old.yaml").write_text(HEAD + EVENTS, encoding="utf-8")
    (base / "new.yaml").write_text(
        "plan: T\nversion: 2.0.0\ncommon:\n  properties:\n    platform: {type: string, required: true}\n" + EVENTS,
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app, ["diff", str(base / "old.yaml"), str(base / "new.yaml"), "--format", "json", "--fail-on", "never"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [(c["type"], c["event"], c["path"], c["rule"]) for c in data["changes"]] == [
        ("common", None, "properties.platform", "property-added-required")
    ]
    text = CliRunner().invoke(app, ["diff", str(base / "old.yaml"), str(base / "new.yaml"), "--fail-on", "never"])
    assert "common\n" in text.output and "property 'platform' was added, required" in text.output


def test_edits_that_admit_the_same_values_are_no_change() -> None:
    """Spellings of the same rule, which compile to schemas admitting the same values, are no change (they were
    breaking changes, and failed --fail-on breaking): nullable on `any`, zero minimum lengths and counts,
    `multiple_of: 1` on an integer, an enum of both booleans, `enum: [x]` and `const: x`, integer and number
    under an enum of integers; a real change beside them is still found."""
    head = "events:\n  E:\n    properties:\n"
    old = head + """\
      a: {type: any}
      b: {type: string}
      c: {type: array, items: string}
      d: {type: integer}
      e: {type: boolean}
      f: {type: string, enum: [web]}
      g: {type: integer, enum: [1, 2]}
      h: {type: string, enum: [x, y]}
"""
    new = head + """\
      a: {type: any, nullable: true}
      b: {type: string, min_length: 0}
      c: {type: array, items: string, min_items: 0}
      d: {type: integer, multiple_of: 1}
      e: {type: boolean, enum: [true, false]}
      f: {type: string, const: web}
      g: {type: number, enum: [1, 2]}
      h: {type: string, enum: [x]}
"""
    for before, after in ((old, new), (new, old)):
        found = changes(before, after)
        assert [c.rule for c in found] == (["enum-value-removed"] if before is old else ["enum-value-added"]), found
    fractional = old.replace("{type: integer, enum: [1, 2]}", "{type: number, enum: [1, 2.5]}")
    assert sorted(c.rule for c in changes(old, fractional)) == ["enum-value-added", "enum-value-removed", "type-widened"]
