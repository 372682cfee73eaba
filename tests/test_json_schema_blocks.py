"""Raw ``json_schema:`` blocks as JSON Schema defines them, and the formats the JSON-Schema-Test-Suite showed wrong.

The whole suite runs in ``tests/test_conformance.py``; these are the cases
issue reports named, end to end (the real ``cdpctl`` process, compiled schemas
read by plain jsonschema validators).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from test_generate_support import load_module

from cdpctl.codegen import generate_python
from cdpctl.compiler import compile_plan
from cdpctl.errors import PlanLoadError
from cdpctl.formats import format_checker
from cdpctl.loader import load_plan_text
from cdpctl.model import Plan
from cdpctl.validation import Validator

TREE = {
    "definitions": {
        "node": {
            "type": "object",
            "properties": {"value": {"type": "integer"}, "children": {"$ref": "#/definitions/nodes"}},
        }
    },
    "allOf": [{"$ref": "#/definitions/node"}],
}
TREE["definitions"]["nodes"] = {"type": "array", "items": {"$ref": "#/definitions/node"}}  # type: ignore[index]

BLOCKS: dict[str, Any] = {
    "tree": TREE,
    "self": {"properties": {"next": {"$ref": "#"}, "n": {"type": "integer"}}, "additionalProperties": False},
    "anything": True,
    "nothing": False,
    "modern": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/pair",
        "$defs": {"pair": {"prefixItems": [{"type": "string"}, {"$anchor": "n", "type": "integer"}], "items": False}},
    },
    # draft-07 blocks whose root is a $ref into the block itself (the compiled wrapper once took their '#':
    # PointerToNowhere, a traceback); a "$ref" inside enum is data, and a subschema with an $id its own base
    "root $defs": {"$defs": {"a": {"type": "integer"}}, "$ref": "#/$defs/a"},
    "root property": {"properties": {"x": {"type": "string"}}, "$ref": "#/properties/x"},
    "root anyOf": {"anyOf": [{"type": "boolean"}], "$ref": "#/anyOf/0"},
    "root data": {"$defs": {"a": {"enum": [{"$ref": "#/x"}]}}, "$ref": "#/$defs/a"},
    "root base": {
        "$ref": "#/definitions/inner",
        "definitions": {"inner": {"$id": "http://example.com/inner.json", "items": {"$ref": "#/definitions/n"},
                                  "definitions": {"n": {"type": "integer"}}}},
    },
}

CASES: list[tuple[str, Any, bool]] = [
    ("tree", {"value": 1, "children": [{"value": 2, "children": []}]}, True),
    ("tree", {"value": 1, "children": [{"value": "two"}]}, False),
    ("self", {"n": 1, "next": {"n": 2, "next": {"n": 3}}}, True),
    ("self", {"n": 1, "next": {"n": 2, "next": {"type": "track"}}}, False),  # '#' is the block, not the message
    ("anything", {"any": ["thing"]}, True),
    ("nothing", 0, False),
    ("modern", ["a", 1], True),
    ("modern", ["a", 1, 2], False),
    ("modern", [1, 1], False),
    ("root $defs", 1, True),
    ("root $defs", "s", False),
    ("root property", "s", True),
    ("root property", 1, False),
    ("root anyOf", True, True),
    ("root anyOf", 1, False),
    ("root data", {"$ref": "#/x"}, True),
    ("root data", {"$ref": "#/allOf/0/x"}, False),
    ("root base", [1, 2], True),
    ("root base", [1, "2"], False),
]


def plan_text(blocks: dict[str, Any]) -> str:
    events = {
        name: {"additional_properties": True, "properties": {"v": {"json_schema": block, "required": True}}}
        for name, block in blocks.items()
    }
    return json.dumps({"plan": "Blocks", "version": "1.0.0", "events": events})


def message(event: str, value: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": event,
        "userId": "u",
        "timestamp": "2024-05-01T10:00:00Z",
        "properties": {"v": value},
    }


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan_text(plan_text(BLOCKS))


@pytest.mark.parametrize(("event", "value", "valid"), CASES)
def test_references_resolve_within_the_block_on_both_engines(plan: Plan, event: str, value: Any, valid: bool) -> None:
    raw = json.dumps(message(event, value)).encode()
    for fast in (True, False):
        violations = Validator(plan, fast=fast).check_bytes(raw)
        assert violations is not None
        assert (not violations) == valid, (fast, violations)


@pytest.mark.parametrize("draft", ["07", "2020-12"])
def test_compiled_schemas_give_the_same_verdicts_in_plain_validators(plan: Plan, draft: str) -> None:
    """What ``cdpctl compile`` writes is standard JSON Schema: jsonschema's own classes agree with cdpctl."""
    compiled = compile_plan(plan, draft)
    plain = Draft7Validator if draft == "07" else Draft202012Validator
    for event, value, valid in CASES:
        schema = compiled.for_call("track", event)
        assert schema is not None
        assert plain(schema.schema, format_checker=format_checker()).is_valid(message(event, value)) == valid, (
            event,
            value,
        )


def test_a_block_without_references_compiles_verbatim(plan: Plan) -> None:
    compiled = compile_plan(load_plan_text(plan_text({"e": {"type": "string", "maxLength": 3}})))
    schema = compiled.for_call("track", "e")
    assert schema is not None
    assert schema.schema["properties"]["properties"]["properties"]["v"] == {"type": "string", "maxLength": 3}
    wrapped = compile_plan(plan).for_call("track", "self")
    assert wrapped is not None
    block = wrapped.schema["properties"]["properties"]["properties"]["v"]
    assert block["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert block["$id"].startswith("urn:cdpctl:json-schema:")


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        (3, "must be a JSON Schema (a mapping, or true or false)"),
        (
            {"$ref": "#/definitions/missing"},
            "'#/definitions/missing' in the 'json_schema' of property 'v' points nowhere inside the block",
        ),
        ({"$ref": "http://example.com/other.json"}, 'refers to another document ("http://example.com/other.json")'),
        ({"$schema": "http://example.com/my-dialect"}, "is not a dialect cdpctl knows"),
        ({"type": "string", "pattern": "(?<=a)b"}, "has a pattern cdpctl cannot run"),
        ({"type": 3}, "is not a valid JSON Schema"),
        (  # x is "x or a string": checking a value never ends (it failed every message with a Python error)
            {"$ref": "#/definitions/x", "definitions": {"x": {"anyOf": [{"$ref": "#/definitions/x"}, {"type": "string"}]}}},
            "refers back to itself without descending into the value (checking null never ends)",
        ),
        (
            {"definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"not": {"$ref": "#/definitions/a"}}}, "$ref": "#/definitions/a"},
            "refers back to itself",
        ),
    ],
)
def test_a_block_cdpctl_cannot_apply_is_a_plan_error(block: Any, reason: str) -> None:
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(plan_text({"e": block}))
    assert reason in str(info.value)


def doubling_chain(length: int) -> dict[str, Any]:
    """``a0`` is ``a1 or a1``, ``a1`` is ``a2 or a2``...: 2 ** length checks of a value that fails."""
    definitions: dict[str, Any] = {f"a{i}": {"anyOf": [{"$ref": f"#/definitions/a{i + 1}"}] * 2} for i in range(length)}
    definitions[f"a{length}"] = {"type": "string"}
    return {"definitions": definitions, "$ref": "#/definitions/a0"}


def test_a_block_whose_references_multiply_is_a_plan_error_found_without_running_it() -> None:
    """A 40-link chain loaded for ever, in every command, and a 16-link one took 20 s and 2.3 GB (the check
    for endless references ran it); the checks one value asks for are counted instead, in linear time."""
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(plan_text({"e": doubling_chain(40)}))
    assert "asks for more than 10,000 checks of one value" in str(info.value)
    plan = load_plan_text(plan_text({"e": doubling_chain(10)}))  # 2 ** 10 checks: allowed, and right
    validator = Validator(plan, fast=False)
    assert validator.check(message("e", "text")) == []
    assert [v.code for v in validator.check(message("e", 3))] == ["constraint_failed"]


def test_the_meta_schema_is_a_reference_a_block_may_use() -> None:
    plan = load_plan_text(plan_text({"e": {"$ref": "http://json-schema.org/draft-07/schema#"}}))
    validator = Validator(plan, fast=False)
    assert validator.check(message("e", {"type": "string"})) == []
    assert [v.code for v in validator.check(message("e", {"type": 12}))] == ["constraint_failed"]


def test_validate_command_reads_a_block_with_definitions_without_a_traceback(tmp_path: Path) -> None:
    """The report that opened this: ``#/definitions/x`` in a block crashed ``validate``."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_text({"tree": TREE}), encoding="utf-8")
    events = tmp_path / "events.ndjson"
    lines = [
        message("tree", {"value": 1, "children": [{"value": 2}]}),
        message("tree", {"value": 1, "children": [{"value": "x"}]}),
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    for extra in ([], ["--no-fast-path"]):
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", "validate", str(events), "--plan", str(plan), "--format", "json", *extra],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "Traceback" not in done.stderr
        assert done.returncode == 1, done.stderr
        report = json.loads(done.stdout)
        assert report["summary"]["valid"] == 1 and report["summary"]["invalid"] == 1, report["summary"]


FORMAT_CASES: list[tuple[str, str, bool]] = [
    ("time", "23:59:60Z", True),
    ("time", "15:59:60-08:00", True),
    ("time", "22:59:60Z", False),
    ("time", "23:58:60Z", False),
    ("date-time", "1998-12-31T23:59:60Z", True),
    ("date-time", "1998-12-31T22:59:60Z", False),
    ("date-time", "2021-02-29T10:00:00Z", False),
    ("date", "2020-02-29", True),
    ("date", "2021-02-30", False),
    ("date", "2020-04-31", False),
    ("date", "2100-02-29", False),
    ("ipv6", "1::d6:192.168.0.1", True),
    ("ipv6", "::ffff:192.168.0.1", True),
    ("ipv6", "::ffff:192.168.0.300", False),
    ("email", '"joe bloggs"@example.com', True),
    ("email", "joe.bloggs@[IPv6:::1]", True),
    ("email", "te..st@example.com", False),
    ("hostname", "xn--9n2bp8q.xn--9t4b11yi5a", True),
    ("hostname", "xn--X", False),
    ("uri", "http://user:pass@example.com/a?b#c", True),
    ("uri", "http://example.com/a\\b", False),
]


@pytest.fixture(scope="module")
def format_plan() -> Plan:
    events = {
        f"f{index}": {"properties": {"v": {"type": "string", "format": fmt, "required": True}}}
        for index, (fmt, _, _) in enumerate(FORMAT_CASES)
    }
    return load_plan_text(json.dumps({"plan": "Formats", "version": "1.0.0", "events": events}))


@pytest.mark.parametrize(("index", "case"), list(enumerate(FORMAT_CASES)), ids=[f"{c[0]}:{c[1]}" for c in FORMAT_CASES])
def test_formats_as_the_rfcs_define_them_on_both_engines(
    format_plan: Plan, index: int, case: tuple[str, str, bool]
) -> None:
    _, value, valid = case
    raw = json.dumps(message(f"f{index}", value)).encode()
    for fast in (True, False):
        violations = Validator(format_plan, fast=fast).check_bytes(raw)
        assert violations is not None
        assert (not violations) == valid, (fast, violations)


@pytest.mark.parametrize(
    ("stamp", "valid"),
    [("2016-12-31T23:59:60Z", True), ("2016-12-31T22:59:60Z", False), ("2021-02-29T00:00:00Z", False)],
)
def test_envelope_timestamps_follow_the_same_date_time_rules(format_plan: Plan, stamp: str, valid: bool) -> None:
    line = {**message("f0", "23:59:60Z"), "timestamp": stamp}
    for fast in (True, False):
        validator = Validator(format_plan, fast=fast)
        for _ in range(2):  # the fast path remembers timestamp parts it has seen: the second look is the same
            violations = validator.check_bytes(json.dumps(line).encode())
            assert violations is not None
            assert (not violations) == valid, (fast, violations)
        # a leap second that was right with one offset is not taken for right with another
        shifted = {**line, "timestamp": stamp[:19] + "+01:00"}
        assert validator.check_bytes(json.dumps(shifted).encode())


def test_generated_clients_check_plan_formats_as_cdpctl_does(format_plan: Plan, tmp_path: Path) -> None:
    """The generated client's runtime validation (``Tracker(validate=True)``) agrees on every format case."""
    path = tmp_path / "formats_client.py"
    path.write_text(generate_python(format_plan), encoding="utf-8")
    module = load_module(path, "formats_client")
    tracker = module.Tracker(object(), validate=True)
    reference = Validator(format_plan, fast=False)
    for index, (_, value, valid) in enumerate(FORMAT_CASES):
        line = message(f"f{index}", value)
        found = tracker.check(line)
        assert (not found) == valid, (value, found)
        assert sorted((v.code, v.path) for v in found) == sorted((v.code, v.path) for v in reference.check(line))
    late = {**message("f0", "23:59:60Z"), "timestamp": "2016-12-31T22:59:60Z"}
    assert [v.code for v in tracker.check(late)] == ["invalid_envelope"]


def test_a_block_that_refers_to_itself_through_a_value_loads_and_checks_a_tree() -> None:
    node = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/definitions/node"}}}}
    plan = load_plan_text(plan_text({"tree": {"$ref": "#/definitions/node", "definitions": {"node": node}}}))
    tree = {"children": [{"children": [{"children": []}]}]}
    good = {"type": "track", "event": "tree", "userId": "u", "properties": {"v": tree}}
    bad = {"type": "track", "event": "tree", "userId": "u", "properties": {"v": {"children": [3]}}}
    for fast in (True, False):
        validator = Validator(plan, fast=fast)
        assert validator.check(good) == []
        assert [v.code for v in validator.check(bad)] == ["type_mismatch"]


UNIQUE_PLAN = """\
plan: Uniq
version: 1.0.0
events:
  Tags Set:
    properties:
      tags: {type: array, items: any, unique_items: true}
      raw: {json_schema: {type: array, uniqueItems: true}}
"""


@pytest.mark.parametrize(
    ("items", "unique"),
    [
        ([[True], [1], [True]], False),  # jsonschema sorts with Python's True == 1: the two [true] never met
        ([[{"a": False}], [{"a": 0}], [{"a": False}]], False),
        ([[0], [False], [0]], False),
        ([["a", True], ["a", 1], ["a", True]], False),
        ([[1], [1.0]], False),  # JSON: 1 and 1.0 are one number
        ([{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),  # key order does not count
        ([True, 1], True),  # JSON: true is not 1
        ([[0], [False]], True),
        ([None, False, 0, "", [], {}], True),
    ],
)
def test_unique_items_follows_json_equality_on_every_route(items: list[Any], unique: bool) -> None:
    plan = load_plan_text(UNIQUE_PLAN)
    for field in ("tags", "raw"):
        message = {"type": "track", "event": "Tags Set", "userId": "u", "properties": {field: items}}
        raw = json.dumps(message).encode()
        for fast in (True, False):
            codes = [v.code for v in Validator(plan, fast=fast).check_bytes(raw)]
            assert codes == ([] if unique else ["constraint_failed"]), (field, fast, items)
