"""Fields inside planned objects and arrays of objects: which a message sends, for ``cdpctl coverage``.

Only what the plan declares is walked: for each planned call, :func:`planned_tree` holds the fields its
object and array-of-object properties declare (built once per call), and :func:`walk` follows a
message's values along it.  A declared field (``address.city``, ``products[].sku``) is *planned*: counted
always, as a planned call is.  A key sent inside an object that declares its fields, and that it does not
declare, is *extra* (unplanned there).  Nothing else is looked into: an unplanned property, a free-form
``type: object``, a map keyed by ids, an unplanned call.  So the work per message is what the plan
declares, and the extra keys kept are bounded (:data:`~cdpctl.observe.MAX_KEYS` a call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from cdpctl.model import Call, Property

MAX_NESTING = 8
"""Levels of objects and arrays below a top-level field whose fields are counted (deeper ones are not)."""

Path = tuple[Union[str, None], ...]
"""A nested field: the keys from the top-level field down, ``None`` standing for "each item of the array"
(``("products", None, "sku")`` is ``products[].sku``; JSON keys are never ``None``, so paths cannot collide)."""


@dataclass
class Node:
    """What the plan declares at one place under a property: its fields (each with what it declares below,
    ``None`` for a field with nothing below), and its items' node for an array."""

    fields: dict[str, Node | None] = field(default_factory=dict)
    items: Node | None = None


def _node(prop: Property, depth: int) -> Node | None:
    if depth >= MAX_NESTING:
        return None
    node = Node()
    if prop.type == "array" and prop.items is not None:
        node.items = _node(prop.items, depth + 1)
    for name, inner in prop.properties.items():
        node.fields[name] = _node(inner, depth + 1)
    return node if node.fields or node.items is not None else None


_TREES: dict[int, tuple[Call, dict[str, Node]]] = {}
"""The tree of each planned call seen, by the call's identity (the call is kept, so its identity stays its own)."""


def planned_tree(call: Call) -> dict[str, Node]:
    """Top-level property -> what it declares below, for the properties of ``call`` that declare fields (its
    own, then the plan's ``common:`` ones it does not define itself)."""
    found = _TREES.get(id(call))
    if found is None or found[0] is not call:
        tree: dict[str, Node] = {}
        for name, prop in (*call.common_fields.items(), *call.fields.items()):  # its own win
            node = _node(prop, 0)
            if node is not None:
                tree[name] = node
            else:
                tree.pop(name, None)
        found = _TREES[id(call)] = (call, tree)
    return found[1]


def walk(value: Any, path: Path, node: Node, found: dict[Path, tuple[bool, bool]], depth: int = 0) -> None:
    """Record in ``found`` each field under ``value`` that ``node`` declares or, inside an object that declares
    its fields, does not: ``(planned, null wherever the message has it)``."""
    if depth >= MAX_NESTING:
        return
    if isinstance(value, dict) and node.fields:
        for key, inner in value.items():
            here = (*path, key)
            planned = key in node.fields
            null = found[here][1] if here in found else True
            found[here] = (planned, null and inner is None)
            below = node.fields.get(key)
            if below is not None and isinstance(inner, (dict, list)):
                walk(inner, here, below, found, depth + 1)
    elif isinstance(value, list) and node.items is not None:
        items = (*path, None)
        for item in value:
            if isinstance(item, (dict, list)):
                walk(item, items, node.items, found, depth + 1)


def path_name(path: Path) -> str:
    """``products[].sku``: a nested field as the report names it."""
    text = ""
    for key in path:
        text = f"{text}[]" if key is None else f"{text}.{key}" if text else key
    return text
