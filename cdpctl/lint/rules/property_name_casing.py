"""CP102 property-name-casing: property and trait names follow one naming convention."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint import naming
from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.model import Plan

STYLES = ("snake_case", "camelCase", "PascalCase", "kebab-case")


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    style = naming.canonical_style(options["style"]) or "snake_case"
    trait_style = naming.canonical_style(options["traits_style"]) if options["traits_style"] else style
    trait_style = trait_style or style
    allowed = set(options["allow"])
    for definition in source.definitions(plan):
        prop = definition.prop
        if definition.is_item or prop.name in allowed:
            continue
        wanted = trait_style if definition.kind == "trait" else style
        if naming.matches(prop.name, wanted):
            continue
        fixed = naming.convert(prop.name, wanted)
        hint = f" (rename to '{fixed}')" if fixed and fixed != prop.name else ""
        yield Hit(
            prop.pos,
            f"{definition.kind} name '{prop.name}' in {definition.where} is not {wanted}{hint}",
        )


RULE = Rule(
    code="CP102",
    slug="property-name-casing",
    severity="warning",
    summary="Property and trait names follow one naming convention (snake_case by default).",
    description=(
        "Warehouses, SQL and downstream tools treat 'orderId', 'order_id' and 'OrderID' as different "
        "columns; one convention keeps them one column. Every property is checked wherever it is written "
        "(shared library, types, events, pages, screens, nested objects), and identify and group traits "
        "too: they follow 'traits_style' when set (Segment's reserved traits are camelCase: set "
        "'traits_style: camelCase' to follow them), else 'style'. Names listed in 'allow' are exempt."
    ),
    check=check,
    options={
        "style": Option("snake_case", "naming style of properties: " + ", ".join(STYLES), choices=STYLES),
        "traits_style": Option("", "naming style of traits (default: the same as 'style')", choices=("", *STYLES)),
        "allow": Option([], "names exempt from the rule", item_type=str),
    },
    passing="""\
events:
  Invoice Paid:
    description: The customer paid an invoice.
    properties:
      invoice_id: {type: string}
      shipping_address:
        type: object
        properties:
          postal_code: {type: string}
""",
    failing="""\
events:
  Order Completed:
    description: The customer paid.
    properties:
      orderId: {type: string}
      shipping_address:
        type: object
        properties:
          PostalCode: {type: string}
identify:
  traits:
    first-name: {type: string}
""",
    failing_at=[(5, 7), (9, 11), (12, 5)],
)
