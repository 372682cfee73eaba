"""CP301 property-type-conflict: one property name, one type (and one enum) across the plan."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.errors import Pos
from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import Definition, type_pos
from cdpctl.model import Plan, Property

SPEC_CONFLICTS: dict[str, frozenset[str]] = {
    "position": frozenset({"integer", "number", "string"}),
    "value": frozenset({"number", "integer", "string"}),
}
"""Names the Segment e-commerce v2 spec itself defines with two types: a promotion's ``position`` is a
string and a product's a number; a filter's or sort's ``value`` is a string and an order's a number."""


def _spec_allows(name: str, first: Property, second: Property) -> bool:
    allowed = SPEC_CONFLICTS.get(name)
    return allowed is not None and {first.type, second.type} <= allowed and not (first.ref or second.ref)


def type_text(prop: Property) -> str:
    """``string``, ``array of product``, ``object (product)``."""
    if prop.ref is not None:
        return prop.ref
    if prop.type == "array" and prop.items is not None:
        return f"array of {type_text(prop.items)}"
    return prop.type


def _enum_key(values: list[Any]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((type(value).__name__, repr(value)) for value in values))


def _where(first: Definition, at: Pos) -> str:
    pos = first.prop.pos
    place = f"line {pos.line}" if pos.file == at.file else str(pos)
    return f"{first.where}, {place}"


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    compare_enums = options["enums"]
    nested = options["nested"]
    ignore = set(options["ignore"])
    first_type: dict[tuple[str, str], Definition] = {}
    first_enum: dict[tuple[str, str], Definition] = {}
    for definition in source.definitions(plan):
        prop = definition.prop
        if definition.is_item or prop.name in ignore or (not nested and not definition.top_level):
            continue
        key = (definition.kind, prop.name)
        earlier = first_type.get(key)
        if earlier is None:
            first_type[key] = definition
        elif (
            type_text(earlier.prop) != type_text(prop)
            and "any" not in (earlier.prop.type, prop.type)
            and not (options["allow_spec_conflicts"] and _spec_allows(prop.name, earlier.prop, prop))
        ):
            at = type_pos(plan, prop)
            yield Hit(
                at,
                f"{definition.kind} '{prop.name}' is {type_text(prop)} in {definition.where} but "
                f"{type_text(earlier.prop)} in {_where(earlier, at)}; one name should mean one type everywhere",
            )
            continue
        if not compare_enums or "enum" not in prop.constraints:
            continue
        earlier_enum = first_enum.get(key)
        if earlier_enum is None:
            first_enum[key] = definition
            continue
        mine, theirs = prop.constraints["enum"], earlier_enum.prop.constraints["enum"]
        if _enum_key(mine) != _enum_key(theirs):
            at = prop.key_pos.get("enum", type_pos(plan, prop))
            yield Hit(
                at,
                f"{definition.kind} '{prop.name}' allows {mine!r} in {definition.where} but {theirs!r} in "
                f"{_where(earlier_enum, at)}; move it to the shared properties so both use one definition",
            )


RULE = Rule(
    code="CP301",
    slug="property-type-conflict",
    severity="error",
    summary="The same property name has the same type (and the same enum) wherever it is defined.",
    description=(
        "When 'price' is a number on one event and a string on another, the warehouse column takes "
        "whichever type arrived first and the other event's data is lost or cast. Every definition of a "
        "property name (traits separately from properties) must have the same type, and, when both define "
        "an enum, the same values. Nested properties are compared by their name too unless 'nested' is "
        "false; names in 'ignore' are skipped. The Segment e-commerce v2 spec itself gives two names two "
        "types (a promotion's 'position' is a string, a product's a number; a filter's or sort's 'value' is a "
        "string, an order's a number): a plan that follows the spec is not reported for them unless "
        "'allow_spec_conflicts' is false. The finding points at the 'type' (or 'enum') of the later "
        "definition and names the earlier one. Reusing one entry of the shared property library avoids "
        "the problem entirely."
    ),
    check=check,
    options={
        "enums": Option(True, "also report two enums of the same property that differ"),
        "nested": Option(True, "also compare properties nested in objects and arrays"),
        "ignore": Option([], "property names not compared", item_type=str),
        "allow_spec_conflicts": Option(
            True, "accept the two types the Segment e-commerce v2 spec itself gives 'position' and 'value'"
        ),
    },
    strict_options={"allow_spec_conflicts": False},
    passing="""\
properties:
  price: {type: number, description: Unit price.}
events:
  Banner Viewed:
    description: A banner was shown.
    properties:
      price: {required: true}
  Banner Clicked:
    description: A banner was clicked.
    properties:
      price: {type: number}
""",
    failing="""\
events:
  Product Viewed:
    description: A product page was shown.
    properties:
      price: {type: number}
      size: {type: string, enum: [S, M, L]}
  Product Added:
    description: A product went into the cart.
    properties:
      price: {type: string}
      size: {type: string, enum: [small, medium, large]}
""",
    failing_at=[(10, 15), (11, 28)],
)
