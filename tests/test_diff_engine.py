"""The diff engine on whole plans: refactors are no change, shared definitions reach every path."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdpctl.diff import compare, diff_plans
from cdpctl.diff.rules import Change
from cdpctl.loader import load_plan, load_plan_text

PLANS = Path(__file__).resolve().parents[1] / "plans"


def changes(old: str, new: str) -> list[Change]:
    return diff_plans(load_plan_text(old, "old.yaml"), load_plan_text(new, "new.yaml"))


INLINE = """\
plan: Shop
version: 1.0.0
events:
  Order Completed:
    description: Paid.
    properties:
      order_id: {type: string, min_length: 1, required: true, description: Order id.}
      total: {type: number, minimum: 0}
      items:
        type: array
        items:
          type: object
          properties:
            sku: {type: string, required: true}
            price: {type: number, minimum: 0}
  Order Refunded:
    properties:
      order_id: {type: string, min_length: 1, description: Order id.}
"""

REFACTORED = """\
# the same plan: order_id moved to the shared library, the line item to a type, keys reordered, flow/block swapped
version: "1.0.0"
plan: Shop
types:
  line_item:
    properties:
      price:
        minimum: 0
        type: number
      sku: {required: true, type: string}
properties:
  order_id:
    description: Order id.
    type: string
    min_length: 1
events:
  Order Refunded:
    properties: {order_id: {}}
  Order Completed:
    properties:
      items: {items: line_item, type: array}
      total: {minimum: 0, type: number}
      order_id: {required: true}
    description: Paid.
"""


def test_identical_plan_has_no_change() -> None:
    plan = load_plan(PLANS / "acme-shop.yaml")
    assert diff_plans(plan, load_plan(PLANS / "acme-shop.yaml")) == []


def test_refactor_only_is_no_change() -> None:
    assert changes(INLINE, REFACTORED) == []
    assert changes(REFACTORED, INLINE) == []


def test_split_plan_compares_as_a_whole(tmp_path: Path) -> None:
    (tmp_path / "whole.yaml").write_text(INLINE, encoding="utf-8")
    root, _, rest = INLINE.partition("  Order Refunded:\n")
    (tmp_path / "split.yaml").write_text(root + "include: [more/refunds.yaml]\n", encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "refunds.yaml").write_text("events:\n  Order Refunded:\n" + rest, encoding="utf-8")
    assert diff_plans(load_plan(tmp_path / "whole.yaml"), load_plan(tmp_path / "split.yaml")) == []


SHARED_TYPE = """\
plan: Rides
version: 1.0.0
types:
  location:
    properties:
      lat: {type: number, minimum: -90, maximum: 90, required: true}
      lon: {type: number, minimum: -180, maximum: 180, required: true}
events:
  Ride Requested:
    properties:
      pickup: {type: location, required: true}
      dropoff: {type: location}
  Ride Completed:
    properties:
      dropoff: {type: location, required: true}
"""


def test_shared_type_change_is_reported_at_every_path() -> None:
    new = SHARED_TYPE.replace("      lon: {", "      accuracy: {type: number, required: true}\n      lon: {")
    found = changes(SHARED_TYPE, new)
    assert {(c.event, c.path, c.rule) for c in found} == {
        ("Ride Requested", "properties.pickup.accuracy", "property-added-required"),
        ("Ride Requested", "properties.dropoff.accuracy", "property-added-required"),
        ("Ride Completed", "properties.dropoff.accuracy", "property-added-required"),
    }
    # the position points at the definition in the types library of the NEW plan
    assert all(c.pos is not None and c.pos.line == 7 for c in found)


def test_shared_property_change_reaches_every_event() -> None:
    new = INLINE.replace("min_length: 1, required: true", "min_length: 2, required: true").replace(
        "min_length: 1, description", "min_length: 2, description"
    )
    found = changes(INLINE, new)
    assert {(c.event, c.path, c.rule) for c in found} == {
        ("Order Completed", "properties.order_id", "min-length-tightened"),
        ("Order Refunded", "properties.order_id", "min-length-tightened"),
    }
    assert {(c.old, c.new) for c in found} == {(1, 2)}
    refactored = REFACTORED.replace("min_length: 1", "min_length: 2")
    assert {(c.event, c.rule) for c in changes(REFACTORED, refactored)} == {
        ("Order Completed", "min-length-tightened"),
        ("Order Refunded", "min-length-tightened"),
    }


def test_nested_item_paths() -> None:
    new = INLINE.replace("price: {type: number, minimum: 0}", "price: {type: integer, minimum: 0}")
    [change] = changes(INLINE, new)
    assert (change.path, change.rule, change.old, change.new) == ("properties.items[].price", "type-narrowed", "number", "integer")
    assert "items[].price" in change.message


def test_removed_object_is_one_change_not_one_per_child() -> None:
    new = INLINE.replace(
        """      items:
        type: array
        items:
          type: object
          properties:
            sku: {type: string, required: true}
            price: {type: number, minimum: 0}
""",
        "",
    )
    found = changes(INLINE, new)
    assert [(c.rule, c.path) for c in found] == [("property-removed", "properties.items")]
    assert found[0].old["type"] == "array"


def test_unrelated_type_change_does_not_also_report_constraints() -> None:
    old = INLINE
    new = INLINE.replace("total: {type: number, minimum: 0}", "total: {type: string}")
    assert [c.rule for c in changes(old, new)] == ["type-changed"]


def test_inclusive_and_exclusive_bounds_compare_by_meaning() -> None:
    def body(bound: str, kind: str = "integer") -> str:
        return f"plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      n: {{type: {kind}, {bound}}}\n"

    assert changes(body("minimum: 1"), body("exclusive_minimum: 0")) == []
    assert changes(body("maximum: 9"), body("exclusive_maximum: 10")) == []
    [tight] = changes(body("minimum: 0", "number"), body("exclusive_minimum: 0", "number"))
    assert (tight.rule, tight.old, tight.new) == ("minimum-tightened", 0, {"exclusive_minimum": 0})
    [loose] = changes(body("exclusive_maximum: 10", "number"), body("maximum: 10", "number"))
    assert loose.rule == "maximum-loosened"


def test_widening_to_any_and_items_definition() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      t: {type: array}\n"
    new = old.replace("{type: array}", "{type: array, items: {type: string, max_length: 5}}")
    found = changes(old, new)
    assert [(c.path, c.rule) for c in found] == [("properties.t[]", "type-narrowed"), ("properties.t[]", "max-length-set")]
    assert [(c.path, c.rule) for c in changes(new, old)] == [
        ("properties.t[]", "type-widened"),
        ("properties.t[]", "max-length-removed"),
    ]


def test_untyped_items_getting_an_object_shape_is_one_narrowing() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      t: {type: array}\n"
    new = old.replace("{type: array}", "{type: array, items: {type: object, properties: {x: {type: string, required: true}}}}")
    assert [(c.path, c.rule) for c in changes(old, new)] == [("properties.t[]", "type-narrowed")]
    assert [(c.path, c.rule) for c in changes(new, old)] == [("properties.t[]", "type-widened")]


def test_ambiguous_renames_are_not_paired() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      a: {type: string}\n      b: {type: string}\n"
    new = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      c: {type: string}\n"
    assert sorted(c.rule for c in changes(old, new)) == ["property-added-optional", "property-removed", "property-removed"]


def test_rename_keeps_reporting_documentation_differences() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      a: {type: string, description: x}\n"
    new = old.replace("a: {", "b: {").replace("description: x", "description: y")
    found = changes(old, new)
    assert [(c.rule, c.path, c.old, c.new) for c in found] == [
        ("property-renamed", "properties.b", "a", "b"),
        ("description-changed", "properties.b", "x", "y"),
    ]


def test_empty_events_are_not_taken_for_renames() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A: {}\n"
    new = "plan: T\nversion: 1.0.0\nevents:\n  B: {}\n"
    assert sorted(c.rule for c in changes(old, new)) == ["event-added", "event-removed"]


def test_traits_pages_and_screens() -> None:
    old = """\
plan: T
version: 1.0.0
identify:
  traits:
    email: {type: string, format: email}
pages:
  Pricing: {properties: {path: {type: string}}}
"""
    new = """\
plan: T
version: 1.0.0
identify:
  traits:
    email: {type: string, format: email, required: true}
pages:
  Pricing: {properties: {path: {type: string, required: true}}}
  Home: {}
screens:
  Home: {}
"""
    found = {(c.call_type, c.event, c.path, c.rule) for c in changes(old, new)}
    assert found == {
        ("identify", None, "traits.email", "property-became-required"),
        ("page", "Pricing", "properties.path", "property-became-required"),
        ("page", "Home", "", "event-added"),
        ("screen", None, "", "section-added"),
    }
    trait_change = next(c for c in changes(old, new) if c.call_type == "identify")
    assert trait_change.message == "trait 'email' became required"


def test_plan_default_reaches_every_call() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A: {}\n  B: {additional_properties: false}\n"
    new = "plan: T\nversion: 1.0.0\ndefaults: {additional_properties: true}\nevents:\n  A: {}\n  B: {additional_properties: false}\n"
    [change] = changes(old, new)
    assert (change.event, change.path, change.rule) == ("A", "properties", "additional-properties-opened")


def test_report_orders_groups_by_worst_change_per_view() -> None:
    old = "plan: T\nversion: 1.0.0\nevents:\n  A: {properties: {x: {type: integer}}}\n  B: {properties: {y: {type: string}}}\n"
    new = (
        "plan: T\nversion: 1.0.0\nevents:\n  A: {properties: {x: {type: number}}, description: doc}\n"
        "  B: {properties: {y: {type: string, required: true}}}\n"
    )
    report = compare(load_plan_text(old, "old.yaml"), load_plan_text(new, "new.yaml"), "old", "new")
    # A: type widened (consumers break), B: became required (producers break)
    assert [c.rule for c in report.ordered("producer")] == ["property-became-required", "type-widened", "description-changed"]
    assert [c.rule for c in report.ordered("consumer")] == ["type-widened", "description-changed", "property-became-required"]
    assert report.counts("producer") == {"breaking": 1, "warning": 0, "info": 2}
    assert report.counts("both") == {"breaking": 2, "warning": 0, "info": 1}


def test_new_plan_against_nothing() -> None:
    new = load_plan_text("plan: T\nversion: 0.1.0\nevents:\n  A: {}\nscreens:\n  Home: {}\n", "new.yaml")
    report = compare(None, new, "main:new.yaml", "new.yaml")
    assert [c.rule for c in report.changes] == ["event-added", "section-added"]
    assert report.version.ok and report.version.old is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("{type: string, nullable: true}", "{type: any}", [("properties.a", "type-widened")]),  # any admits null
        ("{type: any}", "{type: string, nullable: true}", [("properties.a", "type-narrowed")]),
        ("{type: integer, enum: [1, 2]}", "{type: number, enum: [1.0, 2.0]}", []),  # the same values
        ("{type: number, enum: [1, 2, 3]}", "{type: number, enum: [1.0, 2]}", [("properties.a", "enum-value-removed")]),
        ("{type: string, nullable: true}", "{type: string}", [("properties.a", "property-became-non-nullable")]),
    ],
)
def test_null_and_enum_values_compare_by_what_they_admit(old: str, new: str, expected: list[tuple[str, str]]) -> None:
    plan = "plan: T\nversion: 1.0.0\nevents:\n  A:\n    properties:\n      a: PROP\n"
    found = changes(plan.replace("PROP", old), plan.replace("PROP", new))
    assert [(c.path, c.rule) for c in found] == expected


COMMON_BASE = """\
plan: Shop
version: 1.0.0
common:
  properties:
    platform: {type: string}
  traits:
    meta: {type: object, additional_properties: true}
events:
  Order Completed:
    properties:
      total: {type: number}
identify:
  traits:
    email: {type: string}
"""


def test_a_call_property_under_a_common_name_is_compared_with_the_common_rule() -> None:
    """A closed call admits the names of its common rules: a property the call adds under one narrows what
    was accepted. It was "added, optional" (info, exit 0) while messages valid before failed; dropping it
    again leaves the common rule, never "removed"."""
    from cdpctl.diff import diff_plans
    from cdpctl.validation import Validator

    old = load_plan_text(COMMON_BASE, "old.yaml")
    new_text = COMMON_BASE.replace("      total: {type: number}\n", "      total: {type: number}\n      platform: {type: string, enum: [web, ios]}\n")
    new_text = new_text.replace("    email: {type: string}\n", "    email: {type: string}\n    meta: {type: object, properties: {source: {type: string}}}\n")
    new = load_plan_text(new_text, "new.yaml")
    message = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"total": 1, "platform": "android"}}
    identify = {"type": "identify", "userId": "u", "traits": {"meta": {"campaign": "x"}}}
    assert Validator(old).check(message) == [] and Validator(old).check(identify) == []
    assert Validator(new).check(message) and Validator(new).check(identify)  # both now refused
    found = {(c.rule, c.path, c.producer) for c in diff_plans(old, new)}
    assert ("enum-set", "properties.platform", "breaking") in found
    assert ("additional-properties-closed", "traits.meta", "breaking") in found
    back = {(c.rule, c.path) for c in diff_plans(new, old)}
    assert not [rule for rule, path in back if rule.startswith("property-removed") and path in ("properties.platform", "traits.meta")]
    assert ("enum-removed", "properties.platform") in back


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("{type: integer, multiple_of: 0.5}", "{type: integer}"),  # every integer is a multiple of 0.5
        ("{type: integer, multiple_of: 1.5}", "{type: integer, multiple_of: 3}"),  # the same integers
        ("{type: string, enum: [web, app], const: web}", "{type: string, const: web}"),  # only 'web' either way
        ("{type: string, enum: [a]}", "{type: string, enum: [a, b], const: a}"),
    ],
)
def test_spellings_that_admit_the_same_values_are_no_change(old: str, new: str) -> None:
    """They were reported as breaking (multiple-of-removed, multiple-of-tightened, enum-removed, const-added)
    though no message is judged differently."""
    head = "plan: P\nversion: 1.0.0\nevents:\n  E:\n    properties:\n      v: "
    assert changes(f"{head}{old}\n", f"{head}{new}\n") == []
