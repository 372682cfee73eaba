"""CP402 semantic-event: Segment e-commerce v2 semantic events carry the Spec's key properties."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.rules.reserved_property import json_schema_types
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import items_outside, type_pos
from cdpctl.model import Plan, Property

KEY_PROPERTIES: dict[str, tuple[str, ...]] = {
    "Products Searched": ("query",),
    "Product List Viewed": ("products",),
    "Product List Filtered": ("products",),
    "Promotion Viewed": ("promotion_id",),
    "Promotion Clicked": ("promotion_id",),
    "Product Clicked": ("product_id",),
    "Product Viewed": ("product_id",),
    "Product Added": ("product_id",),
    "Product Removed": ("product_id",),
    "Cart Viewed": ("products",),
    "Checkout Started": ("order_id", "products"),
    "Checkout Step Viewed": ("step",),
    "Checkout Step Completed": ("step",),
    "Payment Info Entered": ("order_id",),
    "Order Updated": ("order_id", "products"),
    "Order Completed": ("order_id", "products"),
    "Order Refunded": ("order_id",),
    "Order Cancelled": ("order_id",),
    "Coupon Entered": ("coupon_id",),
    "Coupon Applied": ("coupon_id",),
    "Coupon Denied": ("coupon_id",),
    "Coupon Removed": ("coupon_id",),
    "Product Added to Wishlist": ("wishlist_id", "product_id"),
    "Product Removed from Wishlist": ("wishlist_id", "product_id"),
    "Wishlist Product Added to Cart": ("wishlist_id", "product_id"),
    "Product Shared": ("product_id",),
    "Cart Shared": ("products",),
    "Product Reviewed": ("product_id",),
}
"""Segment e-commerce v2 semantic events and the properties without which they are not that event."""


KEY_TYPES: dict[str, tuple[str, ...]] = {
    "query": ("string", "object"),
    "products": ("array",),
    "promotion_id": ("string",),
    "product_id": ("string",),
    "order_id": ("string",),
    "step": ("integer", "number"),
    "coupon_id": ("string",),
    "wishlist_id": ("string",),
}
"""The type the e-commerce v2 page gives each key property (``query``: String or Object; ``step``: Number)."""


def _norm(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.casefold())


_BY_NORM = {_norm(name): name for name in KEY_PROPERTIES}


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    required = options["required"]
    for call in plan.events.values():
        assert call.name is not None
        spec_name: str | None = call.name if call.name in KEY_PROPERTIES else None
        if spec_name is None and options["match_other_casing"]:
            spec_name = _BY_NORM.get(_norm(call.name))
        if not spec_name:
            continue
        wanted = KEY_PROPERTIES[spec_name]
        fields = {**call.common_fields, **call.fields}  # a common rule provides the property too
        missing = [name for name in wanted if name not in fields]
        if missing:
            yield Hit(
                call.pos,
                f"'{call.name}' is the Segment e-commerce v2 semantic event '{spec_name}' but lacks its key "
                f"propert{'ies' if len(missing) > 1 else 'y'} {', '.join(repr(m) for m in missing)}; "
                "destinations that map the event need them",
            )
            continue
        yield from _wrong_types(plan, call.name, [(name, fields[name]) for name in wanted])
        if required:
            optional = [
                name for name in wanted
                if not (name in call.fields and call.fields[name].required)
                and not (name in call.common_fields and call.common_fields[name].required)
            ]
            if optional:
                yield Hit(
                    fields[optional[0]].pos,
                    f"key propert{'ies' if len(optional) > 1 else 'y'} {', '.join(repr(m) for m in optional)} of "
                    f"semantic event '{call.name}' should be required",
                )


def _wrong_types(plan: Plan, event: str, props: list[tuple[str, Property]]) -> Iterator[Hit]:
    """The key properties whose type is not the Spec's (``products`` items too: product objects)."""
    for name, prop in props:
        expected = KEY_TYPES[name]
        raw_types = json_schema_types(prop.extra.get("json_schema"))
        if raw_types is not None:
            shown = " or ".join(sorted(raw_types))
            if raw_types and not raw_types & set(expected):
                yield Hit(
                    prop.key_pos.get("json_schema", prop.pos),
                    f"key property '{name}' of semantic event '{event}' is {shown} by its JSON Schema; "
                    f"the e-commerce v2 Spec types it {' or '.join(expected)}",
                )
            continue
        if prop.type not in ("any", *expected):
            yield Hit(
                type_pos(plan, prop),
                f"key property '{name}' of semantic event '{event}' is {prop.type}; the e-commerce v2 Spec types it "
                f"{' or '.join(expected)}",
            )
        elif name == "products" and (outside := items_outside(plan, prop, ("object",))) is not None:
            yield Hit(
                outside[0],
                f"the items of key property 'products' of semantic event '{event}' are {outside[1]}; "
                "the e-commerce v2 Spec makes them product objects",
            )


RULE = Rule(
    code="CP402",
    slug="semantic-event",
    severity="warning",
    summary="An event named like a Segment e-commerce v2 semantic event has the Spec's key properties.",
    description=(
        "Destinations (Google Analytics, Facebook, Amplitude, ...) map Segment's semantic events by name: "
        "an 'Order Completed' without 'order_id' or 'products' is accepted by the plan but breaks revenue "
        "reporting downstream. Each e-commerce v2 event has its key properties (Order Completed: order_id "
        "and products; Product Viewed: product_id; Products Searched: query; Checkout Step Viewed: step; "
        "...), and each has the type the e-commerce v2 page gives it (order_id, product_id and the other "
        "ids strings, products an array of objects, step a number, query a string or an object). The v2 page "
        "marks no property required; these are the ones the e-commerce overview says some destinations "
        "require. A property of the plan's common rules ('common:') counts as one of the event's. Names in another "
        "casing ('order_completed') are matched too unless 'match_other_casing' is false; with 'required' "
        "the key properties must also be required (by the event or by the common rule)."
    ),
    check=check,
    options={
        "match_other_casing": Option(True, "also match 'order_completed', 'orderCompleted', ..."),
        "required": Option(False, "key properties must be 'required: true'"),
    },
    strict_options={"required": True},
    passing="""\
events:
  Order Completed:
    description: The customer paid.
    properties:
      order_id: {type: string, required: true}
      products: {type: array, items: {type: object}, required: true}
""",
    failing="""\
events:
  Order Completed:
    description: The customer paid.
    properties:
      total: {type: number}
  Product Viewed:
    description: The customer looked at a product.
    properties:
      product_id: {type: integer}
""",
    failing_at=[(2, 3), (9, 20)],
)
