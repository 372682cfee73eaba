"""The plan's ``common:`` rules name what is missing where it is missing, on every route.

A message without ``context`` when the common context rules require some of it is ``required_missing`` at
``context``, even when its ``properties``/``traits`` object is missing too; an identify without traits
is not ``required_missing`` at ``traits`` when only ``context`` is missing; a common context rule that
fails inside ``context`` has the code of any plan rule, at its own path (it was one ``invalid_envelope``
at ``context`` for every rule); and the message of a missing
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
    ({"type": "track", "event": "Opened", "userId": "u"}, [("required_missing", "context"), ("required_missing", "properties")]),
    ({"type": "track", "event": "Opened", "userId": "u", "context": {"app": {}}}, [("required_missing", "properties")]),
    ({"type": "track", "event": "Opened", "userId": "u", "properties": {"platform": "ios"}}, [("required_missing", "context")]),
    ({"type": "identify", "userId": "u"}, [("required_missing", "context")]),
    ({"type": "identify", "userId": "u", "context": {"app": {}}}, []),
    ({"type": "track", "event": "Closed", "userId": "u"}, [("required_missing", "context"), ("required_missing", "properties")]),
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
    assert texts["context"] == "the message has no 'context' object (the plan requires app)"
    opened = {v.path: v.message for v in validator.check({"type": "track", "event": "Opened", "userId": "u"})}
    assert opened["properties"].endswith("(the plan requires platform)")


def test_the_generated_client_agrees(tmp_path: Path) -> None:
    module = load_module(generate_to(PLAN, "common.yaml", tmp_path / "common_client.py"), "common_client")
    tracker = module.Tracker(object(), validate=True)
    for message, expected in CASES:
        assert sorted((v.code, v.path) for v in tracker.check(message)) == expected, message


def test_common_context_rules_have_the_codes_and_paths_of_plan_rules(tmp_path: Path) -> None:
    rules = (
        "    app:\n      type: object\n      required: true\n      properties:\n"
        "        version: {type: string, required: true}\n    locale: {type: string, pattern: '^[a-z]{2}$'}"
    )
    plan = PLAN.replace("    app: {type: object, required: true}", rules)
    base = {"type": "track", "event": "Opened", "userId": "u", "properties": {"platform": "ios"}}
    cases = [
        ({"app": {}, "locale": "EN-us"}, [("constraint_failed", "context.locale"), ("required_missing", "context.app.version")]),
        ({"locale": 5}, [("required_missing", "context.app"), ("type_mismatch", "context.locale")]),
        (5, [("invalid_envelope", "context")]),  # an object is the Spec's rule
        ({"app": {"version": "1"}, "locale": "en"}, []),
    ]
    module = load_module(generate_to(plan, "ctx.yaml", tmp_path / "ctx_client.py"), "ctx_client")
    tracker = module.Tracker(object(), validate=True)
    for fast in (True, False):
        validator = Validator(load_plan_text(plan, "ctx.yaml"), fast=fast)
        for context, expected in cases:
            message = {**base, "context": context}
            assert sorted((v.code, v.path) for v in validator.check_bytes(json.dumps(message).encode()) or []) == expected
            assert sorted((v.code, v.path) for v in tracker.check(message)) == expected, context
