"""Rules for properties and traits: added, removed, renamed, required, nullable, type, open/closed objects.

Properties are compared on the resolved model, recursively: nested objects
(``properties.address.city``) and array items (``properties.products[].price``)
get the same rules at their own path.  A shared property or reusable type is
already expanded wherever it is used, so a change to it shows at every path
it reaches.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cdpctl.diff import constraints, docs, raw
from cdpctl.diff.rules import Change, Example, Rule, Where, field_name, show
from cdpctl.errors import Pos
from cdpctl.model import Property

BREAK, WARN, INFO = "breaking", "warning", "info"

PROPERTY_ADDED_OPTIONAL = Rule(
    "property-added-optional", INFO, INFO, "An optional property was added to a closed object (or call).",
    Example("total: {type: number}", "total: {type: number}\ncoupon: {type: string}"),
)
PROPERTY_ADDED_OPEN_OBJECT = Rule(
    "property-added-open-object", WARN, INFO,
    "An optional property was added to an open object: producers may already send that name with other values.",
    Example(
        "settings: {type: object, additional_properties: true}",
        "settings: {type: object, additional_properties: true, properties: {theme: {type: string}}}",
    ),
)
PROPERTY_ADDED_REQUIRED = Rule(
    "property-added-required", BREAK, INFO, "A required property was added: producers that do not send it now fail.",
    Example("total: {type: number}", "total: {type: number}\ncurrency: {type: string, required: true}"),
)
PROPERTY_REMOVED = Rule(
    "property-removed", BREAK, BREAK,
    "A property was removed from a closed object: producers still sending it fail, consumers lose it.",
    Example("total: {type: number}\ncoupon: {type: string}", "total: {type: number}"),
)
PROPERTY_REMOVED_OPEN_OBJECT = Rule(
    "property-removed-open-object", INFO, BREAK,
    "A property was removed from an open object: still accepted from producers, but no longer planned.",
    Example(
        "settings: {type: object, additional_properties: true, properties: {theme: {type: string}}}",
        "settings: {type: object, additional_properties: true}",
    ),
)
PROPERTY_RENAMED = Rule(
    "property-renamed", BREAK, BREAK, "Likely rename: a property was removed and one with the same definition added.",
    Example("coupon: {type: string, max_length: 20}", "coupon_code: {type: string, max_length: 20}"),
)
PROPERTY_BECAME_REQUIRED = Rule(
    "property-became-required", BREAK, INFO, "An optional property became required.",
    Example("coupon: {type: string}", "coupon: {type: string, required: true}"),
)
PROPERTY_BECAME_OPTIONAL = Rule(
    "property-became-optional", INFO, BREAK, "A required property became optional: consumers may no longer get it.",
    Example("coupon: {type: string, required: true}", "coupon: {type: string}"),
)
PROPERTY_BECAME_NULLABLE = Rule(
    "property-became-nullable", INFO, BREAK, "A property now also admits null.",
    Example("coupon: {type: string}", "coupon: {type: string, nullable: true}"),
)
PROPERTY_BECAME_NON_NULLABLE = Rule(
    "property-became-non-nullable", BREAK, INFO, "A property no longer admits null.",
    Example("coupon: {type: string, nullable: true}", "coupon: {type: string}"),
)
PROPERTY_DEPRECATED = Rule(
    "property-deprecated", WARN, WARN, "A property was marked deprecated: plan to stop sending and reading it.",
    Example("coupon: {type: string}", "coupon: {type: string, deprecated: true}"),
)
PROPERTY_UNDEPRECATED = Rule(
    "property-undeprecated", INFO, INFO, "A property is no longer deprecated.",
    Example("coupon: {type: string, deprecated: true}", "coupon: {type: string}"),
)
TYPE_CHANGED = Rule(
    "type-changed", BREAK, BREAK, "The type of a property changed to an unrelated one.",
    Example("order_id: {type: string}", "order_id: {type: integer}"),
)
TYPE_WIDENED = Rule(
    "type-widened", INFO, BREAK, "The type of a property widened (integer to number, anything to any).",
    Example("quantity: {type: integer}", "quantity: {type: number}"),
)
TYPE_NARROWED = Rule(
    "type-narrowed", BREAK, INFO, "The type of a property narrowed (number to integer, any to a type).",
    Example("quantity: {type: number}", "quantity: {type: integer}"),
)
ADDITIONAL_PROPERTIES_CLOSED = Rule(
    "additional-properties-closed", BREAK, INFO, "An object (or a call's properties) no longer accepts unplanned keys.",
    Example(
        "settings: {type: object, additional_properties: true}",
        "settings: {type: object, additional_properties: false}",
    ),
)
JSON_SCHEMA_CHANGED = Rule(
    "json-schema-changed", WARN, WARN,
    "The raw JSON Schema of a `json_schema:` escape hatch changed (or a property switched to or from one) in a "
    "way cdpctl cannot size (see `json-schema-narrowed`, `json-schema-widened` and `json-schema-types-changed` for "
    "those it can): review it "
    "for both sides.",
    Example("value: {json_schema: {type: string, maxLength: 10}}", "value: {json_schema: {type: string, pattern: '^[a-z]+$'}}"),
)
ADDITIONAL_PROPERTIES_OPENED = Rule(
    "additional-properties-opened", INFO, WARN, "An object (or a call's properties) now accepts unplanned keys.",
    Example(
        "settings: {type: object, additional_properties: false}",
        "settings: {type: object, additional_properties: true}",
    ),
)

RULES: tuple[Rule, ...] = (
    PROPERTY_ADDED_OPTIONAL,
    PROPERTY_ADDED_OPEN_OBJECT,
    PROPERTY_ADDED_REQUIRED,
    PROPERTY_REMOVED,
    PROPERTY_REMOVED_OPEN_OBJECT,
    PROPERTY_RENAMED,
    PROPERTY_BECAME_REQUIRED,
    PROPERTY_BECAME_OPTIONAL,
    PROPERTY_BECAME_NULLABLE,
    PROPERTY_BECAME_NON_NULLABLE,
    PROPERTY_DEPRECATED,
    PROPERTY_UNDEPRECATED,
    TYPE_CHANGED,
    TYPE_WIDENED,
    TYPE_NARROWED,
    ADDITIONAL_PROPERTIES_CLOSED,
    ADDITIONAL_PROPERTIES_OPENED,
    JSON_SCHEMA_CHANGED,
    *raw.RULES,
)

_WIDER = {("integer", "number")}
"""(narrow, wide) pairs besides ``any``, which is wider than every type."""


def type_relation(old: str, new: str) -> str | None:
    """``widened``, ``narrowed``, ``changed`` or ``None`` when equal."""
    if old == new:
        return None
    if new == "any" or (old, new) in _WIDER:
        return "widened"
    if old == "any" or (new, old) in _WIDER:
        return "narrowed"
    return "changed"


def definition(prop: Property) -> dict[str, Any]:
    """What a property means for validation, without its name, documentation or origin."""
    result: dict[str, Any] = {
        "type": prop.type,
        "required": prop.required,
        "nullable": prop.nullable,
        "constraints": {key: prop.constraints[key] for key in sorted(prop.constraints)},
    }
    raw = prop.extra.get("json_schema")
    if raw is not None:
        result["json_schema"] = raw
    if prop.type in ("object", "any") and (prop.type == "object" or prop.properties):
        result["additional_properties"] = is_open(prop)
        result["properties"] = {name: definition(child) for name, child in sorted(prop.properties.items())}
    if prop.items is not None:
        result["items"] = definition(prop.items)
    return result


def plan_view(prop: Property) -> dict[str, Any]:
    """A property as the plan format writes it, fully resolved (the ``old`` / ``new`` of additions and removals)."""
    view: dict[str, Any] = {"type": prop.type}
    if prop.ref is not None:
        view["type"] = prop.ref
    if prop.required:
        view["required"] = True
    if prop.nullable:
        view["nullable"] = True
    if prop.deprecated:
        view["deprecated"] = True
    if prop.description:
        view["description"] = prop.description
    view.update(prop.constraints)
    raw = prop.extra.get("json_schema")
    if raw is not None:
        view["json_schema"] = raw
        view.pop("type", None)
    if prop.type == "object":
        view["additional_properties"] = prop.additional_properties
        if prop.properties:
            view["properties"] = {name: plan_view(child) for name, child in prop.properties.items()}
    if prop.items is not None:
        view["items"] = plan_view(prop.items)
    return view


def signature(prop: Property) -> str:
    return json.dumps(definition(prop), sort_keys=True, default=str)


def is_open(prop: Property) -> bool:
    """Whether an object-like property accepts keys it does not plan (``any`` without properties does)."""
    if prop.type == "any" and not prop.properties:
        return True
    return prop.additional_properties


def _any_items(parent: Property) -> Property:
    return Property(name=f"{parent.name}[]", pos=parent.pos, type="any")


def _whole_values_only(prop: Property) -> bool:
    """A number whose enum (or const) holds integers only: it admits no more than an integer would."""
    values = prop.constraints.get("enum", [prop.constraints["const"]] if "const" in prop.constraints else None)
    return prop.type == "number" and isinstance(values, list) and all(
        v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer()) for v in values
    )


def _admits_null(prop: Property) -> bool:
    """``any`` without an enum or const admits null whether it says ``nullable`` or not."""
    return prop.type == "any" and "enum" not in prop.constraints and "const" not in prop.constraints


def compare_property(where: Where, path: str, old: Property, new: Property) -> Iterator[Change]:
    """Every change between two versions of the property at ``path``."""
    name = field_name(path)
    noun = where.noun
    pos = new.pos

    def at(key: str) -> Pos:
        return new.key_pos.get(key, pos)

    if "json_schema" in old.extra or "json_schema" in new.extra:
        yield from compare_raw_property(where, path, old, new)
        return
    relation = type_relation(old.type, new.type)
    if {old.type, new.type} == {"integer", "number"} and _whole_values_only(old if old.type == "number" else new):
        relation = None  # an enum or const of integers admits no fraction: the same values either way
    if relation is not None:
        rule = {"widened": TYPE_WIDENED, "narrowed": TYPE_NARROWED, "changed": TYPE_CHANGED}[relation]
        yield where.change(
            rule, path, f"{noun} '{name}' {relation} from {old.type} to {new.type}", old.type, new.type, at("type")
        )
    if old.required != new.required:
        rule = PROPERTY_BECAME_REQUIRED if new.required else PROPERTY_BECAME_OPTIONAL
        state = "required" if new.required else "optional"
        yield where.change(rule, path, f"{noun} '{name}' became {state}", old.required, new.required, at("required"))
    old_null, new_null = old.nullable or _admits_null(old), new.nullable or _admits_null(new)
    said_by_type = relation is not None and "any" in (old.type, new.type)  # widened to or narrowed from any
    if old_null != new_null and not said_by_type:  # what admits null, whether said by nullable or by any
        rule = PROPERTY_BECAME_NULLABLE if new_null else PROPERTY_BECAME_NON_NULLABLE
        state = "nullable" if new_null else "non-nullable"
        yield where.change(rule, path, f"{noun} '{name}' became {state}", old_null, new_null, at("nullable"))
    if old.deprecated != new.deprecated:
        rule = PROPERTY_DEPRECATED if new.deprecated else PROPERTY_UNDEPRECATED
        state = "is now deprecated" if new.deprecated else "is no longer deprecated"
        yield where.change(rule, path, f"{noun} '{name}' {state}", old.deprecated, new.deprecated, at("deprecated"))

    if relation != "changed":
        yield from constraints.compare_constraints(where, path, old, new, pos)
    yield from docs.compare_description(where, path, old.description, new.description, at("description"))
    yield from docs.compare_extras(where, path, old.extra, new.extra, pos)
    if relation == "changed" or (relation is not None and "any" in (old.type, new.type)):
        return  # an unrelated type, or to / from any: the type change says it all for what lies below

    old_object = old.type == "object" or bool(old.properties)
    new_object = new.type == "object" or bool(new.properties)
    if old_object and new_object:
        yield from compare_openness(where, path, is_open(old), is_open(new), at("additional_properties"), f"{noun} '{name}'")
    if old_object or new_object:
        yield from compare_fields(where, path, old.properties, new.properties, is_open(old), is_open(new), pos)
    if old.items is not None or new.items is not None:
        yield from compare_property(
            where, f"{path}[]", old.items or _any_items(old), new.items or _any_items(new)
        )


_DOC_KEYWORDS = ("description", "deprecated", "examples")


def validation_schema(prop: Property) -> dict[str, Any]:
    """The compiled JSON Schema of a property without its top-level documentation keywords."""
    from cdpctl.compiler import property_schema

    schema = property_schema(prop)
    for key in _DOC_KEYWORDS:
        schema.pop(key, None)
    return schema


def _flag_changes(where: Where, path: str, old: Property, new: Property) -> Iterator[Change]:
    name = field_name(path)
    noun = where.noun
    if old.required != new.required:
        rule = PROPERTY_BECAME_REQUIRED if new.required else PROPERTY_BECAME_OPTIONAL
        state = "required" if new.required else "optional"
        yield where.change(
            rule, path, f"{noun} '{name}' became {state}", old.required, new.required, new.key_pos.get("required", new.pos)
        )
    if old.deprecated != new.deprecated:
        rule = PROPERTY_DEPRECATED if new.deprecated else PROPERTY_UNDEPRECATED
        state = "is now deprecated" if new.deprecated else "is no longer deprecated"
        yield where.change(
            rule, path, f"{noun} '{name}' {state}", old.deprecated, new.deprecated, new.key_pos.get("deprecated", new.pos)
        )


def compare_raw_property(where: Where, path: str, old: Property, new: Property) -> Iterator[Change]:
    """A property defined by a raw JSON Schema on either side: the compiled schemas are compared as a whole.

    Switching between a plan definition and a raw schema that compiles to the same JSON Schema is no change.
    """
    name = field_name(path)
    noun = where.noun
    before, after = validation_schema(old), validation_schema(new)
    if show(before) != show(after) and not raw.equivalent(before, after):
        was, now = raw.written(before) or show(before), raw.written(after) or show(after)
        if "json_schema" not in old.extra:
            message = f"{noun} '{name}' is now defined by a raw JSON Schema: {now}"
        elif "json_schema" not in new.extra:
            message = f"{noun} '{name}' is no longer defined by a raw JSON Schema (it was {was})"
        else:
            message = f"the raw JSON Schema of {noun} '{name}' changed from {was} to {now}"
        rule = raw.raw_rule(before, after) or JSON_SCHEMA_CHANGED
        yield where.change(rule, path, message, before, after, new.key_pos.get("json_schema", new.pos))
    yield from _flag_changes(where, path, old, new)
    yield from docs.compare_description(
        where, path, old.description, new.description, new.key_pos.get("description", new.pos)
    )
    yield from docs.compare_extras(where, path, old.extra, new.extra, new.pos)


def compare_openness(where: Where, path: str, old_open: bool, new_open: bool, pos: Pos, subject: str) -> Iterator[Change]:
    if old_open == new_open:
        return
    if new_open:
        yield where.change(
            ADDITIONAL_PROPERTIES_OPENED, path, f"{subject} now accepts unplanned keys", False, True, pos
        )
    else:
        yield where.change(
            ADDITIONAL_PROPERTIES_CLOSED, path, f"{subject} no longer accepts unplanned keys", True, False, pos
        )


def pair_renames(removed: dict[str, str], added: dict[str, str]) -> list[tuple[str, str]]:
    """Pairs (old name, new name) whose signatures match exactly one on each side (in ``removed``'s order;
    the names grouped by signature once: comparing every removed name with every added one took minutes
    on large plans)."""
    removed_by: dict[str, list[str]] = {}
    for name, sig in removed.items():
        removed_by.setdefault(sig, []).append(name)
    added_by: dict[str, list[str]] = {}
    for name, sig in added.items():
        added_by.setdefault(sig, []).append(name)
    pairs = []
    for old_name, old_sig in removed.items():
        new_names = added_by.get(old_sig, [])
        if len(new_names) == 1 and len(removed_by[old_sig]) == 1:
            pairs.append((old_name, new_names[0]))
    return pairs


def compare_fields(
    where: Where,
    path: str,
    old: dict[str, Property],
    new: dict[str, Property],
    old_open: bool,
    new_open: bool,
    parent_pos: Pos,
) -> Iterator[Change]:
    """Compare the properties of one object (or of a call) at ``path``."""
    noun = where.noun
    removed = {name: signature(prop) for name, prop in old.items() if name not in new}
    added = {name: signature(prop) for name, prop in new.items() if name not in old}
    renames = pair_renames(removed, added)
    renamed_old = {old_name for old_name, _ in renames}
    renamed_new = {new_name for _, new_name in renames}

    for name, prop in old.items():
        child = f"{path}.{name}"
        if name in new:
            yield from compare_property(where, child, prop, new[name])
        elif name not in renamed_old:
            if new_open:
                yield where.change(
                    PROPERTY_REMOVED_OPEN_OBJECT, child,
                    f"{noun} '{field_name(child)}' was removed (the object still accepts it as an unplanned key)",
                    plan_view(prop), None, parent_pos,
                )
            else:
                yield where.change(
                    PROPERTY_REMOVED, child, f"{noun} '{field_name(child)}' was removed", plan_view(prop), None, parent_pos
                )
    for old_name, new_name in renames:
        child = f"{path}.{new_name}"
        yield where.change(
            PROPERTY_RENAMED, child,
            f"{noun} '{field_name(f'{path}.{old_name}')}' was likely renamed to '{field_name(child)}' "
            "(removed and added with the same definition)",
            old_name, new_name, new[new_name].pos,
        )
        yield from compare_property(where, child, old[old_name], new[new_name])
    for name, prop in new.items():
        if name in old or name in renamed_new:
            continue
        child = f"{path}.{name}"
        if prop.required:
            rule, what = PROPERTY_ADDED_REQUIRED, "required"
        elif old_open:
            rule, what = PROPERTY_ADDED_OPEN_OBJECT, "optional (the object was open: producers may already send it)"
        else:
            rule, what = PROPERTY_ADDED_OPTIONAL, "optional"
        yield where.change(rule, child, f"{noun} '{field_name(child)}' was added, {what}", None, plan_view(prop), prop.pos)
