"""``cdpctl import segment`` / ``export segment`` / ``export jsonschema`` / ``init``: units and CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.compiler import compile_plan
from cdpctl.errors import PlanLoadError
from cdpctl.formats import format_checker
from cdpctl.interop.convert import Converter
from cdpctl.interop.export import export_segment
from cdpctl.interop.importer import import_segment
from cdpctl.interop.yamlwrite import dump_plan, scalar
from cdpctl.loader import load_plan, load_plan_text

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
PLANS = FIXTURES / "segment-plans"
needs_fixtures = pytest.mark.skipif(not PLANS.is_dir(), reason="../shared/fixtures is absent")
PLAN_FILES = sorted(PLANS.glob("*.json")) if PLANS.is_dir() else []
NAMING_RULES = {
    "event-name-casing",
    "property-name-casing",
    "event-name-collision",
    "dynamic-event-name",
    "reserved-property",
}
runner = CliRunner()


def local_plan(events: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A local Typewriter plan: event name -> schema of its properties."""
    return {
        "name": "T",
        "events": [{"name": name, "rules": {"properties": {"properties": schema}}} for name, schema in events.items()],
    }


def imported(events: dict[str, dict[str, Any]], extract: bool = True) -> tuple[dict[str, Any], Any]:
    result = import_segment(local_plan(events), "t.json", extract=extract)
    return result.document, result


def convert(schema: Any) -> dict[str, Any]:
    return Converter().property(schema, "/x", ("x",))


# -- conversion --------------------------------------------------------------
def test_types_nullable_and_enums_become_plan_keys() -> None:
    assert convert({"type": ["string", "null"]}) == {"type": "string", "nullable": True}
    assert convert({"type": ["integer", "number"]}) == {"type": "number"}
    assert convert({"enum": ["a", "b"]}) == {"type": "string", "enum": ["a", "b"]}
    assert convert({"enum": [True, False, None]}) == {"type": "boolean", "nullable": True, "enum": [True, False, None]}
    # the enum decides about null, not the type list: null is not in the enum, so it is rejected
    assert convert({"type": ["string", "null"], "enum": ["yes", "no"]}) == {"type": "string", "enum": ["yes", "no"]}
    assert convert({"type": ["string", "boolean"], "enum": ["yes", True]}) == {"type": "any", "enum": ["yes", True]}
    assert convert({"type": "string", "format": "date-time", "pattern": "^2"}) == {
        "type": "string",
        "pattern": "^2",
        "format": "date-time",
    }


def test_draft04_exclusive_bounds_are_rewritten() -> None:
    converter = Converter(draft=4)
    got = converter.property({"type": "number", "maximum": 5, "exclusiveMaximum": True}, "/x", ("x",))
    assert got == {"type": "number", "exclusive_maximum": 5}


def test_unrepresentable_shapes_use_the_escape_hatch_with_a_note() -> None:
    converter = Converter()
    got = converter.property({"type": ["string", "number"], "description": "d", "id": "/p"}, "/rules/0/p", ("x",))
    assert got == {"description": "d", "json_schema": {"type": ["string", "number"]}}
    assert [(n.pointer, n.severity) for n in converter.notes] == [("/rules/0/p", "info")]
    assert converter.comments[("x",)] == ["a union type (string, number): kept as raw JSON Schema"]
    assert "json_schema" in convert({"anyOf": [{"type": "string"}, {"type": "integer"}]})
    assert "json_schema" in convert({"type": "null"})
    assert "json_schema" in convert({"type": "array", "items": [{"type": "string"}]})


def test_lossy_parts_are_reported_with_their_pointer() -> None:
    converter = Converter()
    got = converter.property({"type": "string", "title": "T", "pattern": "(?<!x"}, "/a/b~c", ("p",))
    assert got == {"type": "string"}
    pointers = sorted(note.pointer for note in converter.notes)
    assert pointers == ["/a/b~c/pattern", "/a/b~c/title"]
    assert all(note.severity == "warning" for note in converter.notes)
    assert any("lossy" in text and "/a/b~c/title" in text for text in converter.comments[("p",)])


def test_required_at_every_level_and_additional_properties() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "additionalProperties": False,
        "properties": {
            "a": {
                "type": "object",
                "required": ["b"],
                "properties": {"b": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}},
            }
        },
    }
    document, result = imported({"E": schema})
    event = document["events"]["E"]
    assert event["additional_properties"] is False
    assert event["properties"]["a"]["required"] is True
    assert event["properties"]["a"]["additional_properties"] is True  # JSON Schema default, differs from the event
    assert event["properties"]["a"]["properties"]["b"]["items"] == {"type": "array", "items": {"type": "integer"}}
    plan = load_plan_text(result.text)
    assert plan.events["E"].fields["a"].properties["b"].required


def test_a_recurring_blank_property_name_is_not_extracted_and_the_plan_loads() -> None:
    """A property named '' (or only spaces) may be planned in a call, not in the shared library: import
    keeps each use where it is, and what it writes loads."""
    schema = {"type": "object", "required": ["", "a"], "properties": {"": {"type": "string"}, " ": {}, "a": {}}}
    document, result = imported({"E": schema, "F": schema})
    plan = load_plan_text(result.text)
    assert "" not in (document.get("properties") or {}) and " " not in (document.get("properties") or {})
    assert set(plan.events["E"].fields) == {"", " ", "a"} and plan.events["F"].fields[""].required


def test_common_rule_becomes_common_section_and_applies_to_every_call() -> None:
    document = {
        "name": "P",
        "rules": [
            {
                "type": "COMMON",
                "version": 1,
                "jsonSchema": {
                    "properties": {
                        "properties": {
                            "type": "object",
                            "required": ["platform"],
                            "properties": {"platform": {"enum": ["web", "ios"]}},
                        },
                        "context": {"type": "object", "properties": {"app": {"type": "object"}}, "required": ["app"]},
                    }
                },
            },
            {
                "type": "TRACK",
                "key": "A",
                "version": 3,
                "jsonSchema": {"properties": {"properties": {"type": "object"}}},
            },
            {
                "type": "IDENTIFY",
                "version": 1,
                "jsonSchema": {"properties": {"traits": {"properties": {"email": {"type": "string"}}}}},
            },
        ],
    }
    result = import_segment(document, "p.json")
    assert result.document["common"]["properties"]["platform"] == {
        "type": "string",
        "required": True,
        "enum": ["web", "ios"],
    }
    plan = load_plan_text(result.text)
    assert plan.events["A"].version == 3
    schema = compile_plan(plan).for_call("track", "A")
    assert schema is not None
    validator = Draft7Validator(schema.schema)
    base = {"type": "track", "event": "A", "userId": "u", "context": {"app": {}}}
    assert validator.is_valid({**base, "properties": {"platform": "web"}})
    assert not validator.is_valid({**base, "properties": {"platform": "tv"}})
    assert not validator.is_valid({**base, "properties": {}})
    assert not validator.is_valid({**base, "context": {}, "properties": {"platform": "web"}})
    exported, _ = export_segment(plan)
    assert [rule["type"] for rule in exported["rules"]] == ["COMMON", "TRACK", "IDENTIFY"]
    again = import_segment(exported, "rules.json")
    assert again.document == result.document


def test_labels_become_tags_and_versions_are_kept() -> None:
    document = {
        "display_name": "Labels",
        "rules": {
            "events": [
                {"name": "A", "version": 2, "rules": {"labels": {"area": "account", "owner": "team-a", "beta": ""}}}
            ]
        },
    }
    result = import_segment(document, "l.json")
    event = result.document["events"]["A"]
    assert (event["version"], event["owner"], event["tags"]) == (2, "team-a", ["area:account", "beta"])
    exported, _ = export_segment(load_plan_text(result.text))
    assert exported["rules"][0]["jsonSchema"]["labels"] == {"owner": "team-a", "area": "account", "beta": ""}
    assert exported["rules"][0]["version"] == 2


def test_older_versions_of_a_rule_are_reported_not_silently_dropped() -> None:
    rules = [
        {"type": "TRACK", "key": "A", "version": v, "jsonSchema": {"properties": {"properties": {}}}} for v in (2, 1)
    ]
    result = import_segment({"name": "V", "rules": rules}, "v.json")
    assert result.document["events"]["A"]["version"] == 2
    assert [note.pointer for note in result.notes if "version 1" in note.message] == ["/rules/1/jsonSchema"]


# -- extraction --------------------------------------------------------------
def test_identical_recurring_properties_are_extracted_and_no_extract_keeps_them_inline() -> None:
    prop = {"type": "string", "description": "Order id.", "minLength": 1}
    events = {
        "A": {"type": "object", "required": ["order_id"], "properties": {"order_id": prop, "note": {"type": "string"}}},
        "B": {"type": "object", "properties": {"order_id": prop, "note": {"type": "integer"}}},
    }
    document, result = imported(events)
    assert document["properties"] == {"order_id": {"type": "string", "description": "Order id.", "min_length": 1}}
    assert document["events"]["A"]["properties"]["order_id"] == {"required": True}
    assert document["events"]["B"]["properties"]["order_id"] == {}
    assert "note" not in document["properties"]  # differs between events: stays inline
    flat, flat_result = imported(events, extract=False)
    assert "properties" not in flat
    assert flat["events"]["B"]["properties"]["order_id"]["min_length"] == 1
    for text in (result.text, flat_result.text):
        plan = load_plan_text(text)
        assert plan.events["A"].fields["order_id"].required
        assert plan.events["B"].fields["order_id"].constraints == {"min_length": 1}
        assert plan.events["B"].fields["note"].type == "integer"


# -- YAML writing ------------------------------------------------------------
HOSTILE = [
    "42_--terrible==\"event'++name~!3",
    "Event Collided",
    "event_collided",
    "yes",
    "null",
    "~",
    "<<",
    "=",
    "- dash",
    "a: b",
    "#hash",
    "trailing ",
    " leading",
    "1.0",
    "0x1F",
    "tab\tin",
    "line\nbreak",
    "back\\slash",
    "\u2028sep",
    "\x85nel",
    "\ufeffbom",
    "emoji \U0001f600",
    "{braces}",
    "[list]",
    "*star",
    "&amp",
    "!tag",
    "%percent",
    "@at",
    "`tick",
    "?q",
    "|pipe",
    ">gt",
    "'",
    '"',
    "",
]


def test_hostile_names_load_back_exactly() -> None:
    events = {
        name or "unnamed": {"type": "object", "properties": {name: {"type": "string", "enum": [name or "x"]}}}
        for name in HOSTILE
    }
    result = import_segment(local_plan(events), "h.json", extract=False)
    plan = load_plan_text(result.text)
    assert list(plan.events) == list(events)
    for event_name, schema in events.items():
        (prop_name,) = schema["properties"]
        assert list(plan.events[event_name].fields) == [prop_name]
        assert plan.events[event_name].fields[prop_name].constraints["enum"] == [prop_name or "x"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=12).filter(lambda s: s.strip()), min_size=1, max_size=4, unique=True),
    st.text(max_size=12),
)
def test_any_names_round_trip_through_the_yaml_writer(names: list[str], prop: str) -> None:
    events = {name: {"type": "object", "properties": {prop: {"type": "string", "description": name}}} for name in names}
    result = import_segment(local_plan(events), "h.json", extract=False)
    plan = load_plan_text(result.text)
    assert list(plan.events) == names
    for name in names:
        assert list(plan.events[name].fields) == [prop]
        assert plan.events[name].fields[prop].description == name


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()))
def test_scalars_load_back_to_the_same_value(value: Any) -> None:
    assert yaml.safe_load(f"k: {scalar(value)}") == {"k": value}
    assert yaml.safe_load(f"k: [{scalar(value)}, {scalar(value)}]") == {"k": [value, value]}


def test_writer_key_order_comments_and_flow_style() -> None:
    text = dump_plan(
        {"plan": "P", "version": "1.0.0", "events": {"A": {"properties": {"x": {"type": "string", "required": True}}}}},
        {("events", "A", "properties", "x"): ["note about x"]},
        ["header"],
    )
    assert text == (
        "# header\nplan: P\nversion: 1.0.0\n\nevents:\n  A:\n    properties:\n"
        "      # note about x\n      x: {type: string, required: true}\n"
    )


# -- fixtures ----------------------------------------------------------------
@needs_fixtures
@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_fixture_imports_loads_compiles_and_lints(path: Path, tmp_path: Path) -> None:
    result = import_segment(json.loads(path.read_text(encoding="utf-8")), path.name)
    target = tmp_path / "plan.yaml"
    target.write_text(result.text, encoding="utf-8")
    plan = load_plan(target)
    compiled = compile_plan(plan)
    for schema in compiled.schemas:
        Draft7Validator.check_schema(schema.schema)
    assert len(compiled.schemas) == len(plan.events) == result.events > 0
    plan_format = REPO / "cdpctl" / "schemas" / "plan.schema.json"
    if plan_format.is_file():  # the editor schema of the plan format accepts the imported plan too
        validator = Draft7Validator(json.loads(plan_format.read_text(encoding="utf-8")))
        assert [error.message for error in validator.iter_errors(yaml.safe_load(result.text))] == []
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "lint", str(target), "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    errors = [f for f in json.loads(done.stdout)["findings"] if f["severity"] == "error"]
    assert {f["rule"] for f in errors} <= NAMING_RULES, errors


@needs_fixtures
@pytest.mark.parametrize("path", PLAN_FILES, ids=lambda p: p.name)
def test_export_then_import_is_a_fixed_point(path: Path) -> None:
    first = import_segment(json.loads(path.read_text(encoding="utf-8")), path.name)
    exported, _ = export_segment(load_plan_text(first.text))
    second = import_segment(json.loads(json.dumps(exported)), "rules.json")
    assert second.document == first.document
    again, _ = export_segment(load_plan_text(second.text))
    assert again == exported


@needs_fixtures
def test_hostile_and_colliding_names_survive_import() -> None:
    path = PLANS / "public-api-v2-typewriter-e2e.json"
    plan = load_plan_text(import_segment(json.loads(path.read_text(encoding="utf-8")), path.name).text)
    assert "42_--terrible==\\\"event'++name~!3" in plan.events
    assert {"Event Collided", "event_collided", "Property Object Name Collision #1"} <= set(plan.events)
    assert {"Property Collided", "property_collided"} <= set(plan.events["Properties Collided"].fields)


def test_contract_plan_exports_and_reimports_with_the_same_meaning() -> None:
    plan = load_plan(REPO / "plans" / "acme-shop.yaml")
    exported, _ = export_segment(plan)
    back = load_plan_text(import_segment(exported, "rules.json").text)
    assert list(back.events) == list(plan.events)
    original, roundtrip = compile_plan(plan), compile_plan(back)
    messages = [
        {"total": 10, "currency": "USD", "order_id": "o1", "products": [{"product_id": "p", "price": 1}]},
        {"total": 10, "currency": "XXX", "order_id": "o1", "products": [{"product_id": "p", "price": 1}]},
        {"total": 10, "currency": "USD", "order_id": "", "products": [{"product_id": "p", "price": 1}]},
        {"total": 10, "currency": "USD", "order_id": "o1", "products": []},
        {"total": 10, "currency": "USD", "order_id": "o1", "products": [{"product_id": "p"}]},
        {"total": 10, "currency": "USD", "order_id": "o1", "products": [{"product_id": "p", "price": 1, "x": 1}]},
        {"total": 10, "currency": "USD", "order_id": "o1", "products": [{"product_id": "p", "price": 1}], "extra": 1},
        {
            "total": 1,
            "currency": "USD",
            "order_id": "o",
            "products": [{"product_id": "p", "price": 1}],
            "placed_at": "x",
        },
        {"total": 1, "currency": "USD", "order_id": "o", "products": [{"product_id": "p", "price": 1}], "coupon": None},
    ]
    a = original.for_call("track", "Order Completed")
    b = roundtrip.for_call("track", "Order Completed")
    assert a is not None and b is not None
    va = Draft7Validator(a.schema, format_checker=format_checker())
    vb = Draft7Validator(b.schema, format_checker=format_checker())
    verdicts = []
    for properties in messages:
        message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": properties}
        verdicts.append(va.is_valid(message))
        assert va.is_valid(message) == vb.is_valid(message), properties
    assert True in verdicts and False in verdicts


# -- plan format extensions --------------------------------------------------
def test_json_schema_escape_hatch_is_checked_and_compiled_verbatim() -> None:
    plan = load_plan_text(
        "plan: P\nevents:\n  A:\n    properties:\n      u: {json_schema: {type: [string, number]}, required: true, description: d}\n"
    )
    schema = compile_plan(plan).for_call("track", "A")
    assert schema is not None
    assert schema.schema["properties"]["properties"]["properties"]["u"] == {
        "description": "d",
        "type": ["string", "number"],
    }
    with pytest.raises(PlanLoadError) as info:
        load_plan_text("plan: P\nevents:\n  A:\n    properties:\n      u: {json_schema: {type: 3}, type: string}\n")
    messages = [issue.message for issue in info.value.issues]
    assert any("cannot be combined with 'json_schema'" in m for m in messages)
    assert all(issue.pos.line == 5 for issue in info.value.issues)


# -- CLI -----------------------------------------------------------------------
def test_cli_import_reports_notes_and_exit_codes(tmp_path: Path) -> None:
    source = tmp_path / "plan.json"
    source.write_text(
        json.dumps(local_plan({"A": {"properties": {"u": {"type": ["string", "number"], "title": "t"}}}}))
    )
    out = tmp_path / "out" / "plan.yaml"
    done = runner.invoke(app, ["import", "segment", str(source), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "/events/0/rules/properties/properties/properties/u/title" in done.stderr
    assert load_plan(out).events["A"].fields["u"].extra["json_schema"] == {"type": ["string", "number"]}
    assert runner.invoke(app, ["import", "segment", str(source), "--strict"]).exit_code == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = runner.invoke(app, ["import", "segment", str(bad)])
    assert done.exit_code == 2 and "bad.json:1:2: not valid JSON" in done.stderr
    bad.write_text("[1, 2]")
    done = runner.invoke(app, ["import", "segment", str(bad)])
    assert done.exit_code == 2 and "a Segment tracking plan is a JSON object" in done.stderr
    bad.write_text('{"rules": "nope", "events": 3}')
    done = runner.invoke(app, ["import", "segment", str(bad)])
    assert done.exit_code == 2 and "not a Segment tracking plan" in done.stderr and done.stdout == ""
    assert runner.invoke(app, ["import", "segment", str(tmp_path / "missing.json")]).exit_code == 2
    blank = json.dumps({"name": "S", "events": [{"name": "  ", "rules": {}}, {"name": "Ok", "rules": {}}]})
    done = runner.invoke(app, ["import", "segment", "-"], input=blank)
    assert done.exit_code == 0 and "stdin: warning: /events/0: an event needs a 'name'" in done.stderr
    assert list(load_plan_text(done.stdout).events) == ["Ok"]


def test_cli_export_segment_and_jsonschema(tmp_path: Path) -> None:
    plan = str(REPO / "plans" / "acme-shop.yaml")
    done = runner.invoke(app, ["export", "segment", plan])
    assert done.exit_code == 0, done.output
    rules = json.loads(done.stdout)["rules"]
    assert {"type": "TRACK", "key": "Order Completed"}.items() <= rules[0].items()
    out = tmp_path / "schemas"
    assert runner.invoke(app, ["export", "jsonschema", plan, "--out", str(out)]).exit_code == 0
    index = json.loads((out / "index.json").read_text())
    assert index["plan"] == "Acme Shop" and (out / index["schemas"][0]["file"]).is_file()
    broken = tmp_path / "broken.yaml"
    broken.write_text("plan: P\nevents:\n  A: {requird: true}\n")
    done = runner.invoke(app, ["export", "segment", str(broken)])
    assert done.exit_code == 2 and "broken.yaml:3:7" in done.stderr


# -- init ----------------------------------------------------------------------
def test_init_yes_writes_a_working_project_and_refuses_to_overwrite(tmp_path: Path) -> None:
    done = runner.invoke(app, ["init", str(tmp_path), "--yes", "--name", 'Acme "Shop"'])
    assert done.exit_code == 0, done.output
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/tracking-plan.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        "cdpctl.yaml",
        "plans/tracking-plan.yaml",
    ]
    plan = load_plan(tmp_path / "plans" / "tracking-plan.yaml")
    assert plan.name == 'Acme "Shop"' and plan.identify is not None
    assert yaml.safe_load((tmp_path / "cdpctl.yaml").read_text())["plan"] == "plans/tracking-plan.yaml"
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [hook["id"] for hook in hooks] == ["cdpctl-lint"]
    workflow = yaml.safe_load((tmp_path / ".github/workflows/tracking-plan.yml").read_text())
    assert any(step.get("run") == "cdpctl lint" for step in workflow["jobs"]["plan"]["steps"])
    lint = subprocess.run(
        [sys.executable, "-m", "cdpctl", "lint"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    (tmp_path / "cdpctl.yaml").write_text("plan: mine.yaml\n")
    done = runner.invoke(app, ["init", str(tmp_path), "--yes"])
    assert done.exit_code == 2 and "use --force" in done.stderr
    assert (tmp_path / "cdpctl.yaml").read_text() == "plan: mine.yaml\n"
    assert runner.invoke(app, ["init", str(tmp_path), "--yes", "--force"]).exit_code == 0
    assert "plans/tracking-plan.yaml" in (tmp_path / "cdpctl.yaml").read_text()


def test_init_prompts_when_interactive(tmp_path: Path) -> None:
    done = runner.invoke(app, ["init", str(tmp_path)], input="Chat Bot\nplan.yaml\nnone\nn\n")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", "cdpctl.yaml", "plan.yaml"]
    assert load_plan(tmp_path / "plan.yaml").name == "Chat Bot"
    assert runner.invoke(app, ["init", str(tmp_path / "x"), "--yes", "--plan-file", "../escape.yaml"]).exit_code == 2


# -- junk and random schemas -------------------------------------------------
KEYWORDS = st.sampled_from(
    ["type", "properties", "required", "items", "enum", "const", "pattern", "format", "minimum", "maximum"]
    + ["exclusiveMinimum", "additionalProperties", "anyOf", "$ref", "minLength", "uniqueItems", "title", "a", "b"]
)
LEAVES = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False)
LEAVES |= st.sampled_from(
    ["string", "integer", "number", "object", "array", "null", "boolean", "date-time", "^a", "[", "a"]
)
JUNK = st.recursive(LEAVES, lambda c: st.lists(c, max_size=3) | st.dictionaries(KEYWORDS, c, max_size=4), max_leaves=15)
VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(-3, 3)
    | st.sampled_from(["a", "abc", "", "2024-01-01T00:00:00Z"]),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["a", "b", "c"]), c, max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None)
@given(JUNK, st.booleans())
@example({"type": {"items": {"pattern": None}}}, False)  # jsonschema 4.24 checks format before type
def test_junk_rule_schemas_never_crash_and_always_give_a_loadable_plan(schema: Any, wrapped: bool) -> None:
    js = {"properties": {"properties": schema}} if wrapped else {"eventMetadata": {"name": "A"}, "properties": schema}
    result = import_segment({"name": "F", "rules": [{"type": "TRACK", "key": "A", "jsonSchema": js}]}, "f.json")
    compile_plan(load_plan_text(result.text))


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["a", "b"]), JUNK, max_size=2),
    st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), VALUES, max_size=3), max_size=6),
)
def test_random_valid_schemas_keep_their_meaning(props: dict[str, Any], instances: list[dict[str, Any]]) -> None:
    """Random (valid) property schemas: where nothing was reported lossy, the verdicts are the same."""
    fields = {"type": "object", "properties": props}
    try:
        Draft7Validator.check_schema(fields)
    except Exception:
        return
    result = import_segment(local_plan({"A": fields}), "f.json")
    if any(note.severity == "warning" for note in result.notes):
        return
    compiled = compile_plan(load_plan_text(result.text)).for_call("track", "A")
    assert compiled is not None
    original = Draft7Validator(fields, format_checker=format_checker())
    ours = Draft7Validator(compiled.schema, format_checker=format_checker())
    for properties in instances:
        message = {"type": "track", "event": "A", "userId": "u", "properties": properties}
        assert original.is_valid(properties) == ours.is_valid(message), (fields, properties, result.text)


def test_validate_enforces_common_rules_and_raw_schemas(tmp_path: Path) -> None:
    """The extensions reach ``cdpctl validate`` too (its fast path leaves them to the reference path)."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: P\nversion: 1.0.0\ncommon:\n  properties:\n    platform: {type: string, required: true}\n"
        "events:\n  A:\n    properties:\n      value: {json_schema: {type: [string, number]}}\n",
        encoding="utf-8",
    )
    events = tmp_path / "events.ndjson"
    lines = [
        {"type": "track", "event": "A", "userId": "u", "properties": {"platform": "web", "value": 1}},
        {"type": "track", "event": "A", "userId": "u", "properties": {"platform": "web", "value": [1]}},
        {"type": "track", "event": "A", "userId": "u", "properties": {"value": "x"}},
    ]
    events.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(events), "--plan", str(plan), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert (summary["valid"], summary["invalid"]) == (1, 2), done.stdout


def test_extension_keys_are_kept_both_ways() -> None:
    schema = {"type": "object", "properties": {"p": {"type": "string", "x-pii": True, "description": 5}}}
    result = import_segment(local_plan({"A": schema}), "x.json")
    assert result.document["events"]["A"]["properties"]["p"] == {"type": "string", "x-pii": True}
    assert [n.pointer for n in result.notes] == ["/events/0/rules/properties/properties/properties/p/description"]
    plan = load_plan_text(result.text)
    assert plan.events["A"].fields["p"].extra == {"x-pii": True}
    exported, _ = export_segment(plan)
    assert exported["rules"][0]["jsonSchema"]["properties"]["properties"]["properties"]["p"]["x-pii"] is True
    assert import_segment(exported, "e.json").document == result.document


RAW_BLOCKS = """\
plan: Raw
version: 1.0.0
events:
  R:
    properties:
      a: {json_schema: {definitions: {pos: {type: integer, minimum: 1}}, type: array, items: {$ref: "#/definitions/pos"}}}
      b: {json_schema: {$schema: "https://json-schema.org/draft/2020-12/schema", prefixItems: [{type: string}], items: false}}
      c: {json_schema: {type: object, properties: {child: {$ref: "#"}}, additionalProperties: false}}
      d: {json_schema: {$ref: "#/definitions/s", definitions: {s: {type: string, maxLength: 3}}}}
"""


def test_raw_blocks_export_as_resources_and_import_back() -> None:
    """A raw block's ``$ref``s and dialect mean in the exported rule what they mean in the plan (each block is a
    schema resource of its own, as in a compiled schema: it was copied in, so ``#`` meant the whole message);
    importing the export gives the blocks back as written."""
    from cdpctl.diff import diff_plans
    from cdpctl.validation import Validator

    plan = load_plan_text(RAW_BLOCKS, "raw.yaml")
    document, _ = export_segment(plan)
    rule = next(r for r in document["rules"] if r.get("key") == "R")
    exported = Draft7Validator(rule["jsonSchema"], format_checker=format_checker())
    validator = Validator(plan)
    for properties in ({"a": [1, 2]}, {"a": [0]}, {"b": ["x"]}, {"b": ["x", 1]}, {"c": {"child": {}}},
                       {"c": {"child": {"zz": 1}}}, {"d": "abc"}, {"d": "abcd"}):
        message = {"type": "track", "event": "R", "userId": "u", "properties": properties}
        planned = not [v for v in validator.check(message) if v.severity == "error"]
        assert exported.is_valid({"properties": properties}) == planned, properties
    back = import_segment(json.loads(json.dumps(document)), "export.json")
    assert diff_plans(plan, load_plan_text(back.text, "back.yaml")) == []


def test_labels_written_twice_are_named_not_dropped_in_silence() -> None:
    """Segment labels hold one value a key: of ``area:x`` and ``area:y`` (or ``owner:`` beside the owner) the
    rule keeps the last, and the export says which was replaced."""
    plan = load_plan_text(
        "plan: T\nversion: 1.0.0\nevents:\n  E:\n    owner: growth\n    tags: ['area:x', 'area:y', plain, 'owner:other']\n",
        "tags.yaml",
    )
    document, notes = export_segment(plan)
    assert document["rules"][0]["jsonSchema"]["labels"] == {"owner": "other", "area": "y", "plain": ""}
    assert [(n.pointer, n.message) for n in notes] == [
        ("/rules/0/jsonSchema/labels", "E: 'area:x' is replaced by the tag 'area:y' (labels hold one value a key)"),
        ("/rules/0/jsonSchema/labels", "E: the owner 'growth' is replaced by the tag 'owner:other' (labels hold one value a key)"),
    ]


def test_keys_longer_than_yaml_allows_implicitly_are_written_as_explicit_keys() -> None:
    """YAML reads an implicit key of at most 1024 characters: a longer event or property name is written
    ``? name`` / ``: value`` (scan, infer and import wrote a plan that did not load)."""
    long_event, long_property, nested = "A" * 1100, "p" * 1100, "r" * 2000
    document = {
        "plan": "P",
        "version": "1.0.0",
        "events": {
            long_event: {"description": "x", "properties": {long_property: {"type": "string"}, "q": {
                "type": "object", "properties": {nested: {"type": "integer"}}}}},
            "Short": {"properties": {long_property: {"type": "boolean"}}},
        },
    }  # fmt: skip
    text = dump_plan(document)
    assert f"  ? {long_event}\n  :\n" in text
    plan = load_plan_text(text)
    assert plan.events[long_event].fields["q"].properties[nested].type == "integer"
    assert plan.events["Short"].fields[long_property].type == "boolean"
    assert yaml.safe_load(text) == document


def test_blocks_shaped_like_the_export_wrapper_and_root_references_import_back() -> None:
    """A user's block ``{definitions, allOf: [X]}`` (the shape of cdpctl's old wrapper, without its ``$id``) was
    unwrapped on import, its references left pointing nowhere; a draft-07 block whose root is a ``$ref`` into
    itself is exported under a wrapper that rewrites that reference, and comes back as written."""
    from cdpctl.diff import diff_plans

    blocks = {
        "a": {"definitions": {"s": {"type": "string"}}, "allOf": [{"properties": {"x": {"$ref": "#/definitions/s"}}}]},
        "b": {"$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n"},
        "c": {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": {"n": {"type": "integer"}}, "$ref": "#/$defs/n"},
    }
    text = json.dumps({"plan": "W", "version": "1.0.0", "events": {"E": {"properties": {
        name: {"json_schema": block} for name, block in blocks.items()}}}})
    plan = load_plan_text(text, "w.yaml")
    document, _ = export_segment(plan)
    back = load_plan_text(import_segment(json.loads(json.dumps(document)), "export.json").text, "back.yaml")
    assert diff_plans(plan, back) == []
    for name in ("b", "c"):
        assert back.events["E"].fields[name].extra["json_schema"] == blocks[name]


def test_a_chain_of_doubling_refs_is_kept_as_written_not_inlined_for_minutes() -> None:
    """Twenty-two definitions, each referring twice to the next (2 KB), took minutes and hundreds of megabytes
    to inline, then wrote a plan of millions of lines: a reference that would grow the import past 50,000 objects
    and arrays stays as written, the others of the plan are still inlined."""
    definitions: dict[str, Any] = {"d0": {"type": "string"}}
    for i in range(1, 22):
        ref = {"$ref": f"#/definitions/d{i - 1}"}
        definitions[f"d{i}"] = {"type": "object", "properties": {"a": ref, "b": dict(ref)}}
    schema = {"definitions": definitions, "properties": {"properties": {"properties": {"a": {"$ref": "#/definitions/d21"}}}}}
    document = {"id": "tp_1", "name": "x", "rules": [{"key": "A", "type": "TRACK", "jsonSchema": schema}]}
    result = import_segment(document, "bomb.json")
    assert any("is not inlined: it would grow the import past 50,000" in note.message for note in result.notes)
    assert len(result.text) < 10_000
    small = {**document, "rules": [{"key": "A", "type": "TRACK", "jsonSchema": {
        "definitions": {"d0": {"type": "string"}}, "properties": {"properties": {"properties": {"a": {"$ref": "#/definitions/d0"}}}}}}]}
    assert "a: {type: string}" in import_segment(small, "small.json").text  # a small schema is still inlined
    rules = [{"key": f"E{n}", "type": "TRACK", "jsonSchema": {**schema, "definitions": {
        **{k: v for k, v in definitions.items() if int(k[1:]) <= 14}},
        "properties": {"properties": {"properties": {"a": {"$ref": "#/definitions/d14"}, "c": {"$ref": "#/definitions/d0"}}}}}}
        for n in range(6)]  # the budget is the import's, not each schema's: six 2 KB rules no longer make 27 MB
    many = import_segment({**document, "rules": rules}, "many.json")
    assert len(many.text) < 5_000_000 and "c: {type: string}" in many.text and "c: {type: any}" not in many.text
