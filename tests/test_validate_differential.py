"""The fast path agrees with the jsonschema library on every message (hypothesis-generated, valid and invalid).

Three properties are checked on each generated message:

* the whole verdict (every violation, code, path and message) of the fast route
  (``check_bytes`` on the serialized message) equals that of the reference route
  (``check``: the envelope rules plus jsonschema on the compiled schema);
* a message the fast path accepts has no error under the reference route;
* "no error-severity violation" is exactly "the Segment envelope rules hold and
  ``jsonschema.Draft7Validator(compiled schema).is_valid(message)``" for planned calls (patterns
  matched as ECMA-262, by :func:`cdpctl.patterns.draft7_validator`; identify and group traits
  read from ``context.traits`` when the message has no ``traits``).

Messages hold integers beyond 64 bits, identify and group traits sent under
``context.traits`` only, and values nested deeper than the limit of one record.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdpctl.compiler import call_schema
from cdpctl.formats import format_checker
from cdpctl.loader import load_plan
from cdpctl.model import Call, Plan, Property
from cdpctl.patterns import draft7_validator
from cdpctl.spec import envelope_problems
from cdpctl.validation import Validator
from cdpctl.validation.engine import parse_json, with_context_traits
from cdpctl.validation.jsonread import MAX_DEPTH, nesting

ROOT = Path(__file__).resolve().parents[1]
PLANS = {"acme": ROOT / "plans" / "acme-shop.yaml", "tricky": ROOT / "tests" / "data" / "validate-tricky.yaml"}


@cache
def plan_of(name: str) -> Plan:
    return load_plan(str(PLANS[name]))


@cache
def validator_of(name: str) -> Validator:
    return Validator(plan_of(name))


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)

FORMAT_SAMPLES = {
    "email": ["a@b.co", "jane.doe@example.com", "a@b", "a b@c.de", "a@b.co\n", ""],
    "uri": ["https://example.com/x", "mailto:a@b.co", "example.com", "http:// x", "https://x\n"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-426614174000\n"],
    "date": ["2024-02-29", "2024-13-01", "2024-1-01", "2024-02-29\n"],
    "date-time": ["2024-05-01T10:00:00Z", "2024-05-01T10:00:00.123+02:00", "2024-05-01 10:00:00Z", "2024-05-01T25:00:00Z", "2024-05-01T10:00:00Z\n", "2024-05-01"],
    "ipv4": ["192.168.0.1", "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4\n"],
}


def string_values(prop: Property) -> st.SearchStrategy[Any]:
    constraints = prop.constraints
    options: list[st.SearchStrategy[Any]] = [st.text(max_size=6)]
    if "pattern" in constraints:
        pattern = constraints["pattern"]
        options.append(st.from_regex(re.compile(pattern)))
        options.append(st.from_regex(re.compile(pattern)).map(lambda s: s + "\n"))
    if "format" in constraints:
        options.append(st.sampled_from(FORMAT_SAMPLES.get(constraints["format"], ["x"])))
    for key in ("enum", "const"):
        if key in constraints:
            values = constraints[key] if key == "enum" else [constraints[key]]
            options.append(st.sampled_from(values))
            options.append(st.sampled_from(values).map(lambda v: v + "\n" if isinstance(v, str) else v))
    low = constraints.get("min_length", 0)
    high = constraints.get("max_length", low + 3)
    options.append(st.text(min_size=max(0, low - 1), max_size=high + 1))
    return st.one_of(options)


def number_values(prop: Property) -> st.SearchStrategy[Any]:
    constraints = prop.constraints
    bounds = [constraints[k] for k in ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum") if k in constraints]
    near = [b + d for b in bounds for d in (-1, -0.5, 0, 0.5, 1)]
    options: list[st.SearchStrategy[Any]] = [
        st.integers(min_value=-20, max_value=20),
        st.floats(min_value=-5, max_value=5, allow_nan=False),
        st.integers(min_value=-20, max_value=20).map(float),
        st.integers(min_value=2**62, max_value=2**66),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.sampled_from([2**64, 2**64 + 1, -(2**64) - 1, 3 * 2**64, 10**30, 9007199254740993 * 3]),
        st.sampled_from([0, -0.0, 1e300, -1e300, 2**53, 2**53 + 1, 9007199254740993, 0.1 + 0.2]),
    ]
    if near:
        options.append(st.sampled_from(near))
        options.append(st.sampled_from([int(b) for b in near]))
    if "multiple_of" in constraints:
        step = constraints["multiple_of"]
        options.append(st.integers(min_value=-40, max_value=40).map(lambda k: k * step))
        options.append(st.integers(min_value=-400, max_value=400).map(lambda k: round(k * step, 2)))
    for key in ("enum", "const"):
        if key in constraints:
            values = constraints[key] if key == "enum" else [constraints[key]]
            options.append(st.sampled_from(values))
            options.append(st.sampled_from([float(v) for v in values if isinstance(v, int)] or [0.5]))
    return st.one_of(options)


def value_of(prop: Property, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = prop.type
    if kind == "string":
        good: st.SearchStrategy[Any] = string_values(prop)
    elif kind in ("integer", "number"):
        good = number_values(prop)
    elif kind == "boolean":
        good = st.booleans() | st.sampled_from([0, 1])
    elif kind == "object":
        good = object_of(prop.properties, depth + 1)
    elif kind == "array":
        items = value_of(prop.items, depth + 1) if prop.items is not None else JSON
        low = prop.constraints.get("min_items", 0)
        high = prop.constraints.get("max_items", low + 3)
        good = st.lists(items, min_size=max(0, low - 1), max_size=min(high + 1, 5))
        good = good | st.lists(items, min_size=1, max_size=2).map(lambda xs: xs + xs)  # duplicates
    else:
        good = JSON
    return st.one_of(good, good, good, JSON if depth < 2 else JSON_SCALARS, st.none())


def object_of(properties: dict[str, Property], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    optional = {name: value_of(prop, depth) for name, prop in properties.items()}
    extra = st.dictionaries(st.sampled_from(["extra", "Order_Id", "x"]), JSON_SCALARS, max_size=1)
    base = st.fixed_dictionaries({}, optional=optional)
    return st.builds(lambda a, b, keep_extra: {**a, **b} if keep_extra else a, base, extra, st.integers(0, 3).map(lambda n: n == 0))


IDS = st.sampled_from(["u-1", "", 0, 1.5, None, True, {}, "absent"])
STAMPS = st.sampled_from(["absent", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z\n", "yesterday", None, 5])
CONTEXTS = st.sampled_from(["absent", {}, {"library": {"name": "x"}}, None, "ctx"])


@st.composite
def messages(draw: st.DrawFn, plan_name: str) -> dict[str, Any]:
    plan = plan_of(plan_name)
    calls = list(plan.calls())
    call: Call = draw(st.sampled_from(calls))
    message: dict[str, Any] = {"type": call.type}
    if draw(st.integers(0, 15)) == 0:
        message["type"] = draw(st.sampled_from(["track", "alias", "trak", None]))
    if call.type == "track":
        message["event"] = call.name if draw(st.integers(0, 9)) else draw(st.sampled_from(["", "Unknown", None, 5]))
    elif call.type in ("page", "screen"):
        message["name"] = call.name if draw(st.integers(0, 9)) else draw(st.sampled_from(["Nope", None]))
    for key, strategy in (("userId", IDS), ("anonymousId", IDS), ("timestamp", STAMPS), ("context", CONTEXTS)):
        value = draw(strategy) if draw(st.integers(0, 3)) == 0 else {"userId": "u-1", "anonymousId": "absent", "timestamp": "2024-05-01T10:00:00Z", "context": {}}[key]
        if value != "absent":
            message[key] = value
    fields = draw(object_of(call.fields))
    shape = draw(st.integers(0, 12))
    if shape == 0:
        pass  # no properties/traits at all
    elif shape == 1:
        message[call.field_key] = draw(st.sampled_from([None, [], "x"]))
    elif call.field_key == "traits" and shape == 2:  # as rudder-sdk-python sends identify traits
        message["context"] = {"traits": fields, "library": {"name": "analytics-python"}}
        if draw(st.booleans()):
            message["traits"] = draw(st.sampled_from([{}, {"x": 1}]))
    else:
        message[call.field_key] = fields
    if draw(st.integers(0, 9)) == 0:  # a deep value somewhere the plan does not look, or where it does
        where = draw(st.sampled_from(["context", call.field_key]))
        if isinstance(message.get(where), dict):
            message[where] = {**message[where], "deep": nested(draw(st.integers(1, 230)))}
    return message


def nested(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


def key(violations: list[Any] | None) -> list[tuple[Any, ...]]:
    assert violations is not None
    return sorted((v.code, v.severity, v.type, v.event, v.path, v.message) for v in violations)


def reference_valid(plan: Plan, message: dict[str, Any]) -> bool | None:
    """The jsonschema library's verdict (``None`` when the call is not planned)."""
    if envelope_problems(message):
        return False
    call_type = message.get("type")
    name = message.get("event") if call_type == "track" else message.get("name")
    call = plan.find_call(str(call_type), name if isinstance(name, str) else None)
    if call is None:
        return None
    if call.field_key == "traits":  # identify and group traits: from context.traits when the message has none
        message = with_context_traits(message)
    # jsonschema's Draft 7 validator, its pattern keywords on the ECMA-262 engine plans use ('$' is the very end)
    return bool(draft7_validator()(call_schema(call), format_checker=format_checker()).is_valid(message))


def check_agreement(plan_name: str, message: Any) -> None:
    validator = validator_of(plan_name)
    raw = json.dumps(message).encode()  # big integers too (orjson refuses to write them)
    try:
        message = parse_json(raw)  # what a reader of the line sees: integers exactly
    except ValueError:  # nesting deeper than the limit: malformed on every route
        assert nesting(raw) > MAX_DEPTH
        assert validator.check_bytes(raw) is None and validator.check_raw(raw) is None
        return
    reference = validator.check_reference(message)
    assert key(validator.check_bytes(raw)) == key(reference), message
    assert key(validator.check(message)) == key(reference), message
    accepted = validator.check_raw(raw)
    errors = [v for v in reference if v.severity == "error"]
    if accepted is not None:
        assert errors == [], message
    verdict = reference_valid(plan_of(plan_name), message)
    if verdict is not None:
        assert verdict == (not errors), (message, reference)


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(messages("acme"))
def test_fast_path_agrees_with_jsonschema_on_acme(message: dict[str, Any]) -> None:
    check_agreement("acme", message)


@SETTINGS
@given(messages("tricky"))
def test_fast_path_agrees_with_jsonschema_on_tricky_rules(message: dict[str, Any]) -> None:
    check_agreement("tricky", message)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"code": "ab\n"}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"when": "2024-05-01T10:00:00Z\n"}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"id": "123e4567-e89b-12d3-a456-426614174000\n"}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"count": 3.0}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"count": True}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"count": 9007199254740993}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"count": 2**64 + 2}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"level": 1.0}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"level": True}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"scores": [1, 1.0]}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"scores": [0, False]}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"grid": [[1, 2], [2, 2]]}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"cents": 19.99}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"ratio": 0.75}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"name": "éé"}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"name": "😀"}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"lines": [{"sku": "AB1", "qty": 1, "free": 1}]}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"lines": [{"sku": "AB1", "qty": 0}]}},
        {"type": "track", "event": "Everything", "userId": "u", "properties": {"meta": {"source": "s", "inner": {"depth": 1.5}}}},
        {"type": "track", "event": "Big", "userId": "u", "properties": {"big": 9007199254740992.0}},
        {"type": "track", "event": "Loose", "userId": "u", "properties": {"must": "m", "other": [1, {"a": None}]}},
        {"type": "identify", "userId": True, "anonymousId": "a", "traits": {"age": None}},
        {"type": "identify", "userId": "u", "timestamp": None, "context": None, "traits": None},
        {"type": "page", "name": "Pricing", "anonymousId": "a", "properties": {}},
        {"type": "page", "anonymousId": "a", "properties": {"path": "/"}},
        {"type": "screen", "name": "Anything", "userId": "u"},
        {"type": "alias", "userId": "u", "previousId": ""},
    ],
)
def test_edge_cases_agree(message: dict[str, Any]) -> None:
    check_agreement("tricky", message)


def test_duplicate_keys_and_odd_json_agree() -> None:
    validator = validator_of("acme")
    good = '"order_id":"o","total":1,"currency":"EUR","products":[{"product_id":"p","price":1}]'
    lines = [
        '{"type":"track","event":"Order Completed","userId":"u","properties":{' + good + '},"type":"identify","traits":{"x":1}}',
        '{"type":"track","event":"Order Completed","userId":"u","properties":{' + good + ',"total":"x"}}',
        '{"type":"track","event":"Order Completed","userId":"u","properties":{"total":"x",' + good + "}}",
        '{"type":"track","event":"Order Completed","userId":"u","context":{"n":1e400},"properties":{' + good + "}}",
        '{"type":"track","event":"Order Completed","userId":"u","event":"Nope","properties":{' + good + "}}",
        '{"event":"Nope","type":"track","event":"Order Completed","userId":"u","properties":{' + good + "}}",
        '{"type":"identify","event":"Order Completed","userId":"u","properties":{' + good + "}}",
        '{"type":"track","event":"Order Completed","userId":"u","properties":{' + good + ',"total":1e400}}',
    ]
    for line in lines:
        raw = line.encode()
        assert key(validator.check_bytes(raw)) == key(validator.check_reference(json.loads(line))), line
    assert validator.check_bytes(b'{"type":"track","event":"Order Completed","userId":"u","x":"\xff"}') is None
    nullable_bounded = {"type": "identify", "userId": "u", "traits": {"age": float("inf")}}
    assert key(validator_of("tricky").check(nullable_bounded)) == key(validator_of("tricky").check_reference(nullable_bounded))


def test_the_fast_path_does_accept_the_example_log() -> None:
    validator = validator_of("acme")
    lines = (ROOT / "examples" / "events.ndjson").read_bytes().splitlines()
    assert lines and all(validator.check_raw(line) is not None for line in lines)
    assert not validator_of("tricky")._fast.unsupported.get("Everything")  # type: ignore[union-attr]
