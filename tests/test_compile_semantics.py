"""Each semantic rule of the plan format, proven with messages that must pass and must fail.

Every check compiles a small plan and validates whole Segment messages with a
plain ``jsonschema`` validator (no format checker), the way any consumer of the
compiled schemas would.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from cdpctl.compiler import compile_plan
from cdpctl.loader import load_plan_text
from cdpctl.model import Plan

HEADER = "plan: Test\nversion: 1.0.0\n"


def plan_of(body: str) -> Plan:
    return load_plan_text(HEADER + textwrap.dedent(body), "plan.yaml")


def schema_for(body: str, call_type: str = "track", name: str | None = "E", draft: str = "07") -> dict[str, Any]:
    compiled = compile_plan(plan_of(body), draft)
    found = compiled.for_call(call_type, name)
    assert found is not None, f"no schema for {call_type} {name}"
    return found.schema


def track(properties: dict[str, Any], event: str = "E") -> dict[str, Any]:
    return {"type": "track", "event": event, "userId": "u1", "properties": properties}


def valid(schema: dict[str, Any], message: dict[str, Any]) -> bool:
    validator = Draft202012Validator(schema) if "2020-12" in schema["$schema"] else Draft7Validator(schema)
    return validator.is_valid(message)


def event_with(props: str, extra: str = "") -> str:
    """A plan with one event ``E`` whose properties are ``props`` (YAML lines)."""
    body = "events:\n  E:\n    properties:\n" + textwrap.indent(textwrap.dedent(props), "      ")
    return extra + body


# -- shared properties ------------------------------------------------------


SHARED = """\
properties:
  order_id: {type: string, min_length: 1, description: Unique order id.}
  price: {type: number, minimum: 0, description: Unit price.}
"""


def test_shared_property_is_inherited_and_refined_with_required() -> None:
    schema = schema_for(SHARED + event_with("order_id: {required: true}\n"))
    assert valid(schema, track({"order_id": "o1"}))
    assert not valid(schema, track({}))  # required added locally
    assert not valid(schema, track({"order_id": ""}))  # min_length inherited
    assert not valid(schema, track({"order_id": 5}))  # type inherited
    fields = schema["properties"]["properties"]
    assert fields["properties"]["order_id"]["description"] == "Unique order id."


def test_refinement_adds_constraints_and_replaces_description() -> None:
    schema = schema_for(SHARED + event_with("price: {maximum: 100, description: Sale price.}\n"))
    assert valid(schema, track({"price": 50}))
    assert not valid(schema, track({"price": -1}))  # inherited minimum
    assert not valid(schema, track({"price": 101}))  # local maximum
    assert schema["properties"]["properties"]["properties"]["price"]["description"] == "Sale price."


def test_refinement_does_not_change_the_shared_definition_elsewhere() -> None:
    plan = plan_of(
        SHARED + event_with("price: {required: true, maximum: 10}\n") + "  F:\n    properties:\n      price: {}\n"
    )
    compiled = compile_plan(plan)
    f_schema = compiled.for_call("track", "F")
    assert f_schema is not None
    assert valid(f_schema.schema, track({"price": 1000}, "F"))
    assert valid(f_schema.schema, track({}, "F"))
    assert plan.properties["price"].required is False
    assert "maximum" not in plan.properties["price"].constraints


def test_a_different_type_makes_a_property_of_its_own() -> None:
    schema = schema_for(SHARED + event_with("price: {type: string}\n"))
    assert valid(schema, track({"price": "free"}))
    assert not valid(schema, track({"price": 3}))


def test_shared_properties_may_be_defined_after_the_types_that_use_them() -> None:
    body = """\
    properties:
      item: {type: product}
      price: {type: number, minimum: 0}
    types:
      product:
        properties:
          price: {required: true}
    events:
      E:
        properties:
          item: {required: true}
    """
    schema = schema_for(body)
    assert valid(schema, track({"item": {"price": 3}}))
    assert not valid(schema, track({"item": {}}))
    assert not valid(schema, track({"item": {"price": -3}}))


# -- reusable types and items -------------------------------------------------


TYPES = """\
properties:
  price: {type: number, minimum: 0}
types:
  product:
    description: One line item.
    properties:
      product_id: {type: string, required: true}
      price: {required: true}
      quantity: {type: integer, minimum: 1}
"""


def test_type_reference_expands_the_type_inside_the_schema() -> None:
    schema = schema_for(TYPES + event_with("product: {type: product, required: true}\n"))
    assert valid(schema, track({"product": {"product_id": "p1", "price": 2, "quantity": 1}}))
    assert not valid(schema, track({"product": {"product_id": "p1"}}))  # price required in the type
    assert not valid(schema, track({"product": {"product_id": "p1", "price": -2}}))  # shared minimum
    assert not valid(schema, track({"product": {"product_id": "p1", "price": 2, "quantity": 0}}))
    assert not valid(schema, track({"product": "p1"}))
    assert "$ref" not in str(schema)  # self-contained: every reuse resolved inside the file


def test_items_by_type_name() -> None:
    schema = schema_for(TYPES + event_with("products: {type: array, items: product, min_items: 1}\n"))
    good = track({"products": [{"product_id": "p1", "price": 1}, {"product_id": "p2", "price": 0}]})
    assert valid(schema, good)
    assert not valid(schema, track({"products": [{"product_id": "p1"}]}))
    assert not valid(schema, track({"products": []}))
    items = schema["properties"]["properties"]["properties"]["products"]["items"]
    assert items["description"] == "One line item."


def test_items_by_builtin_name_and_inline_definition() -> None:
    schema = schema_for(
        event_with(
            """\
            tags: {type: array, items: string}
            channels: {type: array, items: {type: string, enum: [web, slack]}}
            """
        )
    )
    assert valid(schema, track({"tags": ["a", "b"], "channels": ["web"]}))
    assert not valid(schema, track({"tags": [1]}))
    assert not valid(schema, track({"channels": ["email"]}))


def test_shorthand_type_name() -> None:
    schema = schema_for(event_with("total: number\n"))
    assert valid(schema, track({"total": 1.5}))
    assert not valid(schema, track({"total": "1.5"}))


# -- nullable, required -------------------------------------------------------


def test_nullable_admits_null_and_only_when_set() -> None:
    schema = schema_for(event_with("coupon: {type: string, nullable: true}\ncode: {type: string}\n"))
    assert valid(schema, track({"coupon": None}))
    assert valid(schema, track({"coupon": "SALE"}))
    assert not valid(schema, track({"coupon": 5}))
    assert not valid(schema, track({"code": None}))


def test_nullable_enum_and_const_admit_null() -> None:
    schema = schema_for(
        event_with(
            "tier: {type: string, enum: [a, b], nullable: true}\nok: {type: boolean, const: true, nullable: true}\n"
        )
    )
    assert valid(schema, track({"tier": None, "ok": None}))
    assert valid(schema, track({"tier": "a", "ok": True}))
    assert not valid(schema, track({"tier": "c"}))
    assert not valid(schema, track({"ok": False}))


def test_nullable_object_and_array() -> None:
    schema = schema_for(
        event_with(
            """\
            meta: {type: object, nullable: true, properties: {a: {type: string}}}
            list: {type: array, items: integer, nullable: true}
            """
        )
    )
    assert valid(schema, track({"meta": None, "list": None}))
    assert valid(schema, track({"meta": {"a": "x"}, "list": [1]}))
    assert not valid(schema, track({"meta": {"a": 1}}))


def test_required_defaults_to_false() -> None:
    schema = schema_for(
        event_with("a: {type: string}\nb: {type: string, required: false}\nc: {type: string, required: true}\n")
    )
    assert valid(schema, track({"c": "x"}))
    assert not valid(schema, track({"a": "x", "b": "y"}))
    assert schema["properties"]["properties"]["required"] == ["c"]


def test_properties_object_is_required_only_when_something_in_it_is() -> None:
    optional = schema_for(event_with("a: {type: string}\n"))
    assert valid(optional, {"type": "track", "event": "E", "anonymousId": "x"})
    required = schema_for(event_with("a: {type: string, required: true}\n"))
    assert not valid(required, {"type": "track", "event": "E", "anonymousId": "x"})


# -- additional_properties ----------------------------------------------------


def test_plan_default_is_false() -> None:
    schema = schema_for(event_with("a: {type: string}\n"))
    assert not valid(schema, track({"a": "x", "unplanned": 1}))


def test_plan_default_true_allows_unplanned_properties() -> None:
    schema = schema_for(event_with("a: {type: string}\n", "defaults:\n  additional_properties: true\n"))
    assert valid(schema, track({"a": "x", "unplanned": 1}))
    assert not valid(schema, track({"a": 1}))  # planned ones are still checked


def test_event_level_setting_overrides_the_plan_default_both_ways() -> None:
    loose_event = "events:\n  E:\n    additional_properties: true\n    properties:\n      a: {type: string}\n"
    assert valid(schema_for(loose_event), track({"unplanned": 1}))
    strict_event = "defaults:\n  additional_properties: true\n" + loose_event.replace("true", "false")
    assert not valid(schema_for(strict_event), track({"unplanned": 1}))


def test_event_without_properties_keeps_its_setting() -> None:
    body = "events:\n  E:\n    additional_properties: true\n  F: {}\n"
    plan = compile_plan(plan_of(body))
    e, f = plan.for_call("track", "E"), plan.for_call("track", "F")
    assert e is not None and f is not None
    assert valid(e.schema, track({"anything": 1}))
    assert not valid(f.schema, track({"anything": 1}, "F"))
    assert valid(f.schema, track({}, "F"))


INLINE_AP = """\
events:
  E:
    additional_properties: {event_ap}
    properties:
      outer:
        type: object
        {outer_ap}
        properties:
          inner:
            type: object
            {inner_ap}
            properties:
              x: {{type: string}}
"""


@pytest.mark.parametrize(
    ("event_ap", "outer_ap", "inner_ap", "outer_allows", "inner_allows"),
    [
        # nothing set on the objects: the event's setting reaches down
        ("true", "", "", True, True),
        ("false", "", "", False, False),
        # the object sets it: it wins for itself and for what it encloses
        ("false", "additional_properties: true", "", True, True),
        ("true", "additional_properties: false", "", False, False),
        # the nearest enclosing level wins
        ("false", "additional_properties: true", "additional_properties: false", True, False),
        ("true", "additional_properties: false", "additional_properties: true", False, True),
    ],
)
def test_inline_objects_take_the_nearest_enclosing_setting(
    event_ap: str, outer_ap: str, inner_ap: str, outer_allows: bool, inner_allows: bool
) -> None:
    schema = schema_for(INLINE_AP.format(event_ap=event_ap, outer_ap=outer_ap, inner_ap=inner_ap))
    assert valid(schema, track({"outer": {"inner": {"x": "y"}}}))
    assert valid(schema, track({"outer": {"inner": {}, "extra": 1}})) is outer_allows
    assert valid(schema, track({"outer": {"inner": {"extra": 1}}})) is inner_allows


def test_inline_object_falls_back_to_the_plan_default() -> None:
    body = "defaults:\n  additional_properties: true\n" + INLINE_AP.format(
        event_ap="true", outer_ap="", inner_ap=""
    ).replace("    additional_properties: true\n", "", 1)
    schema = schema_for(body)
    assert valid(schema, track({"outer": {"inner": {"extra": 1}, "extra": 1}, "extra": 1}))


def test_inline_array_items_inherit_the_enclosing_setting() -> None:
    body = """\
    events:
      E:
        additional_properties: true
        properties:
          rows: {type: array, items: {type: object, properties: {a: {type: string}}}}
    """
    assert valid(schema_for(body), track({"rows": [{"a": "x", "extra": 1}]}))
    assert not valid(schema_for(body.replace("true", "false")), track({"rows": [{"a": "x", "extra": 1}]}))


REUSABLE_AP = """\
defaults:
  additional_properties: {plan_ap}
types:
  loose:
    additional_properties: true
    properties:
      a: {{type: string}}
  strict:
    additional_properties: false
    properties:
      a: {{type: string}}
  plain:
    properties:
      a: {{type: string}}
events:
  E:
    additional_properties: {event_ap}
    properties:
      loose: {{type: loose}}
      strict: {{type: strict}}
      plain: {{type: plain}}
      plains: {{type: array, items: plain}}
"""


@pytest.mark.parametrize(("plan_ap", "event_ap"), [("false", "true"), ("true", "false"), ("false", "false")])
def test_reusable_types_use_their_own_setting_else_the_plan_default(plan_ap: str, event_ap: str) -> None:
    schema = schema_for(REUSABLE_AP.format(plan_ap=plan_ap, event_ap=event_ap))
    extra = {"a": "x", "extra": 1}
    assert valid(schema, track({"loose": extra}))
    assert not valid(schema, track({"strict": extra}))
    # a type without its own setting follows the plan default wherever it is used, not the event
    assert valid(schema, track({"plain": extra})) is (plan_ap == "true")
    assert valid(schema, track({"plains": [extra]})) is (plan_ap == "true")


def test_traits_sections_honour_additional_properties() -> None:
    body = """\
    identify:
      traits:
        email: {type: string}
    group:
      additional_properties: true
      traits:
        name: {type: string}
    """
    compiled = compile_plan(plan_of(body))
    identify, group = compiled.for_call("identify", None), compiled.for_call("group", None)
    assert identify is not None and group is not None
    message = {"type": "identify", "userId": "u1", "traits": {"email": "a@b.co", "other": 1}}
    assert not valid(identify.schema, message)
    assert valid(group.schema, {"type": "group", "userId": "u1", "groupId": "g", "traits": {"x": 1}})


# -- constraints ----------------------------------------------------------------


CONSTRAINTS = [
    ("{type: string, enum: [a, b]}", ["a", "b"], ["c", 1]),
    ("{type: integer, const: 3}", [3], [4, "3"]),
    ("{type: string, pattern: '^cb_[a-z0-9]{8}$'}", ["cb_abcd1234"], ["cb_ABCD1234", "xcb_abcd1234", "cb_abc"]),
    ("{type: string, min_length: 2}", ["ab", "abc"], ["a", ""]),
    ("{type: string, max_length: 3}", ["", "abc"], ["abcd"]),
    ("{type: number, minimum: 0}", [0, 0.5], [-0.1]),
    ("{type: number, maximum: 2}", [2, -5], [2.01]),
    ("{type: number, exclusive_minimum: 0}", [0.001], [0, -1]),
    ("{type: number, exclusive_maximum: 1}", [0.999], [1, 2]),
    ("{type: number, multiple_of: 0.5}", [1.5, 0, -2], [0.3]),
    ("{type: integer, multiple_of: 5}", [10], [7]),
    ("{type: array, min_items: 1}", [[1]], [[]]),
    ("{type: array, max_items: 2}", [[], [1, 2]], [[1, 2, 3]]),
    ("{type: array, unique_items: true}", [[1, 2]], [[1, 1]]),
    ("{type: integer}", [1, -3], [1.5, "1", True]),
    ("{type: boolean}", [True, False], [0, "true"]),
    ("{type: object}", [{}], [[], "x"]),
    ("{type: any}", [1, "x", None, [], {}], []),
]


@pytest.mark.parametrize(("definition", "good", "bad"), CONSTRAINTS)
@pytest.mark.parametrize("draft", ["07", "2020-12"])
def test_every_constraint_key(definition: str, good: list[Any], bad: list[Any], draft: str) -> None:
    schema = schema_for(event_with(f"v: {definition}\n"), draft=draft)
    for value in good:
        assert valid(schema, track({"v": value})), value
    for value in bad:
        assert not valid(schema, track({"v": value})), value


def test_every_constraint_key_is_covered() -> None:
    from cdpctl.model import CONSTRAINT_KEYS

    written = " ".join(definition for definition, _, _ in CONSTRAINTS)
    missing = [key for key in CONSTRAINT_KEYS if key != "format" and f"{key}:" not in written]
    assert missing == []  # 'format' has its own test below


FORMATS = [
    (
        "date-time",
        ["2024-05-01T12:30:00Z", "2024-05-01T12:30:00.123+02:00", "2024-05-01t12:30:00z"],
        ["2024-05-01", "2024-13-01T12:30:00Z", "2024-05-01T25:00:00Z", "yesterday", "2024-05-01T12:30:00", "2024-05-01 12:30:00Z"],
    ),
    ("date", ["2024-05-01", "1999-12-31"], ["2024-5-1", "2024-05-32", "01/05/2024", "2024-05-01T00:00:00Z"]),
    ("email", ["ada@example.com", "a.b+c@sub.example.org"], ["ada", "ada@", "@example.com", "a b@example.com"]),
    ("uri", ["https://example.com/x?y=1", "mailto:ada@example.com"], ["example.com", "/relative/path", "http://a b"]),
    (
        "uuid",
        ["123e4567-e89b-12d3-a456-426614174000", "123E4567-E89B-12D3-A456-426614174000"],
        ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g", "not-a-uuid"],
    ),
    ("ipv4", ["192.168.0.1", "0.0.0.0", "255.255.255.255"], ["256.1.1.1", "1.2.3", "1.2.3.4.5", "::1"]),
]


@pytest.mark.parametrize(("fmt", "good", "bad"), FORMATS)
@pytest.mark.parametrize("draft", ["07", "2020-12"])
def test_formats_are_enforced_without_a_format_checker(fmt: str, good: list[str], bad: list[str], draft: str) -> None:
    schema = schema_for(event_with(f"v: {{type: string, format: {fmt}}}\n"), draft=draft)
    prop = schema["properties"]["properties"]["properties"]["v"]
    assert prop["format"] == fmt and "pattern" in prop
    for value in good:
        assert valid(schema, track({"v": value})), value
    for value in bad:
        assert not valid(schema, track({"v": value})), value


@pytest.mark.parametrize(("fmt", "good", "bad"), FORMATS)
def test_format_checker_agrees_with_the_pattern(fmt: str, good: list[str], bad: list[str]) -> None:
    from cdpctl.formats import format_checker

    schema = schema_for(event_with(f"v: {{type: string, format: {fmt}}}\n"))
    validator = Draft7Validator(schema, format_checker=format_checker())
    for value in good:
        assert validator.is_valid(track({"v": value})), value
    for value in bad:
        assert not validator.is_valid(track({"v": value})), value


def test_format_and_pattern_both_apply() -> None:
    schema = schema_for(event_with("v: {type: string, format: email, pattern: '@example\\.com$'}\n"))
    assert valid(schema, track({"v": "ada@example.com"}))
    assert not valid(schema, track({"v": "ada@other.com"}))  # fails the user's pattern
    assert not valid(schema, track({"v": "x@example.com@example.com"}))  # fails the email pattern


def test_descriptions_and_deprecation_are_carried_through() -> None:
    body = """\
    events:
      E:
        description: Something happened.
        deprecated: true
        properties:
          a: {type: string, description: The a., deprecated: true, examples: [x, y]}
    """
    schema = schema_for(body)
    assert schema["description"] == "Something happened."
    assert schema["deprecated"] is True
    a = schema["properties"]["properties"]["properties"]["a"]
    assert a == {"description": "The a.", "type": "string", "deprecated": True, "examples": ["x", "y"]}


# -- the envelope, governed and ungoverned calls -----------------------------------


def test_track_envelope_fixes_the_event_name_and_needs_an_id() -> None:
    schema = schema_for(event_with("a: {type: string}\n"))
    assert valid(schema, {"type": "track", "event": "E", "anonymousId": "anon"})
    assert not valid(schema, {"type": "track", "event": "Other", "userId": "u"})
    assert not valid(schema, {"type": "identify", "event": "E", "userId": "u"})
    assert not valid(schema, {"type": "track", "event": "E"})  # no userId nor anonymousId
    assert not valid(schema, {"type": "track", "event": "E", "userId": ""})
    assert not valid(schema, {"type": "track", "event": "E", "userId": "u", "timestamp": "yesterday"})
    assert valid(schema, {"type": "track", "event": "E", "userId": "u", "timestamp": "2024-01-01T00:00:00Z"})


def test_page_and_screen_names_are_fixed() -> None:
    body = """\
    pages:
      Pricing:
        properties:
          path: {type: string, required: true}
    screens:
      Home: {}
    """
    compiled = compile_plan(plan_of(body))
    page, screen = compiled.for_call("page", "Pricing"), compiled.for_call("screen", "Home")
    assert page is not None and screen is not None
    assert valid(page.schema, {"type": "page", "name": "Pricing", "userId": "u", "properties": {"path": "/pricing"}})
    assert not valid(page.schema, {"type": "page", "name": "Pricing", "userId": "u", "properties": {}})
    assert not valid(page.schema, {"type": "page", "name": "Docs", "userId": "u", "properties": {"path": "/"}})
    assert valid(screen.schema, {"type": "screen", "name": "Home", "userId": "u"})
    assert not valid(screen.schema, {"type": "screen", "name": "Home", "userId": "u", "properties": {"x": 1}})


def test_absent_sections_leave_calls_ungoverned() -> None:
    plan = plan_of(event_with("a: {type: string}\n"))
    assert plan.governs("track")
    for call_type in ("identify", "group", "page", "screen"):
        assert not plan.governs(call_type)
    compiled = compile_plan(plan)
    assert [(s.type, s.event) for s in compiled.schemas] == [("track", "E")]
    assert plan.find_call("page", "Anything") is None


def test_present_but_empty_sections_are_governed() -> None:
    plan = plan_of("identify: {}\ngroup:\npages: {}\nscreens:\n")
    for call_type in ("track", "identify", "group", "page", "screen"):
        assert plan.governs(call_type)
    compiled = compile_plan(plan)
    identify = compiled.for_call("identify", None)
    assert identify is not None
    assert valid(identify.schema, {"type": "identify", "userId": "u", "traits": {}})
    assert not valid(identify.schema, {"type": "identify", "userId": "u", "traits": {"email": "x"}})


def test_track_is_governed_even_without_events() -> None:
    plan = plan_of("identify:\n  traits:\n    email: {type: string}\n")
    assert plan.governs("track")
    assert plan.find_call("track", "Anything") is None
    assert [s.type for s in compile_plan(plan).schemas] == ["identify"]


def test_inline_objects_inside_a_reusable_type_follow_the_type() -> None:
    body = """\
    types:
      envelope:
        additional_properties: true
        properties:
          meta: {type: object, properties: {a: {type: string}}}
          strict: {type: object, additional_properties: false, properties: {a: {type: string}}}
    events:
      E:
        properties:
          box: {type: envelope}
    """
    schema = schema_for(body)
    assert valid(schema, track({"box": {"meta": {"a": "x", "extra": 1}, "extra": 1}}))
    assert not valid(schema, track({"box": {"strict": {"a": "x", "extra": 1}}}))
    assert not valid(schema, track({"box": {}, "extra": 1}))  # the event itself follows the plan default


def test_the_other_object_of_a_call_must_be_an_object_too() -> None:
    """``validate`` refuses ``traits`` that is not an object on a track call (and ``properties`` on an
    identify call): the compiled schema says so too (it had no rule for them), as the exported rule does."""
    from cdpctl.interop.export import call_rule

    plan = plan_of("events:\n  E: {}\nidentify:\n  traits: {}\n")
    schemas = {(s.type, s.event): s.schema for s in compile_plan(plan).schemas}
    base = {"userId": "u"}
    track = Draft7Validator(schemas["track", "E"])
    identify = Draft7Validator(schemas["identify", None])
    assert not track.is_valid({**base, "type": "track", "event": "E", "traits": "not-an-object"})
    assert track.is_valid({**base, "type": "track", "event": "E", "traits": {}})
    assert not identify.is_valid({**base, "type": "identify", "properties": []})
    exported = Draft7Validator(call_rule(plan.events["E"])["jsonSchema"])
    assert not exported.is_valid({**base, "type": "track", "event": "E", "traits": "not-an-object"})
