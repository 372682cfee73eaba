"""The plan's ``common:`` rules name what is missing where it is missing, on every route.

A message without ``context`` when the common context rules require some of it is an ``invalid_envelope``
at ``context``, even when its ``properties``/``traits`` object is missing too; an identify without traits
is not ``required_missing`` at ``traits`` when only ``context`` is missing; and the message of a missing
fields object names the common properties the plan requires (it said "the plan requires " with nothing
after it).  Both routes of the engine and the generated client agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_generate_support import generate_to, load_module

from cdpctl.loader import load_plan_text
from cdpctl.validation import Validator

PLAN = """
plan: Common Rules
version: 1.0.0
common:
  context:
    app: {type: object, required: true}
  properties:
    platform: {type: string, required: true}
events:
  Opened: {}
  Closed:
    properties:
      reason: {type: string, required: true}
identify:
  traits:
    email: {type: string}
"""

CASES: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
    ({"type": "track", "event": "Opened", "userId": "u"}, [("invalid_envelope", "context"), ("required_missing", "properties")]),
    ({"type": "track", "event": "Opened", "userId": "u", "context": {"app": {}}}, [("required_missing", "properties")]),
    ({"type": "track", "event": "Opened", "userId": "u", "properties": {"platform": "ios"}}, [("invalid_envelope", "context")]),
    ({"type": "identify", "userId": "u"}, [("invalid_envelope", "context")]),
    ({"type": "identify", "userId": "u", "context": {"app": {}}}, []),
    ({"type": "track", "event": "Closed", "userId": "u"}, [("invalid_envelope", "context"), ("required_missing", "properties")]),
]  # fmt: skip


@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize(("message", "expected"), CASES)
def test_missing_context_and_fields_are_named_on_both_routes(
    message: dict[str, Any], expected: list[tuple[str, str]], fast: bool
) -> None:
    validator = Validator(load_plan_text(PLAN, "common.yaml"), fast=fast)
    found = validator.check_bytes(json.dumps(message).encode()) or []
    assert sorted((v.code, v.path) for v in found) == expected
    assert sorted((v.code, v.path) for v in validator.check(message)) == expected


def test_a_missing_fields_object_names_the_common_properties_required() -> None:
    validator = Validator(load_plan_text(PLAN, "common.yaml"))
    texts = {v.path: v.message for v in validator.check({"type": "track", "event": "Closed", "userId": "u"})}
    assert texts["properties"] == "the message has no 'properties' object (the plan requires reason, platform)"
    assert texts["context"] == "'context' is a required property"
    opened = {v.path: v.message for v in validator.check({"type": "track", "event": "Opened", "userId": "u"})}
    assert opened["properties"].endswith("(the plan requires platform)")


def test_the_generated_client_agrees(tmp_path: Path) -> None:
    module = load_module(generate_to(PLAN, "common.yaml", tmp_path / "common_client.py"), "common_client")
    tracker = module.Tracker(object(), validate=True)
    for message, expected in CASES:
        assert sorted((v.code, v.path) for v in tracker.check(message)) == expected, message
