"""One minimal OLD/NEW pair per diff rule id, asserting the producer and consumer severities."""

from __future__ import annotations

import pytest

from cdpctl.diff import diff_plans
from cdpctl.diff.registry import RULES
from cdpctl.diff.rules import Change
from cdpctl.loader import load_plan_text

HEAD = "plan: T\nversion: 1.0.0\n"


def props(*lines: str) -> str:
    """A plan with one event, ``Signed Up``, whose properties are ``lines``."""
    return HEAD + "events:\n  Signed Up:\n    properties:\n" + "".join(f"      {line}\n" for line in lines)


def plan(body: str) -> str:
    return HEAD + body


def changes(old: str, new: str) -> list[Change]:
    return diff_plans(load_plan_text(old, "old.yaml"), load_plan_text(new, "new.yaml"))


BREAK, WARN, INFO = "breaking", "warning", "info"

CASES: list[tuple[str, str, str, str, str]] = [
    # calls
    ("event-added", INFO, INFO, plan("events:\n  A: {}\n"), plan("events:\n  A: {}\n  BREAK: {}\n")),
    ("event-removed", BREAK, BREAK, plan("events:\n  A: {}\n  BREAK: {}\n"), plan("events:\n  A: {}\n")),
    (
        "event-renamed", BREAK, BREAK,
        plan("events:\n  Signup Done: {properties: {method: {type: string, enum: [email, google]}}}\n"),
        plan("events:\n  Signed Up: {properties: {method: {type: string, enum: [email, google]}}}\n"),
    ),
    ("event-deprecated", WARN, WARN, plan("events:\n  A: {}\n"), plan("events:\n  A: {deprecated: true}\n")),
    ("event-undeprecated", INFO, INFO, plan("events:\n  A: {deprecated: true}\n"), plan("events:\n  A: {}\n")),
    (
        "section-added", WARN, INFO,
        plan("events: {}\n"), plan("events: {}\ngroup:\n  traits:\n    name: {type: string}\n"),
    ),
    (
        "section-removed", INFO, BREAK,
        plan("events: {}\nscreens:\n  Home: {}\n"), plan("events: {}\n"),
    ),
    # properties and traits
    ("property-added-optional", INFO, INFO, props("a: {type: string}"), props("a: {type: string}", "b: {type: integer}")),
    (
        "property-added-open-object", WARN, INFO,
        plan("events:\n  A: {additional_properties: true, properties: {a: {type: string}}}\n"),
        plan("events:\n  A: {additional_properties: true, properties: {a: {type: string}, b: {type: integer}}}\n"),
    ),
    (
        "property-added-required", BREAK, INFO,
        props("a: {type: string}"), props("a: {type: string}", "b: {type: integer, required: true}"),
    ),
    ("property-removed", BREAK, BREAK, props("a: {type: string}", "b: {type: integer}"), props("a: {type: string}")),
    (
        "property-removed-open-object", INFO, BREAK,
        props("s: {type: object, additional_properties: true, properties: {theme: {type: string}}}"),
        props("s: {type: object, additional_properties: true}"),
    ),
    (
        "property-renamed", BREAK, BREAK,
        props("a: {type: string}", "coupon: {type: string, max_length: 20}"),
        props("a: {type: string}", "coupon_code: {type: string, max_length: 20}"),
    ),
    ("property-became-required", BREAK, INFO, props("a: {type: string}"), props("a: {type: string, required: true}")),
    ("property-became-optional", INFO, BREAK, props("a: {type: string, required: true}"), props("a: {type: string}")),
    ("property-became-nullable", INFO, BREAK, props("a: {type: string}"), props("a: {type: string, nullable: true}")),
    ("property-became-non-nullable", BREAK, INFO, props("a: {type: string, nullable: true}"), props("a: {type: string}")),
    ("property-deprecated", WARN, WARN, props("a: {type: string}"), props("a: {type: string, deprecated: true}")),
    ("property-undeprecated", INFO, INFO, props("a: {type: string, deprecated: true}"), props("a: {type: string}")),
    ("type-changed", BREAK, BREAK, props("a: {type: string}"), props("a: {type: boolean}")),
    ("type-widened", INFO, BREAK, props("a: {type: integer}"), props("a: {type: number}")),
    ("type-narrowed", BREAK, INFO, props("a: {type: number}"), props("a: {type: integer}")),
    (
        "additional-properties-closed", BREAK, INFO,
        props("s: {type: object, additional_properties: true}"), props("s: {type: object, additional_properties: false}"),
    ),
    (
        "additional-properties-opened", INFO, WARN,
        props("s: {type: object, properties: {x: {type: string}}}"),
        props("s: {type: object, additional_properties: true, properties: {x: {type: string}}}"),
    ),
    (
        "json-schema-changed", WARN, WARN,
        props("v: {json_schema: {type: string, maxLength: 10}}"), props("v: {json_schema: {type: string, minLength: 2}}"),
    ),
    ("json-schema-narrowed", BREAK, INFO, props("v: {json_schema: true}"), props("v: {json_schema: false}")),
    ("json-schema-widened", INFO, BREAK, props("v: {json_schema: false}"), props("v: {json_schema: true}")),
    (
        "json-schema-types-changed", BREAK, BREAK,
        props("v: {json_schema: {type: [string, number]}}"), props("v: {json_schema: {type: [string, boolean]}}"),
    ),
    # constraints
    ("enum-value-added", INFO, WARN, props("c: {type: string, enum: [USD]}"), props("c: {type: string, enum: [USD, EUR]}")),
    ("enum-value-removed", BREAK, INFO, props("c: {type: string, enum: [USD, EUR]}"), props("c: {type: string, enum: [USD]}")),
    ("enum-set", BREAK, INFO, props("c: {type: string}"), props("c: {type: string, enum: [USD]}")),
    ("enum-removed", INFO, BREAK, props("c: {type: string, enum: [USD]}"), props("c: {type: string}")),
    ("const-added", BREAK, INFO, props("c: {type: integer}"), props("c: {type: integer, const: 2}")),
    ("const-changed", BREAK, BREAK, props("c: {type: integer, const: 2}"), props("c: {type: integer, const: 3}")),
    ("const-removed", INFO, BREAK, props("c: {type: integer, const: 2}"), props("c: {type: integer}")),
    ("pattern-added", BREAK, INFO, props("s: {type: string}"), props('s: {type: string, pattern: "^a"}')),
    ("pattern-changed", BREAK, BREAK, props('s: {type: string, pattern: "^a"}'), props('s: {type: string, pattern: "^b"}')),
    ("pattern-removed", INFO, BREAK, props('s: {type: string, pattern: "^a"}'), props("s: {type: string}")),
    ("format-added", BREAK, INFO, props("s: {type: string}"), props("s: {type: string, format: uuid}")),
    ("format-changed", BREAK, BREAK, props("s: {type: string, format: date}"), props("s: {type: string, format: date-time}")),
    ("format-removed", INFO, BREAK, props("s: {type: string, format: uri}"), props("s: {type: string}")),
    (
        "unique-items-set", BREAK, INFO,
        props("t: {type: array, items: string}"), props("t: {type: array, items: string, unique_items: true}"),
    ),
    (
        "unique-items-removed", INFO, BREAK,
        props("t: {type: array, items: string, unique_items: true}"), props("t: {type: array, items: string}"),
    ),
    ("multiple-of-changed", BREAK, BREAK, props("n: {type: number, multiple_of: 0.25}"), props("n: {type: number, multiple_of: 0.1}")),
    # documentation
    ("description-changed", INFO, INFO, props("a: {type: string, description: x}"), props("a: {type: string, description: y}")),
    ("examples-changed", INFO, INFO, props("a: {type: string, examples: [x]}"), props("a: {type: string, examples: [y]}")),
    ("extension-changed", INFO, INFO, props("a: {type: string}"), props("a: {type: string, x-pii: true}")),
    ("owner-changed", INFO, INFO, plan("events:\n  A: {owner: a}\n"), plan("events:\n  A: {owner: b}\n")),
    ("tags-changed", INFO, INFO, plan("events:\n  A: {tags: [x]}\n"), plan("events:\n  A: {tags: [x, y]}\n")),
    ("event-version-changed", INFO, INFO, plan("events:\n  A: {version: 1}\n"), plan("events:\n  A: {version: 2}\n")),
    ("plan-renamed", INFO, INFO, "plan: A\nversion: 1.0.0\nevents: {}\n", "plan: BREAK\nversion: 1.0.0\nevents: {}\n"),
]

# bounds: (rule prefix, property with '{}' where the bound goes, tight value, loose value)
BOUNDS = [
    ("min-length", "s: {{type: string{}}}", "min_length: 5", "min_length: 1"),
    ("max-length", "s: {{type: string{}}}", "max_length: 10", "max_length: 100"),
    ("minimum", "n: {{type: number{}}}", "minimum: 10", "minimum: 0"),
    ("maximum", "n: {{type: number{}}}", "maximum: 10", "maximum: 100"),
    ("min-items", "t: {{type: array, items: string{}}}", "min_items: 3", "min_items: 1"),
    ("max-items", "t: {{type: array, items: string{}}}", "max_items: 3", "max_items: 30"),
    ("multiple-of", "n: {{type: number{}}}", "multiple_of: 0.5", "multiple_of: 0.01"),
]
for prefix, shape, tight, loose in BOUNDS:
    bare, tight_prop, loose_prop = shape.format(""), shape.format(", " + tight), shape.format(", " + loose)
    CASES += [
        (f"{prefix}-set", BREAK, INFO, props(bare), props(tight_prop)),
        (f"{prefix}-removed", INFO, BREAK, props(tight_prop), props(bare)),
        (f"{prefix}-tightened", BREAK, INFO, props(loose_prop), props(tight_prop)),
        (f"{prefix}-loosened", INFO, BREAK, props(tight_prop), props(loose_prop)),
    ]


@pytest.mark.parametrize(("rule", "producer", "consumer", "old", "new"), CASES, ids=[case[0] for case in CASES])
def test_rule(rule: str, producer: str, consumer: str, old: str, new: str) -> None:
    found = changes(old, new)
    assert [change.rule for change in found] == [rule], [change.message for change in found]
    change = found[0]
    assert (change.producer, change.consumer) == (producer, consumer)
    assert change.severity("producer") == producer
    assert change.severity("consumer") == consumer
    assert change.message


def test_every_rule_has_a_case() -> None:
    assert sorted({case[0] for case in CASES}) == sorted(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_documented_example_produces_its_rule(rule_id: str) -> None:
    example = RULES[rule_id].example
    found = changes(example.plan_text(False), example.plan_text(True))
    assert {change.rule for change in found} == {rule_id}


def test_additions_are_never_breaking() -> None:
    for case in CASES:
        rule, producer, consumer = case[0], case[1], case[2]
        if rule in ("event-added", "property-added-optional", "property-added-open-object", "enum-value-added"):
            assert BREAK not in (producer, consumer)
            assert consumer in (WARN, INFO)


def test_documentation_changes_are_info_only() -> None:
    for rule in RULES.values():
        if rule.kind == "docs":
            assert (rule.producer, rule.consumer) == (INFO, INFO)


def test_docs_list_every_rule_with_its_severities() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "commands" / "diff.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.producer} | {rule.consumer} |" in docs, rule.id
