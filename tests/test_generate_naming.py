"""Identifiers and literals for untrusted plan names: safe, deterministic, collision-free."""

from __future__ import annotations

import ast
import builtins
import keyword
import sys
from types import ModuleType

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cdpctl.codegen import generate_python
from cdpctl.codegen.naming import allocate, docstring_text, pascal_case, py_str, snake_case
from cdpctl.codegen.python import argument_names, method_names
from cdpctl.loader import load_plan_text

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)


def test_snake_and_pascal_case() -> None:
    assert snake_case("Order Completed", "track_") == "order_completed"
    assert snake_case("productId", "p_") == "product_id"
    assert snake_case("HTTPServer Started", "track_") == "http_server_started"
    assert snake_case("Crème brûlée", "p_") == "creme_brulee"
    assert snake_case("42_--terrible==\"event'++name~!3", "track_") == "track_42_terrible_event_name_3"
    assert snake_case("check_in", "p_") != snake_case("checkin", "p_")
    assert pascal_case("order completed", "T") == "OrderCompleted"
    assert pascal_case("check_in", "T") == "CheckIn"
    assert pascal_case("3d model", "T") == "T3dModel"


def test_empty_results_get_a_stable_hash_name() -> None:
    first = snake_case("!!!", "track_")
    assert first.startswith("track_") and first.isidentifier()
    assert snake_case("!!!", "track_") == first
    assert snake_case("???", "track_") != first
    assert snake_case("日本語", "p_").startswith("p_")


def test_long_names_are_capped_and_stay_distinct() -> None:
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    assert len(snake_case(a, "p_")) <= 72
    assert snake_case(a, "p_") != snake_case(b, "p_")


def test_keywords_builtins_and_reserved_names_get_an_underscore() -> None:
    names = allocate({"class": "class", "print": "print", "match": "match", "user_id": "user_id", "ok": "ok"}, {"user_id"})
    assert names == {"class": "class_", "print": "print_", "match": "match_", "user_id": "user_id_", "ok": "ok"}


def test_collisions_are_numbered_independently_of_order() -> None:
    requests = {"Order Completed": "order_completed", "order_completed": "order_completed", "Order-Completed": "order_completed"}
    exact = lambda key: requests[key] == key  # noqa: E731
    forward = allocate(requests, (), exact=exact)
    backward = allocate(dict(reversed(list(requests.items()))), (), exact=exact)
    assert forward == backward == {
        "order_completed": "order_completed",
        "Order Completed": "order_completed_2",
        "Order-Completed": "order_completed_3",
    }


def test_numbered_names_skip_names_already_taken() -> None:
    names = argument_names("track", ["type", "type_", "type_2", "Type"])
    assert names == {"type_": "type_", "type_2": "type_2", "Type": "type_3", "type": "type_4"}
    assert len(set(names.values())) == 4


def test_method_names_avoid_tracker_and_module_names() -> None:
    plan = load_plan_text(
        "plan: P\nversion: 1.0.0\nevents:\n  Identify: {}\n  check: {}\n  datetime: {}\n  Tracker: {}\n"
        "pages:\n  Pricing: {}\nscreens: {}\n  ".replace("screens: {}\n  ", "") + "\n",
        "p.yaml",
    )
    names = method_names(plan)
    assert names[("track", "Identify")] == "identify_"
    assert names[("track", "check")] == "check_"
    assert names[("track", "datetime")] == "datetime_"
    assert names[("track", "Tracker")] == "tracker"
    assert names[("page", "Pricing")] == "page_pricing"


@given(ANY_TEXT)
def test_py_str_round_trips_any_text(value: str) -> None:
    literal = py_str(value)
    assert "\n" not in literal and "\r" not in literal
    assert ast.literal_eval(literal) == value
    assert ast.literal_eval(f"# {literal}\n{literal}") == value  # safe in a comment too


@given(ANY_TEXT)
def test_docstring_text_cannot_break_out(value: str) -> None:
    lines = docstring_text(value)
    source = 'def f():\n    """Doc.\n\n' + "".join(f"    {line}\n" for line in lines) + '    """\n'
    tree = ast.parse(source)
    assert len(tree.body) == 1 and len(tree.body[0].body) == 1  # type: ignore[attr-defined]


@given(st.lists(ANY_TEXT, min_size=1, max_size=8, unique=True))
def test_allocate_gives_unique_valid_identifiers(names: list[str]) -> None:
    requests = {name: snake_case(name, "p_") for name in names}
    result = allocate(requests, ("self", "user_id"))
    values = list(result.values())
    assert len(set(values)) == len(values)
    for value in values:
        assert value.isidentifier() and value.isascii()
        assert not keyword.iskeyword(value) and not keyword.issoftkeyword(value)
        assert value not in dir(builtins) and value not in ("self", "user_id")


@settings(max_examples=25, deadline=None)
@given(
    st.lists(ANY_TEXT.filter(lambda s: s.strip() != "" and s != "<<"), min_size=1, max_size=4, unique=True),
    st.lists(ANY_TEXT.filter(lambda s: s != "<<"), min_size=0, max_size=4, unique=True),
    ANY_TEXT,
)
def test_generated_module_compiles_for_any_names(events: list[str], properties: list[str], description: str) -> None:
    plan = {
        "plan": description or "P",
        "version": "1.0.0",
        "description": description,
        "events": {
            event: {
                "description": description,
                "properties": {name: {"type": "string", "enum": [description or "x"], "description": name} for name in properties},
            }
            for event in events
        },
    }
    text = generate_python(load_plan_text(yaml.safe_dump(plan, allow_unicode=True), "p.yaml"))
    module = ModuleType("generated_by_hypothesis")
    sys.modules[module.__name__] = module
    try:
        exec(compile(text, "generated.py", "exec"), module.__dict__)  # runs: defines classes, nothing else
    finally:
        del sys.modules[module.__name__]
    methods = [name for name in vars(module.Tracker) if not name.startswith("_")]
    assert len(methods) == len(events) + 4  # one per event, plus untyped identify, group, page, screen
