"""Every property definition of a plan, each once, with where it was written.

Reusable types and shared properties are expanded into every event that uses
them; rules about *definitions* (casing, enums, patterns) must see each written
definition once.  A definition is identified by its source position.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cdpctl.errors import Pos
from cdpctl.model import Call, Plan, Property

SHARED_LIBRARY = "the shared properties"
"""How a definition of the plan's shared property library says where it is (``Definition.where``)."""


@dataclass(frozen=True)
class Definition:
    """A property (or trait, or array item) as written in the plan."""

    prop: Property
    path: str
    """Path inside its owner: ``products[].price``, ``settings.temperature``."""
    where: str
    """Human label of the owner: ``event 'Order Completed'``, ``type 'product'``, ``shared property``."""
    kind: str
    """``property`` or ``trait``."""
    call: Call | None
    """The call it was written in (``None`` for shared properties and types)."""
    top_level: bool
    """Written directly in a call's properties or traits, or in the shared library (not in a type,
    an object or an array)."""

    @property
    def is_item(self) -> bool:
        return self.prop.name.endswith("[]")


def call_kind(call: Call) -> str:
    """``event`` for track calls, else the call type (``page``, ``screen``)."""
    return "event" if call.type == "track" else call.type


def call_label(call: Call) -> str:
    if call.type == "track":
        return f"event '{call.name}'"
    if call.name is None:
        return f"{call.type} traits"
    return f"{call.type} '{call.name}'"


def definitions(plan: Plan) -> Iterator[Definition]:
    """Each property definition once, in plan order: shared library, types, then calls."""
    seen: set[Pos] = set()

    def emit(
        path: str, prop: Property, where: str, kind: str, call: Call | None, nested: bool = False
    ) -> Iterator[Definition]:
        for sub_path, sub in prop.walk(path):
            if sub.pos in seen:
                continue
            seen.add(sub.pos)
            top = not nested and sub_path == path
            yield Definition(sub, sub_path, where, kind, call, top)

    for name, prop in plan.properties.items():
        yield from emit(name, prop, SHARED_LIBRARY, "property", None)
    for type_name, typedef in plan.types.items():
        for name, prop in typedef.properties.items():
            yield from emit(name, prop, f"type '{type_name}'", "property", None, nested=True)
    common = plan.common
    if common is not None:  # rules for every call (``common:``); its context rules follow Segment's names
        for name, prop in common.properties.items():
            yield from emit(name, prop, "the common properties", "property", None)
        for name, prop in common.traits.items():
            yield from emit(name, prop, "the common traits", "trait", None)
    for call in plan.calls():
        kind = "trait" if call.field_key == "traits" else "property"
        for name, prop in call.fields.items():
            yield from emit(name, prop, call_label(call), kind, call)


def type_pos(plan: Plan, prop: Property) -> Pos:
    """Where ``prop``'s type is written: its own ``type`` key, its shared definition's, or its name."""
    if "type" in prop.key_pos:
        return prop.key_pos["type"]
    if prop.shared is not None and prop.shared in plan.properties:
        shared = plan.properties[prop.shared]
        return shared.key_pos.get("type", shared.pos)
    return prop.pos


def items_outside(plan: Plan, prop: Property, allowed: tuple[str, ...]) -> tuple[Pos, str] | None:
    """``(where, type)`` of ``prop``'s items when they have a type outside ``allowed`` (``any`` always fits):
    the items' ``type`` key, else the property itself."""
    items = prop.items
    if items is None or items.type == "any" or items.type in allowed:
        return None
    return (type_pos(plan, items) if "type" in items.key_pos else prop.pos), items.type


def named_calls(plan: Plan) -> Iterator[Call]:
    """Calls that have a name: track events, pages and screens."""
    for call in plan.calls():
        if call.name is not None:
            yield call
