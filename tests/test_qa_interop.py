"""`cdpctl import segment` on hostile JSON: strict JSON, byte order marks, nesting bombs; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.loader import load_plan

PLAN: dict[str, Any] = {
    "display_name": "Shop",
    "rules": {
        "events": [
            {
                "name": "Order Completed",
                "rules": {"properties": {"properties": {"properties": {"total": {"type": "number"}}}}},
            }
        ]
    },
}


def run(path: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, ["import", "segment", str(path), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    source = tmp_path / "plan.json"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(PLAN).encode())
    result = run(source)
    assert result.exit_code == 0, result.output
    assert "Order Completed:" in result.stdout and "plan: Shop" in result.stdout


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(tmp_path: Path, constant: str) -> None:
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(PLAN).replace('"number"}', '"number", "maximum": ' + constant + "}"), encoding="utf-8")
    result = run(source)
    assert result.exit_code == 2, result.output
    assert f"not valid JSON: {constant} is not a JSON value" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("depth", [200, 5000])
def test_nesting_bomb_is_a_clear_error(tmp_path: Path, depth: int) -> None:
    nested = '{"type":"object","properties":{"p":' * depth + '{"type":"string"}' + "}}" * depth
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(PLAN).replace('{"type": "number"}', nested), encoding="utf-8")
    result = run(source)
    assert result.exit_code == 2, result.output
    assert "plan.json: the JSON " in result.stderr and "deep" in result.stderr


def test_deep_but_reasonable_nesting_still_imports(tmp_path: Path) -> None:
    nested = '{"type":"object","properties":{"p":' * 20 + '{"type":"string"}' + "}}" * 20
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(PLAN).replace('{"type": "number"}', nested), encoding="utf-8")
    out = tmp_path / "plan.yaml"
    result = run(source, "-o", str(out))
    assert result.exit_code == 0, result.output
    compiled = CliRunner().invoke(app, ["compile", str(out)])
    assert compiled.exit_code == 0, compiled.output


def test_notes_about_hostile_names_stay_on_one_line(tmp_path: Path) -> None:
    hostile = "p\nq\u202e"
    plan = json.loads(json.dumps(PLAN))
    plan["rules"]["events"][0]["rules"]["properties"]["properties"]["properties"] = {
        "total": {"type": "number", "x-odd": 1, "if": {hostile: 1}}
    }
    plan["rules"]["events"][0]["rules"]["properties"][hostile] = {"type": "string"}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(plan), encoding="utf-8")
    result = run(source)
    assert result.exit_code == 0, result.output
    note_lines = [line for line in result.stderr.splitlines() if not line.startswith("imported ")]
    assert note_lines and all(line.startswith(f"{source}: ") for line in note_lines)
    assert any("p\\nq\\u202e" in line for line in note_lines)


def test_init_into_a_file_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "project"
    target.write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["init", str(target), "--yes"])
    assert result.exit_code == 2, result.output
    assert "it is a file, not a folder" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_init_writes_nothing_when_a_path_is_blocked(tmp_path: Path) -> None:
    (tmp_path / ".github").write_text("keep me\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["init", str(tmp_path), "--yes"])
    assert result.exit_code == 2, result.output
    assert f"'{tmp_path / '.github'}' is a file, not a folder" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".github"]


def test_init_force_never_replaces_a_folder(tmp_path: Path) -> None:
    (tmp_path / "plans" / "kept").mkdir(parents=True)
    result = CliRunner().invoke(app, ["init", str(tmp_path), "--yes", "--plan-file", "plans", "--force"])
    assert result.exit_code == 2, result.output
    assert "a folder of that name exists" in result.stderr
    assert (tmp_path / "plans" / "kept").is_dir() and not (tmp_path / "cdpctl.yaml").exists()


def test_integers_written_as_floats_import_as_integers(tmp_path: Path) -> None:
    """``1.0`` and ``1e2`` are integers in JSON Schema: an integer property's enum or const written so imports
    (as ``1``, ``100``; ``1`` and ``1.0`` are one value) instead of a plan that does not load (exit 2)."""
    from cdpctl.loader import load_plan

    properties = {"x": {"type": "integer", "enum": [1.0, 2.0, 1]}, "y": {"type": "integer", "const": 5.0},
                  "z": {"type": "integer", "enum": [1e2]}, "w": {"type": "number", "enum": [1.5, 2.0]}}
    rule = {"key": "A", "type": "TRACK", "jsonSchema": {"properties": {"properties": {"properties": properties}}}}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": [rule]}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    fields = load_plan(str(tmp_path / "plan.yaml")).events["A"].fields
    assert fields["x"].constraints["enum"] == [1, 2] and fields["y"].constraints["const"] == 5
    assert fields["z"].constraints["enum"] == [100] and fields["w"].constraints["enum"] == [1.5, 2.0]


def test_required_and_forbidden_is_a_lossy_warning_and_raw_counts_only_raw(tmp_path: Path) -> None:
    """A name required but absent from 'properties' under 'additionalProperties: false' makes the rule accept no
    message, which the plan cannot say: a warning, not only a comment. The summary counts raw blocks only."""
    schema = {"properties": {"properties": {"additionalProperties": False, "required": ["ghost"],
                                            "properties": {"x": {"type": "string"}}}}}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": [{"key": "A", "type": "TRACK", "jsonSchema": schema}]}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "'ghost' is required but not in 'properties'" in result.stderr
    assert "0 kept as raw JSON Schema, 1 lossy notes" in result.stderr


def test_rule_versions_as_strings_and_two_rules_without_a_version(tmp_path: Path) -> None:
    schema = {"properties": {"traits": {"properties": {"email": {"type": "string"}}}}}
    rules = [{"type": "IDENTIFY", "jsonSchema": schema}, {"type": "IDENTIFY", "jsonSchema": schema},
             {"key": "A", "type": "TRACK", "version": "2", "jsonSchema": {}}]
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": rules}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    assert "'identify' has two rules without a version: the later one is kept" in result.stderr
    assert "version None" not in result.stderr
    assert "version: 2" in (tmp_path / "plan.yaml").read_text()


def test_a_percent_encoded_ref_is_followed_and_definitions_are_not_lossy(tmp_path: Path) -> None:
    """``#/definitions/a%20b`` is a URI fragment: decoded, it names ``a b`` (it was "points nowhere", and the
    property then accepted anything). A ``definitions`` block whose references are inlined is no lossy note
    (``--strict`` failed on it)."""
    schema = {"definitions": {"a b": {"type": "boolean"}, "sku": {"type": "string", "pattern": "^sku_"}},
              "properties": {"properties": {"type": "object", "properties": {
                  "g": {"$ref": "#/definitions/a%20b"}, "sku": {"$ref": "#/definitions/sku"}}}}}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": [{"key": "E", "type": "TRACK", "jsonSchema": schema}]}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"), "--strict")
    assert result.exit_code == 0, result.output
    assert "0 lossy notes" in result.stderr and "points nowhere" not in result.stderr
    fields = load_plan(str(tmp_path / "plan.yaml")).events["E"].fields
    assert fields["g"].type == "boolean" and fields["sku"].constraints["pattern"] == "^sku_"


@pytest.mark.parametrize("draft", [4, 6])
def test_keywords_a_rules_draft_lacks_are_left_out_as_its_validator_ignores_them(tmp_path: Path, draft: int) -> None:
    """A draft-04 rule's ``const``/``contains``/``propertyNames`` and a draft-06 rule's ``if``/``then`` have no
    effect in their draft; kept, they were enforced as draft-07 (refusing what the rule accepts, and under
    ``not`` accepting what it refuses). Each is left out with a note, and the verdicts are the rule's own."""
    from jsonschema import Draft4Validator, Draft6Validator

    from cdpctl.validation import Validator

    inner = {"type": "object", "properties": {
        "a": {"not": {"const": 1}},
        "b": {"anyOf": [{"const": "k"}, {"type": "boolean"}]},
        "c": {"type": "array", "contains": {"type": "string"}},
        "d": {"type": "string", "if": {"const": "x"}, "then": {"minLength": 5}},
    }}
    uri = f"http://json-schema.org/draft-0{draft}/schema#"
    schema = {"$schema": uri, "type": "object", "properties": {"properties": inner}}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": [{"key": "E", "type": "TRACK", "jsonSchema": schema}]}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    assert f"is not a draft-0{draft} keyword (it had no effect): left out" in result.stderr
    original = (Draft4Validator if draft == 4 else Draft6Validator)(schema)
    validator = Validator(load_plan(str(tmp_path / "plan.yaml")))
    for properties in ({"a": 2}, {"a": 1}, {"b": "zz"}, {"b": True}, {"c": [1]}, {"c": ["s"]}, {"d": "x"}, {"d": 3}):
        message = {"type": "track", "event": "E", "userId": "u", "properties": properties}
        expected = original.is_valid(message)
        assert (not validator.check(message)) == expected, (properties, validator.check(message))


def test_a_property_naming_draft_04_is_read_as_draft_04_not_refused(tmp_path: Path) -> None:
    """A property schema with its own ``$schema`` of draft-04 (not a dialect raw blocks take) made the whole
    import fail ("the imported plan does not load"); it is read as a property of that draft."""
    prop = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 1, "exclusiveMinimum": True}}}
    schema = {"properties": {"properties": {"type": "object", "properties": {"i": prop}}}}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": [{"key": "E", "type": "TRACK", "jsonSchema": schema}]}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    assert "read as draft-04" in result.stderr
    inner = load_plan(str(tmp_path / "plan.yaml")).events["E"].fields["i"].properties["n"]
    assert inner.type == "integer" and inner.constraints == {"exclusive_minimum": 1}


def test_the_summary_counts_every_call_imported(tmp_path: Path) -> None:
    """An identify-only plan said "imported 0 events"; pages, screens, identify and group are named too."""
    rules = [{"type": "IDENTIFY", "jsonSchema": {"properties": {"traits": {"properties": {"email": {"type": "string"}}}}}},
             {"type": "PAGE", "key": "Home", "jsonSchema": {}}]
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": rules}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    assert "imported 0 events, 1 page, identify (0 shared properties" in result.stderr


def test_integers_of_a_draft_04_rule_are_named_once(tmp_path: Path) -> None:
    """Draft-04 refuses 1.0 as an integer; cdpctl accepts it (draft-06 and later): one info note says so."""
    props = {"n": {"type": "integer"}, "m": {"type": ["integer", "null"]}, "s": {"type": "string"}}
    schema = {"$schema": "http://json-schema.org/draft-04/schema#", "properties": {"properties": {"properties": props}}}
    source = tmp_path / "plan.json"
    source.write_text(json.dumps({"name": "P", "rules": [{"key": "E", "type": "TRACK", "jsonSchema": schema}]}))
    result = run(source, "-o", str(tmp_path / "plan.yaml"))
    assert result.exit_code == 0, result.output
    assert "info: /rules/0/jsonSchema/properties/properties/properties/n: 2 integer propert(y/ies) of draft-04 rules" in result.stderr


def test_config_api_identify_and_group_trait_lists_become_plan_traits(tmp_path: Path) -> None:
    """``identify_traits`` / ``group_traits`` of the Config API form were a note, not imported."""
    from cdpctl.interop.importer import import_segment
    from cdpctl.loader import load_plan_text
    from cdpctl.validation import Validator

    document = {
        "display_name": "Traits",
        "rules": {
            "identify": {"properties": {"traits": {"properties": {"plan": {"type": "string"}}}}},
            "identify_traits": [
                {"name": "email", "description": "The email.", "rules": {"type": "string", "format": "email"}},
                {"name": "plan", "rules": {"type": "integer"}},  # the identify rule's own wins
                {"key": "age", "type": "integer"},
            ],
            "group_traits": [{"name": "seats", "rules": {"type": "integer", "minimum": 1}}, {"rules": {}}],
        },
    }
    result = import_segment(document, "config.json")
    assert result.document["identify"]["traits"] == {
        "plan": {"type": "string"},
        "email": {"type": "string", "description": "The email.", "format": "email"},
        "age": {"type": "integer"},
    }
    assert result.document["group"]["traits"] == {"seats": {"type": "integer", "minimum": 1}}
    assert [note.message for note in result.notes if "trait" in note.message] == ["a trait needs a 'name'; skipped"]
    validator = Validator(load_plan_text(result.text))
    bad = validator.check({"type": "group", "userId": "u", "groupId": "g", "traits": {"seats": 0}})
    assert [(v.code, v.path) for v in bad] == [("constraint_failed", "traits.seats")]


def test_a_name_or_key_that_is_not_text_is_named_so() -> None:
    """A numeric plan name became "Imported plan" with no note, and a numeric key "a TRACK rule without a key"."""
    from cdpctl.interop.importer import import_segment

    result = import_segment({"id": "tp_1", "name": 123, "rules": [{"key": 5, "type": "TRACK", "jsonSchema": {}}]}, "odd.json")
    messages = [note.message for note in result.notes]
    assert "the plan's 'name' is not text (123); it is named 'Imported plan'" in messages
    assert "a TRACK rule whose key is not text (5); skipped" in messages
