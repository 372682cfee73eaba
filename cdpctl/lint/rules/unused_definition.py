"""CP401 unused-definition: every shared property and type is used somewhere."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.model import Plan, Property


def _uses(prop: Property, shared: set[str], refs: set[str]) -> None:
    for _, sub in prop.walk(prop.name):
        if sub.shared is not None:
            shared.add(sub.shared)
        if sub.ref is not None:
            refs.add(sub.ref)


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    shared: set[str] = set()
    refs: set[str] = set()
    for prop in plan.properties.values():
        _uses(prop, shared, refs)  # top-level entries never inherit themselves; nested ones may reuse others
    for typedef in plan.types.values():
        for prop in typedef.properties.values():
            _uses(prop, shared, refs)
    for call in plan.calls():
        for prop in call.fields.values():
            _uses(prop, shared, refs)
    common = plan.common
    if common is not None:
        for section in (common.properties, common.traits, common.context):
            for prop in section.values():
                _uses(prop, shared, refs)
    ignore = set(options["ignore"])
    if options["properties"]:
        for name, prop in plan.properties.items():
            if name not in shared and name not in ignore:
                yield Hit(
                    prop.pos,
                    f"shared property '{name}' is not used by any event, type or trait; use it or remove it",
                )
    if options["types"]:
        for name, typedef in plan.types.items():
            if name not in refs and name not in ignore:
                yield Hit(typedef.pos, f"type '{name}' is not used by any property; use it or remove it")


RULE = Rule(
    code="CP401",
    slug="unused-definition",
    severity="warning",
    summary="Every shared property and reusable type is used by something.",
    description=(
        "A shared property or type that nothing uses is dead weight at best and, at worst, the definition "
        "a team believes it is editing while the events use a local copy (a property that redefines its "
        "type does not inherit the shared definition). A shared property counts as used when a property "
        "or trait of that name inherits it anywhere; a type when any property, item or shared property "
        "uses it. Names in 'ignore' are skipped."
    ),
    check=check,
    options={
        "properties": Option(True, "report unused shared properties"),
        "types": Option(True, "report unused types"),
        "ignore": Option([], "shared property and type names not reported", item_type=str),
    },
    passing="""\
properties:
  order_id: {type: string, description: Unique order id.}
types:
  product:
    description: One line item.
    properties:
      product_id: {type: string}
events:
  Order Completed:
    description: The customer paid.
    properties:
      order_id: {required: true}
      products: {type: array, items: product}
""",
    failing="""\
properties:
  order_id: {type: string, description: Unique order id.}
  coupon: {type: string, description: Coupon code.}
types:
  address:
    description: A postal address.
    properties:
      city: {type: string}
events:
  Order Completed:
    description: The customer paid.
    properties:
      order_id: {required: true}
""",
    failing_at=[(3, 3), (5, 3)],
)
