"""Differential tests of ``cdpctl import segment`` on the real Segment plans under ``../shared/fixtures``.

For every imported event, generated messages (valid ones from the original schema, plus arbitrary ones
built from its property names and any JSON values, plus mutations of valid ones) must be accepted or
rejected alike by the original Segment schema, cdpctl's compiled schema and the exported Segment rule.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, validators

from cdpctl.compiler import compile_plan
from cdpctl.formats import format_checker
from cdpctl.interop.convert import clean_schema, draft_of
from cdpctl.interop.export import export_segment
from cdpctl.interop.importer import import_segment
from cdpctl.interop.segment_read import read_segment
from cdpctl.loader import load_plan_text

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
PLANS = FIXTURES / "segment-plans"
SHAPES = FIXTURES / "json-schema-shapes"
PLAN_FILES = sorted(PLANS.glob("*.json")) if PLANS.is_dir() else []
SHAPE_FILES = sorted(SHAPES.glob("*.json")) if SHAPES.is_dir() else []

pytestmark = pytest.mark.skipif(not PLANS.is_dir(), reason="../shared/fixtures is absent")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["Evil Morty", "FOO", "2024-01-02T03:04:05Z", "yes", "no"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


FORMAT_EXAMPLES = {
    "date-time": ["2024-01-02T03:04:05Z", "1999-12-31T23:59:59.5+02:00"],
    "date": ["2024-02-29"],
    "time": ["12:00:00Z"],
    "email": ["a@example.com"],
    "uri": ["https://example.com/x"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000"],
    "ipv4": ["10.0.0.1"],
    "ipv6": ["::1"],
    "hostname": ["example.com"],
}


def valid_values(schema: Any) -> st.SearchStrategy[Any]:
    """Values valid under a (Draft-07) schema, for the shapes Segment plans use; filtered by the validator."""
    if schema is True or schema == {} or not isinstance(schema, dict):
        return json_values
    validator = Draft7Validator(schema, format_checker=format_checker())
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"]).filter(validator.is_valid)
    types = schema.get("type")
    kinds = [types] if isinstance(types, str) else list(types or [])
    if not kinds:
        return json_values.filter(validator.is_valid)
    options = [_typed(kind, schema) for kind in kinds]
    return st.one_of(options).filter(validator.is_valid)


def _typed(kind: str, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum", -(10**9)), schema.get("maximum", 10**9))
    if kind == "number":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.floats(low, high, allow_nan=False, allow_infinity=False) | st.integers(-1000, 1000)
    if kind == "string":
        if "format" in schema:
            return st.sampled_from(FORMAT_EXAMPLES.get(schema["format"], ["x"]))
        if "pattern" in schema:
            return st.from_regex(schema["pattern"])
        return st.text(min_size=schema.get("minLength", 0), max_size=max(schema.get("minLength", 0), 12))
    if kind == "array":
        items = valid_values(schema.get("items", {}))
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=max(schema.get("minItems", 0), 3))
    props = schema.get("properties") or {}
    required = [name for name in schema.get("required", []) if isinstance(name, str)]
    optional = [name for name in props if name not in required]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value: dict[str, Any] = {}
        for name in required:
            value[name] = draw(valid_values(props.get(name, {})))
        for name in optional:
            if draw(st.booleans()):
                value[name] = draw(valid_values(props[name]))
        if schema.get("additionalProperties", True) is not False and draw(st.booleans()):
            value.setdefault("unplanned_extra", draw(json_values))
        return value

    return build()


def shape_document(path: Path) -> dict[str, Any]:
    """A bare schema of ``json-schema-shapes/`` as a local Typewriter plan with one event."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    return {
        "name": "Shapes",
        "events": [{"name": schema.get("title", path.stem), "rules": {"properties": {"properties": schema}}}],
    }


def documents() -> list[tuple[str, dict[str, Any]]]:
    docs = [(path.name, json.loads(path.read_text(encoding="utf-8"))) for path in PLAN_FILES]
    docs += [(path.name, shape_document(path)) for path in SHAPE_FILES]
    return docs


class Case:
    """One imported event: the original schema of its properties, cdpctl's compiled schema, the exported rule."""

    def __init__(self, source: str, document: dict[str, Any], name: str) -> None:
        self.source, self.name = source, name
        rule = next(r for r in read_segment(document).rules if r.name == name and r.kind == "TRACK")
        self.wrapped = rule.wrapped
        self.original = rule.schema
        fields = rule.schema.get("properties", {}).get("properties", {}) if rule.wrapped else rule.schema
        self.fields = clean_schema(fields if isinstance(fields, dict) else {}, draft_of(rule.schema))
        self.fields.pop("description", None)
        result = import_segment(document, source)
        plan = load_plan_text(result.text, "imported.yaml")
        compiled = compile_plan(plan).for_call("track", name)
        assert compiled is not None, f"{name!r} was not imported"
        exported, _ = export_segment(plan)
        self.exported = next(r["jsonSchema"] for r in exported["rules"] if r.get("key") == name)
        checker = format_checker()
        self.v_original = validators.validator_for(self.original)(self.original, format_checker=checker)
        self.v_compiled = validators.validator_for(compiled.schema)(compiled.schema, format_checker=checker)
        self.v_exported = validators.validator_for(self.exported)(self.exported, format_checker=checker)

    def verdicts(self, properties: dict[str, Any]) -> tuple[bool, bool, bool]:
        message = {"type": "track", "event": self.name, "userId": "user-1", "properties": properties}
        original = self.v_original.is_valid({"properties": properties} if self.wrapped else properties)
        return original, self.v_compiled.is_valid(message), self.v_exported.is_valid({"properties": properties})

    def names(self) -> list[str]:
        found: list[str] = []

        def walk(schema: Any) -> None:
            if isinstance(schema, dict):
                for key, sub in (schema.get("properties") or {}).items():
                    found.append(key)
                    walk(sub)
                walk(schema.get("items"))

        walk(self.fields)
        return found or ["x"]


def cases() -> list[tuple[str, str]]:
    result = []
    for source, document in documents():
        for rule in read_segment(document).rules:
            if rule.kind == "TRACK" and rule.name is not None:
                result.append((source, rule.name))
    return result


_CACHE: dict[tuple[str, str], Case] = {}


def get_case(source: str, name: str) -> Case:
    if (source, name) not in _CACHE:
        document = dict(documents())[source]
        _CACHE[(source, name)] = Case(source, document, name)
    return _CACHE[(source, name)]


def mutate(value: dict[str, Any], data: st.DataObject, names: list[str]) -> dict[str, Any]:
    """A valid value made (probably) invalid: a key dropped, a value replaced, or a key added."""
    result = json.loads(json.dumps(value))
    action = data.draw(st.sampled_from(["drop", "replace", "add", "deep"]))
    keys = list(result)
    if action == "drop" and keys:
        del result[data.draw(st.sampled_from(keys))]
    elif action == "replace" and keys:
        result[data.draw(st.sampled_from(keys))] = data.draw(json_values)
    elif action == "deep":
        for item in result.values():
            if isinstance(item, dict) and item:
                item[data.draw(st.sampled_from(list(item)))] = data.draw(json_values)
                break
            if isinstance(item, list) and item:
                item[0] = data.draw(json_values)
                break
    else:
        result[data.draw(st.sampled_from(names))] = data.draw(json_values)
    return result


SEEN: dict[str, int] = {"valid": 0, "invalid": 0}


@pytest.mark.parametrize(("source", "name"), cases())
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the assertion message shows the whole message
)
@given(data=st.data())
def test_original_compiled_and_exported_agree(source: str, name: str, data: st.DataObject) -> None:
    case = get_case(source, name)
    valid = data.draw(valid_values({**case.fields, "type": "object"}), label="valid")
    arbitrary = data.draw(st.dictionaries(st.sampled_from(case.names()), json_values, max_size=5), label="arbitrary")
    mutated = mutate(valid, data, case.names())
    for label, properties in (("valid", valid), ("arbitrary", arbitrary), ("mutated", mutated)):
        original, compiled, exported = case.verdicts(properties)
        if label == "valid":
            assert original, f"generator produced an invalid value for {name!r}: {properties!r}"
        SEEN["valid" if original else "invalid"] += 1
        assert original == compiled, f"{source} {name!r} {label} {properties!r}: original {original}, cdpctl {compiled}"
        assert original == exported, f"{source} {name!r} {label} {properties!r}: original {original}, export {exported}"


def test_the_differential_test_saw_both_verdicts() -> None:
    """Guard against a vacuous run: over the fixtures, some generated messages are rejected."""
    case = get_case(PLAN_FILES[-1].name, "Every Required Type") if PLAN_FILES else None
    assert case is not None
    assert case.verdicts({}) == (False, False, False)
    valid = {
        "required any": 1,
        "required array": [],
        "required boolean": True,
        "required int": 3,
        "required number": 1.5,
        "required object": {},
        "required string": "s",
        "required string with regex": "Evil Morty",
        "required object with properties": {
            "required any": None,
            "required array": [1],
            "required boolean": False,
            "required int": 1,
            "required number": 2,
            "required object": {},
            "required string": "a",
            "required string with regex": "Lawyer Morty",
        },
        "required array with properties": [],
    }
    assert case.verdicts(valid) == (True, True, True)
    assert case.verdicts({**valid, "required int": 1.5}) == (False, False, False)
    assert case.verdicts({**valid, "required string with regex": "Rick"}) == (False, False, False)
