"""Finding the wrong parts of a message the fast path rejected, without running jsonschema on all of it.

A planned call's fields form a tree of :class:`Node` objects.  Each node can
tell from raw bytes whether its value is free of errors (its msgspec decoder,
the same the fast path uses).  Only the nodes that are not go through
jsonschema: an object or array node checks its own keywords (its schema
without ``properties``/``items``) and recurses into the children that fail; a
leaf runs its whole schema.  The findings are exactly those jsonschema reports
for the whole message, because jsonschema's ``properties`` and ``items``
keywords only descend into each child with its path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import Raw

from cdpctl.compiler import property_schema
from cdpctl.model import Property
from cdpctl.validation.classify import Found, classify, fold_path, missing, unplanned

if TYPE_CHECKING:
    from jsonschema import Draft7Validator, FormatChecker

RAW_OBJECT: msgspec.json.Decoder[dict[str, Raw]] = msgspec.json.Decoder(dict[str, Raw])
RAW_ARRAY: msgspec.json.Decoder[list[Raw]] = msgspec.json.Decoder(list[Raw])


PLAIN_KEYWORDS = {"type", "required", "description", "title", "deprecated", "examples"}
"""Own keywords that need no jsonschema run for a value already known to be an object or array."""


class Node:
    """One property (or the call's fields object) with its decoder and its schemas."""

    __slots__ = ("additional", "check", "children", "decoder", "items", "own", "required", "whole")

    def __init__(
        self,
        decoder: msgspec.json.Decoder[Any],
        check: Any,
        schema: dict[str, Any],
        formats: FormatChecker,
        children: dict[str, Node] | None = None,
        items: Node | None = None,
        additional: bool = True,
    ) -> None:
        from jsonschema import Draft7Validator

        self.decoder = decoder
        self.check = check
        self.children = children
        self.items = items
        self.additional = additional
        self.whole = Draft7Validator(schema, format_checker=formats)
        own = {key: value for key, value in schema.items() if key not in ("properties", "additionalProperties", "items")}
        self.own: Draft7Validator | None = Draft7Validator(own, format_checker=formats)
        self.required: list[str] = list(own.get("required", ()))
        if set(own) <= PLAIN_KEYWORDS:
            # only the type (already known right when the value is a dict or list) and required (checked here)
            self.own = None

    def passes(self, raw: Raw) -> bool:
        try:
            value = self.decoder.decode(raw)
        except msgspec.DecodeError:
            return False
        return self.check is None or value is None or bool(self.check(value))


def build_node(prop: Property, builder: Any, formats: FormatChecker) -> Node:
    """The node of one property (``builder`` is the fast path's type builder)."""
    decoder = msgspec.json.Decoder(builder.value_type(prop))
    check = builder.value_checker(prop)
    schema = property_schema(prop)
    if prop.type == "object" and "enum" not in prop.constraints and "const" not in prop.constraints:
        children = {name: build_node(child, builder, formats) for name, child in prop.properties.items()}
        return Node(decoder, check, schema, formats, children=children, additional=prop.additional_properties)
    if prop.type == "array" and prop.items is not None:
        return Node(decoder, check, schema, formats, items=build_node(prop.items, builder, formats))
    return Node(decoder, check, schema, formats)


def fields_node(
    decoder: msgspec.json.Decoder[Any],
    properties: dict[str, Property],
    additional: bool,
    schema: dict[str, Any],
    builder: Any,
    formats: FormatChecker,
) -> Node:
    """The node of a call's ``properties``/``traits`` object."""
    children = {name: build_node(prop, builder, formats) for name, prop in properties.items()}
    return Node(decoder, None, schema, formats, children=children, additional=additional)


def find(node: Node, value: Any, raw: Raw, prefix: tuple[str | int, ...], field_key: str) -> list[Found]:
    """What jsonschema finds in ``value`` under ``node`` (called for values the node's decoder rejected)."""
    children = node.children
    if children is not None and isinstance(value, dict):
        found = _own(node, value, prefix, field_key)
        raws = RAW_OBJECT.decode(raw)
        for name, child_raw in raws.items():
            child = children.get(name)
            if child is not None and not child.passes(child_raw):
                found.extend(find(child, value[name], child_raw, (*prefix, name), field_key))
        if not node.additional:
            base = fold_path(prefix)
            found.extend(unplanned(base, name) for name in value if name not in children)
        return found
    items = node.items
    if items is not None and isinstance(value, list):
        found = _own(node, value, prefix, field_key)
        for index, item_raw in enumerate(RAW_ARRAY.decode(raw)):
            if not items.passes(item_raw):
                found.extend(find(items, value[index], item_raw, (*prefix, index), field_key))
        return found
    out: list[Found] = []
    for error in node.whole.iter_errors(value):
        out.extend(classify(error, field_key, (), prefix) or ())
    return out


def _own(node: Node, value: Any, prefix: tuple[str | int, ...], field_key: str) -> list[Found]:
    """The errors of the node's own keywords (not its children's) for a dict or list value."""
    if node.own is None:
        if not node.required:
            return []
        base = fold_path(prefix)
        return [missing(base, name) for name in node.required if name not in value]
    out: list[Found] = []
    for error in node.own.iter_errors(value):
        out.extend(classify(error, field_key, (), prefix) or ())
    return out
