"""The messages the fast path rejects: ``validate_lines`` reports exactly what the reference route reports.

The reference route parses each line whole and judges each message with
``Validator.check_reference`` (the envelope rules plus jsonschema on the
compiled schema).  ``validate_lines`` takes shortcuts for the rejected messages
(only the fields parsed, only the failing parts checked, a type error settled
without jsonschema, findings of repeated bad values remembered): the counts,
groups, examples and what a ``--split`` sink receives must be the same.
"""

from __future__ import annotations

import json
from itertools import count, repeat
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_validate_differential import key, messages, plan_of

from cdpctl.model import Plan
from cdpctl.validation import Report, Validator, validate_lines
from cdpctl.validation.engine import Sink, dump_json, parse_json
from cdpctl.validation.fastpath import Partial, Unplanned
from cdpctl.validation.jsonread import not_json_in, not_json_message
from cdpctl.validation.localize import JSON_TYPE_NAMES, MAX_MEMO, Node, json_types
from cdpctl.validation.violations import Violation

Entry = tuple[Any, ...]


class Recorder(Sink):
    """What a ``--split`` sink receives, violations sorted (their order is the route's)."""

    def __init__(self) -> None:
        self.items: list[Entry] = []

    def valid(self, raw: bytes) -> None:
        self.items.append(("valid", raw))

    def invalid(self, message: Any, violations: list[Violation]) -> None:
        self.items.append(("invalid", json.dumps(message, sort_keys=True), sorted_violations(violations)))

    def malformed(self, raw: bytes) -> None:
        self.items.append(("malformed", raw))


def sorted_violations(violations: list[Violation]) -> list[tuple[Any, ...]]:
    return sorted((v.code, v.severity, v.type, v.event, v.path, v.message) for v in violations)


def reference(plan: Plan, lines: list[bytes]) -> tuple[dict[str, Any], list[Entry]]:
    """Every line parsed whole, every message judged by the reference route alone."""
    validator = Validator(plan, fast=False)
    report = Report()
    sink = Recorder()
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if not stripped:
            continue
        try:
            value = parse_json(stripped)
        except ValueError as exc:
            report.record_malformed("f", number, str(exc))
            sink.malformed(raw[:-1] if raw.endswith(b"\n") else raw)
            continue
        batch = value if isinstance(value, list) else None
        if isinstance(value, dict) and "type" not in value and isinstance(value.get("batch"), list):
            batch = value["batch"]
        items = [(value, None)] if batch is None else [(item, index) for index, item in enumerate(batch)]
        for message, index in items:
            token = not_json_in(message)
            if token is not None:  # a NaN or Infinity: that message is malformed, the others are checked
                report.record_malformed("f", number, not_json_message(token), b"", index)
                sink.malformed(dump_json(message, tokens=True))  # as read: it held NaN or Infinity
                continue
            violations = validator.check_reference(message)
            if report.record(message, violations, "f", number, index):
                sink.invalid(message, violations)
            else:
                sink.valid(stripped if batch is None else dump_json(message))
    return report.to_json(), sink.items


def fast(validator: Validator, lines: list[bytes]) -> tuple[dict[str, Any], list[Entry]]:
    sink = Recorder()
    report = validator.add_hints(validate_lines(validator, zip(lines, repeat("f"), count(1)), sink))
    # without a sink, the lines that need a closer look wait for the end of the batch: same report
    deferred = validator.add_hints(validate_lines(validator, zip(lines, repeat("f"), count(1))))
    assert deferred.to_json() == report.to_json()
    return report.to_json(), sink.items


def assert_same(plan_name: str, lines: list[bytes], validator: Validator | None = None) -> None:
    plan = plan_of(plan_name)
    expected = reference(plan, lines)
    assert fast(validator or Validator(plan), lines) == expected, lines


def serialized(message: Any, form: int) -> bytes:
    text = json.dumps(message, separators=(",", ":"))
    if form == 1 and text.startswith("{"):
        # a number beyond a double's range: the whole line is read by the json module, not orjson
        text = '{"context":{"n":1e400},' + text[1:] if text != "{}" else text
    elif form == 2:
        text = json.dumps([message, message])
    elif form == 3:
        text = json.dumps({"batch": [message]})
    return text.encode() + b"\n"


def lines_strategy(plan_name: str) -> st.SearchStrategy[list[bytes]]:
    item = st.tuples(messages(plan_name), st.integers(0, 12), st.integers(0, 20))

    def build(drawn: list[tuple[dict[str, Any], int, int]]) -> list[bytes]:
        out = []
        for message, form, junk in drawn:
            out.append(serialized(message, form if form < 4 else 0))
            if junk == 0:
                out.append(b'{"type":"track",\n')
            elif junk == 1:
                out.append(b"\n")
        return out

    return st.lists(item, min_size=1, max_size=8).map(build)


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(lines_strategy("acme"))
def test_rejected_messages_are_reported_as_the_reference_reports_them_on_acme(lines: list[bytes]) -> None:
    assert_same("acme", lines)


@SETTINGS
@given(lines_strategy("tricky"))
def test_rejected_messages_are_reported_as_the_reference_reports_them_on_tricky_rules(lines: list[bytes]) -> None:
    assert_same("tricky", lines)


def line(event: str, properties: Any, **envelope: Any) -> bytes:
    message = {"type": "track", "event": event, "userId": "u", **envelope, "properties": properties}
    return json.dumps(message).encode() + b"\n"


def test_shortcut_cases_agree_with_the_reference() -> None:
    lines = [
        line("Everything", {"level": "2"}),  # mistyped enum value: the type error alone
        line("Everything", {"mood": 5, "fixed": 1, "code": 7, "ratio": "x", "scores": {"a": 1}}),
        line("Everything", {"meta": {"source": "s", "extra": 1, "other": 2}}),  # only unplanned names
        line("Everything", {"meta": {"source": 5, "extra": 1}, "zzz": 1}),
        line("Everything", {"meta": "flat"}),
        line("Everything", {"id": "ZZZ", "site": "nope", "fixed": "v2", "code": "abc", "day": "2024-02-30x"}),
        line("Everything", {"id": "123e4567-e89b-12d3-a456-42661417400g", "email": "a b@c.de", "mood": "calm"}),
        line("Everything", {"name": "x", "code": "ab"}),  # a length error: jsonschema words it
        line("Everything", {"name": "abcdef", "when": "2024-05-01T10:00:00Z\n"}),
        line("Everything", {"lines": [{"sku": "AB1", "qty": 0, "x": 1}, {"sku": "ab"}, 5]}),
        line("Everything", {"count": 2**64 + 3}),
        line("Everything", {"count": 2**64 + 3}, context={"n": 1}).replace(b'"n": 1', b'"n": 1e400'),
        line("Everything", {"count": 18446744073709551617, "level": 7}, sentAt=1),
        line("Everything", {"level": 9}, timestamp="yesterday"),
        line("Everything", None),
        line("Everything", [1]),
        line("Big", {"big": 1e400}),
        line("Loose", {"other": 1}),
        b'{"type":"track","event":"Loose","userId":"u","properties":{"must":1},"properties":{"must":"m","x":[1]}}\n',
        b'{"type":"identify","userId":"u","traits":{"age":"1","plan":"gold","x":1}}\n',
        b'{"type":"identify","userId":"u"}\n',
        # right properties, an envelope rule broken: the whole-message struct hands over what it decoded
        line("Loose", {"must": "m"}, timestamp="yesterday"),
        line("Loose", {"must": "m", "x": [1]}, userId="", anonymousId=None, sentAt="2024-13-01T00:00:00Z"),
        line("Loose", {"must": "m"}, userId=None, originalTimestamp="2024-05-01 10:00:00", context={"a": 1}),
        line("Loose", {"must": "m"}, userId=7, timestamp="2024-05-01T10:00:00Z", sentAt="2024-05-01T10:00:00+25:00"),
        line("Loose", {"must": "m"}, userId="", integrations={}, traits={}),
    ]
    assert_same("tricky", lines)


def test_a_broken_envelope_around_right_properties_is_read_from_the_decoded_struct() -> None:
    envelopes: list[dict[str, Any]] = [
        {"timestamp": "yesterday"},
        {"userId": None, "sentAt": "2024-05-01T10:00:00Z", "originalTimestamp": "2024-05-01"},
        {"userId": "", "anonymousId": "", "context": {"ip": "x"}, "integrations": {}},
    ]
    lines = [line("Legacy Thing Happened", {"anything": [1, {"a": None}]}, **envelope) for envelope in envelopes]
    lines += [line("Chatbot Created", {"chatbot_id": "cb_abcd1234", "channels": ["web"]}, **envelope) for envelope in envelopes]
    validator = Validator(plan_of("acme"))
    assert validator.fast is not None
    for raw in lines:  # the route under test: no parse of the message for its envelope
        outcome = validator.fast.examine(raw)
        assert isinstance(outcome, Partial) and outcome.decoded is not None and outcome.envelope() is not None
    # a deprecated event accepted between rejected ones: its warning's examples keep the order of the lines
    lines.insert(1, line("Legacy Thing Happened", {"ok": True}))
    lines.append(line("Legacy Thing Happened", {}))
    assert_same("acme", lines, validator)
    report = validate_lines(validator, zip(lines, repeat("f"), count(1)))
    assert report.warnings == 5 and report.invalid == 6
    warned = next(group for group in report.groups.values() if group.code == "deprecated_event")
    assert [example.line for example in warned.examples] == [1, 2, 3, 4, 8][: len(warned.examples)]


def test_an_unplanned_call_with_a_right_envelope_is_reported_without_a_parse() -> None:
    def page(name: str, **fields: Any) -> bytes:
        return json.dumps({"type": "page", "name": name, "anonymousId": "a", **fields}).encode() + b"\n"

    clean = [
        line("Order Completd", {"order_id": "o1"}),  # a did-you-mean
        line("Something Else", {}, anonymousId="a", userId=None, timestamp="2024-05-01T10:00:00Z"),
        page("Pricng", properties={"plan": "pro"}),
        page("", properties={}),
        page("Nowhere"),
    ]
    # the reference route decides these (an envelope problem beside the unplanned event, or instead of it)
    other = [
        line("Order Completd", [1]),
        line("Order Completd", "x", timestamp="yesterday"),
        line("   ", {}),
        line("Unknown", {}, userId="", anonymousId=None),
        page("Pricng", properties=None),
    ]
    validator = Validator(plan_of("acme"))
    assert validator.fast is not None
    for raw in clean:
        assert isinstance(validator.fast.examine(raw), Unplanned), raw
    for raw in other:
        assert not isinstance(validator.fast.examine(raw), Unplanned), raw
    assert_same("acme", clean + other, validator)
    for raw in clean + other:
        assert key(validator.check_bytes(raw)) == key(validator.check_reference(parse_json(raw)))
    report = validate_lines(validator, zip(clean, repeat("f"), count(1)))
    assert report.invalid == len(clean) and {group[2] for group in report.groups} == {"unplanned_event"}


def test_a_repeated_bad_value_reads_the_same_each_time_and_the_memo_stays_bounded() -> None:
    validator = Validator(plan_of("tricky"))
    lines = [line("Everything", {"mood": "angry", "name": "x"}) for _ in range(3)]
    lines += [line("Everything", {"mood": f"m{n}", "name": "y" * (n % 7)}) for n in range(MAX_MEMO + 40)]
    lines += [line("Everything", {"lines": [{"sku": "bad", "qty": 200}]}) for _ in range(2)]
    assert_same("tricky", lines, validator)
    assert_same("tricky", lines, validator)  # a second run answers from the memo
    assert validator.fast is not None
    entry = validator.fast.entry("track", "Everything")
    assert entry is not None
    mood = validator.root(entry).children["mood"]  # type: ignore[index]
    assert isinstance(mood, Node)
    assert 0 < len(mood.memo) <= MAX_MEMO


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=4,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_the_type_shortcut_reads_types_as_jsonschema_does(value: Any) -> None:
    from jsonschema import Draft7Validator

    names = json_types(value)
    assert names is not None
    checker = Draft7Validator({}).is_type
    assert names == {name for name in JSON_TYPE_NAMES if checker(value, name)}
