"""``common:`` and Segment's ``COMMON`` rule across ``export segment`` and ``import segment``.

Segment checks the ``COMMON`` rule and a call's own rule each against the whole message
(Protocols, "Create a Tracking Plan", Common JSON Schema).  These tests judge an exported plan the
same way, with jsonschema, and compare the verdicts with cdpctl's on the same messages.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft7Validator

from cdpctl.interop.export import export_segment
from cdpctl.interop.importer import import_segment
from cdpctl.loader import load_plan_text
from cdpctl.validation import Validator

CLOSED = """\
plan: Common Closed
version: 1.0.0
common:
  properties:
    platform: {type: string, enum: [web, ios]}
  traits:
    plan: {type: string}
events:
  Order Completed:
    additional_properties: false
    properties:
      order_id: {type: string, required: true}
  Order Refunded:
    properties:
      order_id: {type: string}
identify:
  additional_properties: false
  traits:
    email: {type: string}
"""

TRACK = {"type": "track", "event": "Order Completed", "userId": "u"}
IDENTIFY = {"type": "identify", "userId": "u"}
MESSAGES = [
    {**TRACK, "properties": {"order_id": "o"}},
    {**TRACK, "properties": {"order_id": "o", "platform": "web"}},
    {**TRACK, "properties": {"order_id": "o", "platform": "tv"}},
    {**TRACK, "properties": {"order_id": "o", "coupon": "x"}},
    {**TRACK, "event": "Order Refunded", "properties": {"platform": "ios", "reason": "late"}},
    {**TRACK, "event": "Order Refunded", "properties": {"platform": 3}},
    {**IDENTIFY, "traits": {"email": "e", "plan": "pro"}},
    {**IDENTIFY, "traits": {"email": "e", "plan": 1}},
    {**IDENTIFY, "traits": {"email": "e", "age": 3}},
]


def segment_accepts(document: dict[str, Any], message: dict[str, Any]) -> bool:
    """Segment's verdict: the COMMON rule and the call's rule (its latest version), each on the whole message."""
    rules = [rule for rule in document["rules"] if rule["type"] == "COMMON"]
    kind = message["type"].upper()
    own = [rule for rule in document["rules"] if rule["type"] == kind and rule.get("key") in (None, message.get("event"))]
    rules += own[-1:]
    return all(Draft7Validator(rule["jsonSchema"]).is_valid(message) for rule in rules)


@pytest.mark.parametrize("message", MESSAGES, ids=[str(index) for index in range(len(MESSAGES))])
def test_an_exported_plan_with_common_rules_keeps_its_verdicts_in_segment(message: dict[str, Any]) -> None:
    plan = load_plan_text(CLOSED)
    document, notes = export_segment(plan)
    assert notes == []
    mine = not [v for v in Validator(plan).check(message) if v.severity == "error"]
    assert segment_accepts(document, message) == mine


def test_export_then_import_of_common_rules_is_a_fixed_point_without_warnings() -> None:
    plan = load_plan_text(CLOSED)
    document, _ = export_segment(plan)
    closed = document["rules"][1]["jsonSchema"]["properties"]["properties"]
    assert list(closed["properties"]) == ["order_id", "platform"]  # the common field, copied in
    first = import_segment(document, "rules.json")
    assert [note for note in first.notes if note.severity == "warning"] == []
    assert list(first.document["events"]["Order Completed"]["properties"]) == ["order_id"]  # the copy dropped
    again = import_segment(export_segment(load_plan_text(first.text))[0], "rules.json")
    assert again.document == first.document


REQUIRED = """\
plan: Common Required
version: 1.0.0
common:
  context:
    app: {type: object, required: true}
  properties:
    platform: {type: string, required: true}
events:
  Opened: {}
  Closed:
    additional_properties: false
    properties:
      reason: {type: string}
identify:
  traits:
    email: {type: string}
"""
REQUIRED_MESSAGES = [
    {"type": "track", "event": "Opened", "userId": "u"},
    {"type": "track", "event": "Opened", "userId": "u", "context": {"app": {}}},
    {"type": "track", "event": "Opened", "userId": "u", "context": {"app": {}}, "properties": {"platform": "ios"}},
    {"type": "track", "event": "Closed", "userId": "u", "context": {"app": {}}, "properties": {}},
    {"type": "track", "event": "Closed", "userId": "u", "context": {"app": {}}, "properties": {"platform": "w"}},
    {"type": "identify", "userId": "u"},
    {"type": "identify", "userId": "u", "context": {"app": {}}},
]


@pytest.mark.parametrize("message", REQUIRED_MESSAGES, ids=[str(index) for index in range(len(REQUIRED_MESSAGES))])
def test_required_common_context_and_properties_keep_their_verdicts_in_segment(message: dict[str, Any]) -> None:
    """The COMMON rule requires ``context`` when the common context rules require part of it, and a call's
    rule its ``properties`` when a common property is required: an exported plan let a track or an identify
    without ``context`` through, and an open call without ``properties``."""
    plan = load_plan_text(REQUIRED)
    document, _ = export_segment(plan)
    mine = not [v for v in Validator(plan).check(message) if v.severity == "error"]
    assert segment_accepts(document, message) == mine


def test_required_common_rules_survive_export_then_import() -> None:
    first = import_segment(export_segment(load_plan_text(REQUIRED))[0], "rules.json")
    plan = load_plan_text(first.text)
    for message in REQUIRED_MESSAGES:
        before = sorted((v.code, v.path) for v in Validator(load_plan_text(REQUIRED)).check(message))
        assert sorted((v.code, v.path) for v in Validator(plan).check(message)) == before, message


SEGMENT_COMMON = {
    "name": "Common demo",
    "rules": [
        {
            "type": "COMMON",
            "version": 1,
            "jsonSchema": {
                "type": "object",
                "properties": {
                    "properties": {"type": "object", "properties": {"platform": {"type": "string"}}},
                    "traits": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
                },
                "required": ["traits"],
            },
        },
        {
            "type": "TRACK",
            "key": "Order Completed",
            "version": 1,
            "jsonSchema": {
                "type": "object",
                "properties": {
                    "properties": {
                        "type": "object",
                        "properties": {"order_id": {"type": "string"}},
                        "additionalProperties": False,
                    }
                },
            },
        },
    ],
}


def test_import_names_each_place_the_common_rule_reaches_further_than_common() -> None:
    result = import_segment(SEGMENT_COMMON, "rules.json")
    found = {(note.severity, note.pointer, note.message.split(":")[0]) for note in result.notes}
    assert ("warning", "/rules/0/jsonSchema/required", "every message must have 'traits'") in found
    assert (
        "warning",
        "/rules/0/jsonSchema",
        "track 'Order Completed' forbids unplanned properties and does not list the common 'platform'",
    ) in found
    assert (
        "info",
        "/rules/0/jsonSchema/properties/traits",
        "the common rules on 'traits' are not applied to the 'traits' of track, page, screen and alias calls (Segment applies them; the Spec gives those calls none)",
    ) in found
    # each note stands for a verdict that differs: a track call without traits, one with the common property
    plan = load_plan_text(result.text)
    message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o"}}
    assert not segment_accepts(SEGMENT_COMMON, message)
    assert Validator(plan).check(message) == []
    with_platform = {**message, "traits": {"email": "e"}, "properties": {"order_id": "o", "platform": "web"}}
    assert not segment_accepts(SEGMENT_COMMON, with_platform)
    assert Validator(plan).check(with_platform) == []
