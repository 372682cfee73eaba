"""Every loader error: the exact FILE:LINE:COLUMN it points at, its message, and all of them at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cdpctl.errors import PlanLoadError
from cdpctl.loader import did_you_mean, load_plan, load_plan_text


def problems(text: str, file: str = "plan.yaml") -> list[str]:
    """The problems of a plan, each as ``FILE:LINE:COLUMN: message``."""
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(textwrap.dedent(text), file)
    return [str(issue) for issue in info.value.issues]


def only_problem(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


def test_unknown_key_with_did_you_mean() -> None:
    text = """\
    plan: T
    events:
      Order Completed:
        properties:
          order_id: {type: string, requird: true}
    """
    assert only_problem(text) == (
        "plan.yaml:5:32: unknown key 'requird' in property 'order_id' (did you mean 'required'?)"
    )


def test_unknown_key_in_block_style_points_at_the_key() -> None:
    text = """\
    plan: T
    events:
      E:
        descripton: typo
        properties: {}
    """
    assert only_problem(text) == "plan.yaml:4:5: unknown key 'descripton' in event 'E' (did you mean 'description'?)"


def test_unknown_top_level_key() -> None:
    assert only_problem("plan: T\nevent:\n  E: {}\n") == (
        "plan.yaml:2:1: unknown key 'event' in the plan (did you mean 'events'?)"
    )


def test_unknown_type_with_did_you_mean() -> None:
    text = """\
    plan: T
    types:
      location:
        properties:
          city: {type: string}
    events:
      E:
        properties:
          shipping: {type: locaton}
    """
    assert (
        only_problem(text)
        == "plan.yaml:9:24: unknown type 'locaton' for property 'shipping' (did you mean 'location'?)"
    )


def test_unknown_shared_property_with_did_you_mean() -> None:
    text = """\
    plan: T
    properties:
      order_id: {type: string}
    events:
      E:
        properties:
          order_idd: {required: true}
    """
    assert only_problem(text) == (
        "plan.yaml:7:7: property 'order_idd' has no 'type' and matches no shared property (did you mean 'order_id'?)"
    )


def test_unknown_format_with_did_you_mean() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      at: {type: string, format: datetime}\n"
    found = only_problem(text)
    assert found.startswith("plan.yaml:5:34: unknown format 'datetime' for property 'at' (did you mean 'date-time'?)")


def test_duplicate_yaml_keys_are_detected() -> None:
    text = """\
    plan: T
    events:
      E:
        properties:
          a: {type: string}
          a: {type: integer}
      E:
        description: twice
    """
    assert problems(text) == [
        "plan.yaml:6:7: duplicate key 'a' (first defined at line 5); YAML would silently keep only the last one",
        "plan.yaml:7:3: duplicate key 'E' (first defined at line 3); YAML would silently keep only the last one",
    ]


def test_items_on_a_non_array() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      tags: {type: string, items: string}\n"
    assert only_problem(text) == "plan.yaml:5:28: 'items' on non-array property 'tags' (type string)"


def test_properties_on_a_non_object() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      n:\n        type: integer\n        properties: {a: string}\n"
    assert only_problem(text) == "plan.yaml:7:9: 'properties' on property 'n', which is of type integer"


@pytest.mark.parametrize(
    ("definition", "column", "message"),
    [
        ("{type: number, minimum: 10, maximum: 5}", 25, "'minimum' (10) contradicts 'maximum' (5)"),
        ("{type: number, exclusive_minimum: 5, exclusive_maximum: 5}", 25, "'exclusive_minimum' (5) contradicts"),
        ("{type: string, min_length: 4, max_length: 2}", 25, "'min_length' (4) contradicts 'max_length' (2)"),
        ("{type: array, min_items: 3, max_items: 1}", 24, "'min_items' (3) contradicts 'max_items' (1)"),
    ],
)
def test_contradicting_constraints(definition: str, column: int, message: str) -> None:
    found = only_problem(f"plan: T\nevents:\n  E:\n    properties:\n      v: {definition}\n")
    assert found.startswith(f"plan.yaml:5:{column}: property 'v': {message}")


def test_contradiction_with_an_inherited_bound_points_at_the_local_key() -> None:
    text = """\
    plan: T
    properties:
      price: {type: number, minimum: 0}
    events:
      E:
        properties:
          price: {maximum: -1}
    """
    assert only_problem(text) == (
        "plan.yaml:7:15: property 'price': 'minimum' (0) contradicts 'maximum' (-1); no value can satisfy both"
    )


def test_const_outside_enum() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      v: {type: string, enum: [a, b], const: c}\n"
    assert only_problem(text) == "plan.yaml:5:39: property 'v': 'const' 'c' is not one of its 'enum' values"


def test_enum_values_of_the_wrong_type_point_at_each_value() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      currency: {type: string, enum: [USD, 5, EUR, true]}\n"
    assert problems(text) == [
        "plan.yaml:5:44: enum value #2 (5) of property 'currency' is an integer, not of the property's type string",
        "plan.yaml:5:52: enum value #4 (True) of property 'currency' is a boolean, not of the property's type string",
    ]


def test_enum_null_needs_nullable() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      v: {type: string, enum: [a, null]}\n"
    assert only_problem(text) == (
        "plan.yaml:5:35: enum of property 'v' contains null but the property is not nullable (add 'nullable: true')"
    )


def test_bad_regex() -> None:
    text = 'plan: T\nevents:\n  E:\n    properties:\n      code: {type: string, pattern: "([a-z"}\n'
    found = only_problem(text)
    assert found.startswith("plan.yaml:5:39: 'pattern' of property 'code' is not a valid regular expression: ")


def test_constraint_on_the_wrong_type() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      n: {type: integer, min_length: 1}\n"
    assert only_problem(text) == (
        "plan.yaml:5:26: 'min_length' applies to string properties, but property 'n' is of type integer"
    )


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ("{type: string, min_length: -1}", "'min_length' of property 'v' must be a whole number of at least 0, not -1"),
        ("{type: number, multiple_of: 0}", "'multiple_of' of property 'v' must be a number above 0, not 0"),
        ("{type: number, minimum: ten}", "'minimum' of property 'v' must be a number, not a string"),
        (
            "{type: array, unique_items: yes please}",
            "'unique_items' of property 'v' must be true or false, not a string",
        ),
        ("{type: string, enum: []}", "'enum' of property 'v' must be a non-empty list of values"),
        ("{type: string, required: maybe}", "'required' of property 'v' must be true or false, not a string"),
        ("{type: 5}", "'type' of property 'v' must be a type name, not an integer"),
    ],
)
def test_badly_typed_keys(definition: str, message: str) -> None:
    found = only_problem(f"plan: T\nevents:\n  E:\n    properties:\n      v: {definition}\n")
    assert found.split(": ", 1)[1] == message
    assert found.startswith("plan.yaml:5:")


def test_required_on_array_items_is_rejected() -> None:
    text = "plan: T\nevents:\n  E:\n    properties:\n      v: {type: array, items: {type: string, required: true}}\n"
    assert only_problem(text) == "plan.yaml:5:46: 'required' has no meaning on the items of 'v'"


def test_additional_properties_on_a_type_use_is_rejected() -> None:
    text = """\
    plan: T
    types:
      t:
        properties: {a: string}
    events:
      E:
        properties:
          v: {type: t, additional_properties: true}
    """
    assert only_problem(text) == (
        "plan.yaml:8:20: 'additional_properties' of property 'v' is set by its type 't'; set it there"
    )


def test_recursive_types_and_shared_properties_are_reported() -> None:
    text = """\
    plan: T
    properties:
      node: {type: object, properties: {node: {required: true}}}
    types:
      tree:
        properties:
          children: {type: array, items: tree}
    """
    assert problems(text) == [
        "plan.yaml:3:37: recursive shared property: node -> node (recursive shapes are not supported)",
        "plan.yaml:7:38: recursive type: tree -> tree (recursive shapes are not supported)",
    ]


def test_bad_version_and_section_shapes() -> None:
    text = """\
    plan: T
    version: 1.0
    events: [a, b]
    """
    assert problems(text) == [
        "plan.yaml:2:10: 'version' must be a semantic version such as 1.2.0, not '1.0'",
        "plan.yaml:3:9: 'events' must be a mapping, not a list",
    ]


def test_yaml_syntax_error_has_its_position() -> None:
    text = "plan: T\nevents:\n  E:\n    properties: {a: [1, 2\n"
    assert only_problem(text) == "plan.yaml:5:1: YAML syntax error: did not find expected ',' or ']'"


def test_yaml_syntax_error_bad_indentation() -> None:
    text = "plan: T\nevents:\n  E:\n    description: x\n   properties: {}\n"
    found = only_problem(text)
    assert found.startswith("plan.yaml:5:4: YAML syntax error: ")


def test_empty_and_non_mapping_files() -> None:
    assert only_problem("") == "plan.yaml:1:1: the plan file is empty"
    assert only_problem("# only a comment\n") == "plan.yaml:1:1: the plan file is empty"
    assert only_problem("- a\n- b\n") == (
        "plan.yaml:1:1: a plan file must be a mapping of keys such as 'events:' and 'properties:'"
    )


def test_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(PlanLoadError) as info:
        load_plan(missing)
    assert [str(issue) for issue in info.value.issues] == [
        f"{missing}:1:1: cannot read plan file '{missing}': No such file or directory"
    ]
    with pytest.raises(PlanLoadError) as info:
        load_plan(tmp_path)
    assert str(info.value.issues[0]) == f"{tmp_path}:1:1: cannot read plan file '{tmp_path}': Is a directory"
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00plan")
    with pytest.raises(PlanLoadError) as info:
        load_plan(binary)
    message = str(info.value.issues[0])
    assert message.startswith(f"{binary}:1:1: cannot read plan file '{binary}': ")
    assert "codec can't decode" in message


def test_unreadable_include_points_at_the_include_line(tmp_path: Path) -> None:
    root = tmp_path / "plan.yaml"
    root.write_text("plan: T\ninclude:\n  - parts/events.yaml\n", encoding="utf-8")
    with pytest.raises(PlanLoadError) as info:
        load_plan(root)
    target = tmp_path / "parts" / "events.yaml"
    assert [str(issue) for issue in info.value.issues] == [
        f"{root}:3:5: cannot read plan file '{target}': No such file or directory"
    ]


def test_errors_in_an_included_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("plan: T\ninclude: more.yaml\n", encoding="utf-8")
    (tmp_path / "more.yaml").write_text("events:\n  E:\n    ownr: me\n", encoding="utf-8")
    with pytest.raises(PlanLoadError) as info:
        load_plan(tmp_path / "plan.yaml")
    assert [str(issue) for issue in info.value.issues] == [
        f"{tmp_path / 'more.yaml'}:3:5: unknown key 'ownr' in event 'E' (did you mean 'owner'?)"
    ]


def test_include_cycle_and_duplicate_definitions(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text("plan: T\ninclude: a.yaml\nevents:\n  E: {}\n", encoding="utf-8")
    (tmp_path / "a.yaml").write_text("include: plan.yaml\nevents:\n  E: {}\n", encoding="utf-8")
    with pytest.raises(PlanLoadError) as info:
        load_plan(tmp_path / "plan.yaml")
    found = [str(issue) for issue in info.value.issues]
    assert f"{tmp_path / 'a.yaml'}:1:10: include cycle: 'plan.yaml' includes itself" in found
    assert any(f"{tmp_path / 'a.yaml'}:3:3: 'E' is already defined in 'events' at " in line for line in found)


BROKEN = """\
plan: Broken
version: 1.0.0
properties:
  order_id: {type: string}
types:
  location:
    properties:
      city: {type: string}
events:
  Order Completed:
    properties:
      order_id: {requird: true}
      shipping: {type: locaton}
      tags: {type: string, items: string}
      total: {type: number, minimum: 10, maximum: 5}
      currency: {type: string, enum: [USD, 5, EUR]}
      code: {type: string, pattern: "([a-z"}
      order_id: {required: true}
"""

BROKEN_PROBLEMS = [
    "broken.yaml:12:18: unknown key 'requird' in property 'order_id' (did you mean 'required'?)",
    "broken.yaml:13:24: unknown type 'locaton' for property 'shipping' (did you mean 'location'?)",
    "broken.yaml:14:28: 'items' on non-array property 'tags' (type string)",
    "broken.yaml:15:29: property 'total': 'minimum' (10) contradicts 'maximum' (5); no value can satisfy both",
    "broken.yaml:16:44: enum value #2 (5) of property 'currency' is an integer, not of the property's type string",
    "broken.yaml:17:39: 'pattern' of property 'code' is not a valid regular expression: ",
    "broken.yaml:18:7: duplicate key 'order_id' (first defined at line 12); YAML would silently keep only the last one",
]


def test_every_problem_is_reported_at_once_in_source_order() -> None:
    found = problems(BROKEN, "broken.yaml")
    assert len(found) == len(BROKEN_PROBLEMS)
    for line, expected in zip(found, BROKEN_PROBLEMS, strict=True):
        assert line.startswith(expected)


def test_cli_exits_2_with_file_line_column_lines_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "compile", "broken.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == len(BROKEN_PROBLEMS) + 1
    for line, expected in zip(lines[:-1], BROKEN_PROBLEMS, strict=True):
        assert line.startswith(expected)
    assert lines[-1] == f"cdpctl: error: the plan has {len(BROKEN_PROBLEMS)} problems"
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cdpctl: error: cannot read plan file 'missing.yaml': No such file or directory"),
        ("plan: T\nevents: {E: [\n", "bad.yaml:3:1: YAML syntax error: "),
    ],
)
def test_cli_reports_unreadable_and_unparsable_plans(tmp_path: Path, content: str | None, expected: str) -> None:
    name = "missing.yaml" if content is None else "bad.yaml"
    if content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "compile", name, "--out", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(expected)
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_did_you_mean() -> None:
    assert did_you_mean("requird", ["required", "nullable"]) == " (did you mean 'required'?)"
    assert did_you_mean("ORDER_ID", ["order_id"]) == " (did you mean 'order_id'?)"
    assert did_you_mean("zzz", ["required"]) == ""


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "markdown", "junit"])
def test_a_plan_file_name_that_is_not_utf8_is_a_load_problem_in_every_format(tmp_path: Path, fmt: str) -> None:
    """A file system allows such names; no report can write them: one clear problem, never a traceback nor a
    raw byte in the output (the report is UTF-8)."""
    import os

    name = b"bad\xff.yaml"
    with open(os.path.join(os.fsencode(tmp_path), name), "wb") as handle:
        handle.write(b"plan: P\nversion: 1.0.0\nevents:\n  Order Completed: {}\n")
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "--no-cache", "lint", name, "--format", fmt], cwd=tmp_path, capture_output=True, timeout=60
    )
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    done.stdout.decode("utf-8")  # the report is text
    assert b"bad\\xff.yaml:1:1: cannot read plan file 'bad\\xff.yaml': its name is not UTF-8; rename it" in done.stderr


def test_a_plan_that_is_a_link_reads_its_includes_from_the_links_folder(tmp_path: Path) -> None:
    """Includes are read from, and confined to, the folder the plan is named in (as at a git revision,
    where the loader reads the same paths); the check used the target's folder, so such a plan never loaded."""
    (tmp_path / "real").mkdir()
    (tmp_path / "plans" / "parts").mkdir(parents=True)
    (tmp_path / "real" / "main.yaml").write_text("plan: L\nversion: 1.0.0\ninclude: parts/events.yaml\n")
    (tmp_path / "plans" / "parts" / "events.yaml").write_text("events:\n  Order Completed: {}\n")
    (tmp_path / "plans" / "shop.yaml").symlink_to("../real/main.yaml")
    assert list(load_plan(str(tmp_path / "plans" / "shop.yaml")).events) == ["Order Completed"]
    (tmp_path / "plans" / "parts" / "events.yaml").unlink()
    (tmp_path / "plans" / "parts" / "events.yaml").symlink_to("../../real/events.yaml")  # out of the tree
    (tmp_path / "real" / "events.yaml").write_text("events:\n  Order Completed: {}\n")
    with pytest.raises(PlanLoadError, match="out of the plan's folder tree"):
        load_plan(str(tmp_path / "plans" / "shop.yaml"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plan: P\nversion: 1.0.0\nevents:\n  A:\n\tproperties: {}\n",
         "plan.yaml:5:1: YAML syntax error: found character that cannot start any token (a tab: YAML indents with spaces only)"),
        ("plan: P\nversion: 1.0.0\nevents:\n  A:\n    properties:\n       a: {type: string}\n     b: {}\n",
         "plan.yaml:7:6: YAML syntax error: did not find expected key (check the indentation of this line and the one "
         "above: the keys of one mapping line up, a nested one is indented further)"),
        ("plan: P\nversion: 1.0.0\nSigned Up:\n  properties: {}\n",
         "plan.yaml:3:1: unknown key 'Signed Up' in the plan (an event? events go under 'events:', indented)"),
        ("plan: P\nversion: 1.0.0\nevents:\n  A:\n    properties:\n    a: {type: string}\n",
         "plan.yaml:6:5: unknown key 'a' in event 'A' (a property? properties go under 'properties:', indented further)"),
        ("plan: P\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      a: {type: float}\n",
         "plan.yaml:6:17: unknown type 'float' for property 'a' (did you mean 'number'?)"),
        ("plan: P\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      a: {type: timestamp}\n",
         "plan.yaml:6:17: unknown type 'timestamp' for property 'a' (a timestamp is a string: 'type: string' with "
         "'format: date-time')"),
    ],
)
def test_a_newcomers_mistakes_get_a_hint(text: str, expected: str) -> None:
    """A tab, a line indented wrongly, an event written outside ``events:``, a property at the event's level and
    a type name of another language: each said what was wrong, not what to do."""
    assert only_problem(text) == expected
