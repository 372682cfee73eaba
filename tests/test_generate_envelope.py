"""``Tracker.check(message)`` judges any message as ``cdpctl validate`` does, envelope included.

The generated client's ``check`` takes any Segment message dict (not only those its typed methods
build): a message with no Spec ``type``, a track without its ``event``, no ``userId`` or ``anonymousId``,
a group without ``groupId``, objects that are not objects, bad timestamps and ``messageId`` values,
and the plan's ``common: context`` rules give the same violation codes, paths and severities as the
validation engine, message for message, and never an OK where ``validate`` refuses.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_generate_support import generate_to, load_module

from cdpctl.loader import load_plan_text
from cdpctl.validation import Validator

PLAN = """
plan: Envelope
version: 1.0.0
common:
  context:
    groupId: {type: string}
    app:
      type: object
      properties:
        version: {type: string, required: true}
events:
  Checked In:
    properties:
      place: {type: string, required: true}
  Old Thing Happened:
    deprecated: true
identify:
  traits:
    email: {type: string, format: email}
group:
  traits:
    name: {type: string}
pages:
  Home: {}
"""

GOOD = {"type": "track", "event": "Checked In", "userId": "u", "properties": {"place": "x"}}
MESSAGES: list[Any] = [
    GOOD,
    {"event": "Checked In", "userId": "u", "properties": {"place": "x"}},
    {"type": "bogus", "userId": "u"},
    {"type": 5, "userId": "u"},
    {"type": None, "userId": "u"},
    {"type": "track", "userId": "u"},
    {"type": "track", "event": 5, "userId": "u"},
    {"type": "track", "event": "  ", "userId": "u"},
    {**GOOD, "properties": None},
    {**GOOD, "properties": []},
    {**GOOD, "properties": {"place": 1}, "userId": None},
    {"type": "track", "event": "Checked In", "userId": "u"},
    {"type": "track", "event": "Nope", "userId": "u", "properties": {}},
    {"type": "track", "event": "Old Thing Happened", "anonymousId": "a"},
    {"type": "identify", "userId": "u", "traits": []},
    {"type": "identify", "userId": "u", "traits": None},
    {"type": "identify", "userId": "u", "traits": {"email": "nope"}, "context": 5},
    {"type": "group", "userId": "u", "traits": {}},
    {"type": "group", "userId": "u", "groupId": "", "traits": {"name": 1}},
    {**GOOD, "userId": {"a": 1}},
    {**GOOD, "userId": True},
    {**GOOD, "userId": "", "anonymousId": None},
    {**GOOD, "userId": 1.5},
    {"type": "alias", "userId": "u"},
    {"type": "alias", "previousId": "p"},
    {"type": "alias", "userId": "u", "previousId": "p", "timestamp": "yesterday"},
    {"type": "page", "userId": "u"},
    {"type": "page", "name": 5, "userId": "u"},
    {"type": "page", "name": "Home", "userId": "u", "category": 5},
    {"type": "screen", "name": "Any", "userId": "u"},
    {**GOOD, "context": []},
    {**GOOD, "context": {"groupId": 1, "app": {}}},
    {**GOOD, "context": {"app": 5}},
    {**GOOD, "timestamp": "nope", "sentAt": None, "receivedAt": "2024-05-06T09:01:51Z"},
    {**GOOD, "originalTimestamp": "2024-05-06T09:01:51+0100"},
    {**GOOD, "timestamp": "2024-05-06T09:01:51Z\n"},
    {**GOOD, "timestamp": "2016-12-31T23:59:60Z"},
    {**GOOD, "timestamp": "2016-12-31T22:59:60Z"},
    {**GOOD, "messageId": 5},
    {**GOOD, "messageId": "m" * 101},
    {**GOOD, "traits": 5, "integrations": "all"},
    [1, 2],
    "track",
]


@pytest.fixture(scope="module")
def tracker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("envelope")
    module: ModuleType = load_module(generate_to(PLAN, "envelope.yaml", folder / "envelope_client.py"), "envelope_client")
    return module.Tracker(object(), validate=True)


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(load_plan_text(PLAN, "envelope.yaml"))


def _same(tracker: Any, validator: Validator, message: Any) -> None:
    ours = sorted((v.code, v.path, v.severity) for v in tracker.check(message))
    theirs = sorted((v.code, v.path, v.severity) for v in validator.check(message))
    assert ours == theirs, message


@pytest.mark.parametrize("message", MESSAGES, ids=range(len(MESSAGES)))
def test_check_gives_validates_codes_and_paths_envelope_included(tracker: Any, validator: Validator, message: Any) -> None:
    _same(tracker, validator, message)


def test_a_message_of_no_spec_type_is_never_ok(tracker: Any) -> None:
    for message in ({"event": "Checked In", "userId": "u"}, {"type": "bogus", "userId": "u"}):
        assert [(v.code, v.path) for v in tracker.check(message)] == [("invalid_envelope", "type")]


VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.just(1.5),
    st.sampled_from(["", " ", "u", "Checked In", "Home", "2024-05-06T09:01:51Z", "track", "page", "group"]),
    st.just([]), st.just({}), st.just({"place": "x"}), st.just({"app": {"version": "1"}}),
)  # fmt: skip
FIELDS = ["type", "event", "name", "userId", "anonymousId", "groupId", "previousId", "properties", "traits",
          "context", "integrations", "timestamp", "messageId"]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4), base=st.sampled_from(MESSAGES[:30]))
def test_check_agrees_with_validate_on_generated_envelopes(
    tracker: Any, validator: Validator, base: dict[str, Any], changes: dict[str, Any]
) -> None:
    _same(tracker, validator, {**base, **changes})

