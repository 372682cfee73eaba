"""CP201 missing-description: events, shared properties and types say what they are."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import call_label
from cdpctl.model import Plan


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    if options["events"]:
        for call in plan.events.values():
            if _blank(call.description):
                yield Hit(call.pos, f"event '{call.name}' has no description")
    if options["pages_and_screens"]:
        for calls in (plan.pages, plan.screens):
            for call in (calls or {}).values():
                if _blank(call.description):
                    yield Hit(call.pos, f"{call_label(call)} has no description")
    if options["shared_properties"]:
        for name, prop in plan.properties.items():
            if _blank(prop.description):
                yield Hit(prop.pos, f"shared property '{name}' has no description")
    if options["types"]:
        for name, typedef in plan.types.items():
            if _blank(typedef.description):
                yield Hit(typedef.pos, f"type '{name}' has no description")
    if options["properties"]:
        for definition in source.definitions(plan):
            if definition.call is None or definition.is_item:
                continue
            if _blank(definition.prop.description):
                yield Hit(
                    definition.prop.pos,
                    f"{definition.kind} '{definition.path}' of {definition.where} has no description",
                )


RULE = Rule(
    code="CP201",
    slug="missing-description",
    severity="warning",
    summary="Events, shared properties and types have a description.",
    description=(
        "A description is what tells an analyst what an event means and when it fires, and tells an "
        "engineer which definition to reuse. Events, entries of the shared property library and "
        "reusable types need one; a blank description counts as none. 'pages_and_screens' extends the "
        "check to page and screen calls and 'properties' to every property written in a call (a property "
        "reusing a shared definition inherits its description)."
    ),
    check=check,
    options={
        "events": Option(True, "events need a description"),
        "shared_properties": Option(True, "shared properties need a description"),
        "types": Option(True, "reusable types need a description"),
        "pages_and_screens": Option(False, "page and screen calls need a description"),
        "properties": Option(False, "every property and trait written in a call needs a description"),
    },
    strict_options={"pages_and_screens": True},
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
  order_id: {type: string}
types:
  product:
    properties:
      product_id: {type: string}
events:
  Order Completed:
    properties:
      order_id: {required: true}
      products: {type: array, items: product}
""",
    failing_at=[(2, 3), (4, 3), (8, 3)],
)
