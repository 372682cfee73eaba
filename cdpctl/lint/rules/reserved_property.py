"""CP304 reserved-property: Segment Spec properties and traits used with their defined meaning."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import SHARED_LIBRARY, items_outside, type_pos
from cdpctl.model import Plan

NUMERIC = ("integer", "number")

PROPERTY_TYPES: dict[str, tuple[str, ...]] = {
    "revenue": NUMERIC,
    "price": NUMERIC,
    "total": NUMERIC,
    "value": NUMERIC,
    "subtotal": NUMERIC,
    "tax": NUMERIC,
    "shipping": NUMERIC,
    "discount": NUMERIC,
    "quantity": NUMERIC,
    "currency": ("string",),
}
"""Segment Spec (and e-commerce v2) properties with a defined type, checked where the Spec puts them:
at the top level of a call's properties (order-level amounts) ..."""

ITEM_LEVEL = frozenset({"price", "quantity"})
"""... and, for these, at any depth too (a product's price and quantity in ``products[]``)."""

PAGE_PROPERTY_TYPES: dict[str, tuple[str, ...]] = {
    "name": ("string",),
    "path": ("string",),
    "referrer": ("string",),
    "search": ("string",),
    "title": ("string",),
    "url": ("string",),
    "keywords": ("array",),
}
"""Properties the Spec defines for page calls (Spec: Page, Properties; ``keywords`` is Array[String])."""

SCREEN_PROPERTY_TYPES: dict[str, tuple[str, ...]] = {"name": ("string",)}
"""Properties the Spec defines for screen calls (Spec: Screen, Properties)."""

STRING_ITEMS = frozenset({"keywords"})
"""Arrays the Spec defines as arrays of strings."""

SHARED_TRAITS: dict[str, tuple[str, ...]] = {
    "address": ("object",),
    "avatar": ("string",),
    "created_at": ("string",),
    "createdAt": ("string",),
    "description": ("string",),
    "email": ("string",),
    "id": ("string", "integer"),
    "name": ("string",),
    "phone": ("string",),
    "website": ("string",),
}
"""Reserved traits that Spec: Identify and Spec: Group both define, with their type."""

IDENTIFY_TRAITS: dict[str, tuple[str, ...]] = {
    **SHARED_TRAITS,
    "age": NUMERIC,
    "birthday": ("string",),
    "company": ("object",),
    "first_name": ("string",),
    "firstName": ("string",),
    "gender": ("string",),
    "last_name": ("string",),
    "lastName": ("string",),
    "title": ("string",),
    "username": ("string",),
}
"""Spec: Identify's reserved traits (its table; the snake_case forms too, as the page allows)."""

GROUP_TRAITS: dict[str, tuple[str, ...]] = {
    **SHARED_TRAITS,
    "employees": ("string", *NUMERIC),  # the page's table says String, its examples send 329
    "industry": ("string",),
    "plan": ("string",),
}
"""Spec: Group's reserved traits."""

TRAIT_TABLES: dict[str | None, dict[str, tuple[str, ...]]] = {
    "identify": IDENTIFY_TRAITS,
    "group": GROUP_TRAITS,
    None: {**GROUP_TRAITS, **IDENTIFY_TRAITS},  # the common traits: they apply to both calls
}


def _expected(types: tuple[str, ...]) -> str:
    names = {"integer": "an integer", "number": "a number", "string": "a string", "object": "an object",
             "array": "an array"}
    if types == NUMERIC:
        return "numeric"
    if types[1:] == NUMERIC:
        return f"{names[types[0]]} or a number"
    return " or ".join(names[t] for t in types)


def _used_at_top(plan: Plan) -> set[str]:
    """The shared-library names some call uses directly in its properties (not only inside an object)."""
    return {prop.shared for call in plan.calls() if call.field_key == "properties" for prop in call.fields.values() if prop.shared}


SPEC_TYPE_EVENTS = frozenset({"Signed Up", "Video Ad Started", "Video Ad Playing", "Video Ad Completed"})
"""Spec events that define a property named ``type`` (B2B SaaS: the kind of signup; Video: the ad's position):
``type`` is not reported there."""


def _spec_type_only(plan: Plan) -> bool:
    """Whether the shared ``type`` is used at the top level only by Spec events that define ``type``."""
    users = [
        call for call in plan.calls()
        if call.field_key == "properties" and any(prop.shared == "type" for prop in call.fields.values())
    ]
    return bool(users) and all(call.type == "track" and call.name in SPEC_TYPE_EVENTS for call in users)


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    forbidden = set(options["forbidden_names"])
    at_top = _used_at_top(plan)
    shared_spec_type = _spec_type_only(plan)
    for definition in source.definitions(plan):
        prop = definition.prop
        if definition.is_item:
            continue
        call_type = definition.call.type if definition.call is not None else None
        library = definition.call is None and definition.where == SHARED_LIBRARY
        if library and definition.top_level and prop.name not in at_top:
            definition = replace(definition, top_level=False)  # a shared entry used only inside objects: nested
        if definition.kind == "trait":
            table = TRAIT_TABLES.get(call_type, {}) if definition.top_level else {}
        else:
            table = dict(PROPERTY_TYPES) if definition.top_level else {
                name: PROPERTY_TYPES[name] for name in ITEM_LEVEL
            }
            if call_type == "page" and definition.top_level:
                table.update(PAGE_PROPERTY_TYPES)
            elif call_type == "screen" and definition.top_level:
                table.update(SCREEN_PROPERTY_TYPES)
            spec_type = prop.name == "type" and (
                (call_type == "track" and definition.call is not None and definition.call.name in SPEC_TYPE_EVENTS)
                or (library and shared_spec_type)
            )
            if definition.top_level and prop.name in forbidden and not spec_type:
                yield Hit(
                    prop.pos,
                    f"'{prop.name}' in {definition.where} is a reserved name of the Segment message envelope; "
                    "a property of that name is confused with it by SDKs and destinations: rename it "
                    f"(e.g. '{_rename(prop.name)}')",
                )
                continue
        expected = table.get(prop.name)
        if expected is None:
            continue
        raw_types = json_schema_types(prop.extra.get("json_schema"))
        if raw_types is not None:
            if not raw_types or raw_types & set(expected):
                continue
            yield Hit(
                prop.key_pos.get("json_schema", prop.pos),
                f"{definition.kind} '{definition.path}' in {definition.where} is {' or '.join(sorted(raw_types))} "
                f"by its JSON Schema, but the Segment Spec defines '{prop.name}' as {_expected(expected)}",
            )
            continue
        if prop.type == "any" or prop.type in expected:
            outside = items_outside(plan, prop, ("string",)) if prop.name in STRING_ITEMS else None
            if outside is not None:
                yield Hit(
                    outside[0],
                    f"the items of {definition.kind} '{definition.path}' in {definition.where} are {outside[1]}, "
                    f"but the Segment Spec defines '{prop.name}' as an array of strings",
                )
            continue
        inherited = "type" not in prop.key_pos and prop.shared is not None
        own_table = PAGE_PROPERTY_TYPES if call_type == "page" else SCREEN_PROPERTY_TYPES if call_type == "screen" else {}
        if inherited and definition.kind == "property" and prop.name not in own_table:
            continue  # reported once, at the shared definition (which knows no page or screen table)
        yield Hit(
            prop.pos if inherited else type_pos(plan, prop),
            f"{definition.kind} '{definition.path}' in {definition.where} is {prop.type}, but the Segment Spec "
            f"defines '{prop.name}' as {_expected(expected)}",
        )


def json_schema_types(raw: object) -> set[str] | None:
    """The types a ``json_schema:`` escape hatch admits by its ``type`` keyword (``null`` left out; empty when
    it does not say); ``None`` for a property without one."""
    if not isinstance(raw, dict):
        return None
    kinds = raw.get("type")
    names = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    found = {name for name in names if isinstance(name, str) and name != "null"}
    if "integer" in found:
        found.add("number")  # every integer is a number
    if "number" in found:
        found.add("integer")  # a number admits integers
    return found


def _rename(name: str) -> str:
    return {"id": "object_id", "event": "event_name", "type": "kind"}.get(name, f"{name}_value")


RULE = Rule(
    code="CP304",
    slug="reserved-property",
    severity="error",
    summary="Segment Spec properties and traits with a defined meaning have the Spec's type; envelope names are not property names.",
    description=(
        "The Segment Spec gives some names a meaning that destinations act on: 'revenue', 'total', "
        "'value', 'tax', 'shipping', 'discount' and 'subtotal' are numbers and 'currency' a string at the top "
        "level of a call's properties, and 'price' and 'quantity' are numbers wherever they appear (a "
        "product in 'products' has them); revenue reporting in Google Analytics, Amplitude and others reads "
        "them. Page calls reserve 'name', 'path', 'referrer', 'search', 'title' and 'url' as strings and "
        "'keywords' as an array of strings, screen calls 'name' as a string. Reserved traits follow the "
        "tables of the Identify and Group pages, each for its own call: 'email', 'name', 'phone', "
        "'created_at'/'createdAt' are strings for both, 'age' a number and 'company' an object for identify, "
        "'plan' and 'industry' strings for group and 'employees' a string or a number (the page's table "
        "says String, its examples send 329). A different type silently breaks those integrations. "
        "Top-level properties named like fields of the message envelope ('id', 'event' and 'type' by default, "
        "see 'forbidden_names'; 'type' is not reported on the Spec events that define it: Signed Up and "
        "Video Ad Started, Playing and Completed) are confused with the envelope by SDKs and destinations. A shared property is checked as "
        "top level when some call uses it directly, else as a nested one (a page's or screen's own table "
        "applies where it uses one). The plan's common "
        "properties and traits ('common:') are checked like a call's; a 'json_schema:' property is checked by "
        "the types its raw schema's 'type' names (none of them the Spec's type is reported). The finding "
        "points at the 'type' of the definition (or its name, or its 'json_schema' key)."
    ),
    check=check,
    options={
        "forbidden_names": Option(["id", "event", "type"], "top-level property names that are reported",
                                  item_type=str),
    },
    passing="""\
events:
  Invoice Paid:
    description: The customer paid an invoice.
    properties:
      revenue: {type: number}
      currency: {type: string}
  Signed Up:
    description: A user signed up.
    properties:
      type: {type: string}
identify:
  traits:
    email: {type: string, format: email}
""",
    failing="""\
events:
  Order Completed:
    description: The customer paid.
    properties:
      revenue: {type: string}
      currency: {type: integer}
      event: {type: string}
      type: {type: string}
identify:
  traits:
    email: {type: boolean}
""",
    failing_at=[(5, 17), (6, 18), (7, 7), (8, 7), (11, 13)],
)
