"""CP101 event-name-casing: event names follow one naming convention."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint import naming
from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import call_kind
from cdpctl.model import Plan
from cdpctl.patterns import fullmatcher

CALL_TYPES = ("track", "page", "screen")


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    style = naming.canonical_style(options["style"]) or "Object Action"
    custom = fullmatcher(options["pattern"]) if options["pattern"] else None
    types = set(options["calls"])
    for call in plan.calls():
        if call.type not in types or call.name is None:
            continue
        name = call.name
        if custom is not None:
            if not custom(name):
                yield Hit(call.pos, f"{call_kind(call)} name '{name}' does not match the configured pattern '{options['pattern']}'")
            continue
        if not naming.matches(name, style):
            fixed = naming.convert(name, style)
            hint = f" (rename to '{fixed}')" if fixed and fixed != name else ""
            what = "Object Action in Title Case" if style == "Object Action" else style
            yield Hit(
                call.pos,
                f"{call_kind(call)} name '{name}' is not {what}, e.g. '{naming.example(style)}'{hint}",
            )
            continue
        if style == "Object Action" and options["past_tense"] and call.type == "track":
            words = name.split(" ")
            if not any(naming.is_past_tense(word) for word in words):  # 'Product Added to Wishlist', 'Signed Up'
                yield Hit(
                    call.pos,
                    f"event name '{name}' should hold its action in the past tense (none of its words is), "
                    "e.g. 'Order Completed', 'Product Added to Wishlist'",
                )


RULE = Rule(
    code="CP101",
    slug="event-name-casing",
    severity="warning",
    summary="Event names follow one naming convention (Segment's Object Action in Title Case by default).",
    description=(
        "Segment's naming convention names an event after the object and the action done to it, in Title "
        "Case: 'Order Completed', 'Product Added to Wishlist'. Short words such as 'to', 'of' or 'from' stay "
        "lower case inside a name; words in capitals are acronyms ('API Key Created'), but a name in capitals only "
        "('ORDER COMPLETED') is not Title Case. One convention across a plan keeps events findable and stops near-duplicates "
        "('order completed', 'OrderCompleted') from splitting the data. Other conventions are selectable with "
        "'style'; 'pattern' sets a regular expression instead. Page and screen names are checked too when "
        "listed in 'calls'."
    ),
    check=check,
    options={
        "style": Option(
            "Object Action",
            "naming style: " + ", ".join(naming.STYLES),
            choices=naming.STYLES,
        ),
        "pattern": Option(
            "", "a regular expression every name must fully match (overrides 'style')", regex=True
        ),
        "past_tense": Option(False, "with Object Action, the action must be a verb in the past tense ('Order Completed', 'Product Added to Wishlist')"),
        "calls": Option(["track"], "call types whose names are checked: track, page, screen", item_type=str,
                        choices=CALL_TYPES),
    },
    strict_options={"past_tense": True},
    passing="""\
events:
  Signup Completed:
    description: The user finished the signup form.
  Video Added to Playlist:
    description: A video was saved for later.
""",
    failing="""\
events:
  order_completed:
    description: The customer paid.
  Product added:
    description: A product was put in the cart.
""",
    failing_at=[(2, 3), (4, 3)],
)
