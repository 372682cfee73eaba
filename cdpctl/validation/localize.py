"""Finding the wrong parts of a message the fast path rejected, without running jsonschema on all of it.

A planned call's fields form a tree of :class:`Node` objects.  Each node can
tell from raw bytes whether its value is free of errors (its msgspec decoder,
the same the fast path uses).  Only the nodes that are not go through
jsonschema: an object or array node checks its own keywords (its schema
without ``properties``/``items``) and recurses into the children that fail; a
leaf runs its whole schema.  The findings are exactly those jsonschema reports
for the whole message, because jsonschema's ``properties`` and ``items``
keywords only descend into each child with its path.

Three shortcuts give the same findings for less work: an object whose only
fault is unplanned names decodes under a lenient copy of its struct (unknown
fields allowed), so its children are not decoded one by one; a leaf whose value
has the wrong JSON type yields the one type error jsonschema would keep (the
enum and constraint errors of a mistyped value are hidden anyway); and the
findings for a scalar leaf value are remembered per node (a bounded memo: bad
values repeat in a log).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import Raw

from cdpctl.compiler import property_schema
from cdpctl.model import Property
from cdpctl.validation.classify import Found, classify, fold_path, missing, type_message, unplanned

if TYPE_CHECKING:
    from jsonschema import Draft7Validator, FormatChecker

RAW_OBJECT: msgspec.json.Decoder[dict[str, Raw]] = msgspec.json.Decoder(dict[str, Raw])
RAW_ARRAY: msgspec.json.Decoder[list[Raw]] = msgspec.json.Decoder(list[Raw])


PLAIN_KEYWORDS = {"type", "required", "description", "title", "deprecated", "examples"}
"""Own keywords that need no jsonschema run for a value already known to be an object or array."""

MISTYPED_HIDDEN = {
    "type",
    "enum",
    "const",
    "pattern",
    "format",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "properties",
    "additionalProperties",
    "required",
    "items",
    "allOf",
    "description",
    "title",
    "deprecated",
    "examples",
}
"""Keywords whose errors on a value of the wrong type are none, or hidden by its type error.

``enum``/``const`` and the constraints give ``value_not_allowed``/``constraint_failed``
at the value's own path, which a ``type_mismatch`` there hides; the object and
array keywords apply to objects and arrays only (a generated schema types them so).
"""

MAX_MEMO = 256
"""Scalar values whose findings each leaf node remembers."""

MAX_MEMO_TEXT = 256
"""Longer strings are not remembered (the memo stays small)."""

Relative = tuple[tuple[str, str, int], ...]
"""``(code, message, rank)`` of the errors of a scalar value (their path is the value's)."""


class Node:
    """One property (or the call's fields object) with its decoder and its schemas."""

    __slots__ = (
        "additional",
        "check",
        "children",
        "decoder",
        "items",
        "lenient",
        "memo",
        "own",
        "required",
        "types",
        "whole",
    )

    def __init__(
        self,
        decoder: msgspec.json.Decoder[Any],
        check: Any,
        schema: dict[str, Any],
        formats: FormatChecker,
        children: dict[str, Node] | None = None,
        items: Node | None = None,
        additional: bool = True,
        lenient: msgspec.json.Decoder[Any] | None = None,
    ) -> None:
        from jsonschema import Draft7Validator

        self.decoder = decoder
        self.check = check
        self.children = children
        self.items = items
        self.additional = additional
        self.lenient = lenient
        """The object's struct with unknown fields allowed (``None`` when the plan allows them anyway)."""
        self.whole = Draft7Validator(schema, format_checker=formats)
        own = {key: value for key, value in schema.items() if key not in ("properties", "additionalProperties", "items")}
        self.own: Draft7Validator | None = Draft7Validator(own, format_checker=formats)
        self.required: list[str] = list(own.get("required", ()))
        if set(own) <= PLAIN_KEYWORDS:
            # only the type (already known right when the value is a dict or list) and required (checked here)
            self.own = None
        self.types: tuple[Any, tuple[str, ...]] | None = _type_shortcut(schema)
        """``(the schema's type keyword, its names)`` when a type error says all (see :data:`MISTYPED_HIDDEN`)."""
        self.memo: dict[tuple[type, Any], Relative] = {}

    def passes(self, raw: Raw) -> bool:
        try:
            value = self.decoder.decode(raw)
        except msgspec.DecodeError:
            return False
        return self.check is None or value is None or bool(self.check(value))


def _type_shortcut(schema: dict[str, Any]) -> tuple[Any, tuple[str, ...]] | None:
    expected = schema.get("type")
    if expected is None or not set(schema) <= MISTYPED_HIDDEN:
        return None
    for sub in schema.get("allOf", ()):
        if not isinstance(sub, dict) or not set(sub) <= {"pattern"}:
            return None
    names = (expected,) if isinstance(expected, str) else tuple(expected)
    if not all(isinstance(name, str) for name in names):
        return None
    return expected, names


def _lenient(properties: dict[str, Property], additional: bool, builder: Any, hint: str) -> msgspec.json.Decoder[Any] | None:
    """A decoder of the object's struct that lets unknown fields pass (``None`` when they pass anyway)."""
    if additional:
        return None
    try:
        return msgspec.json.Decoder(builder.struct(properties, True, hint))
    except (TypeError, ValueError):  # the strict struct was built: this should not happen
        return None


def build_node(prop: Property, builder: Any, formats: FormatChecker) -> Node:
    """The node of one property (``builder`` is the fast path's type builder)."""
    decoder = msgspec.json.Decoder(builder.value_type(prop))
    check = builder.value_checker(prop)
    schema = property_schema(prop)
    if prop.type == "object" and "enum" not in prop.constraints and "const" not in prop.constraints:
        children = {name: build_node(child, builder, formats) for name, child in prop.properties.items()}
        lenient = _lenient(prop.properties, prop.additional_properties, builder, prop.name)
        return Node(
            decoder, check, schema, formats, children=children, additional=prop.additional_properties, lenient=lenient
        )
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
    lenient = _lenient(properties, additional, builder, "fields")
    return Node(decoder, None, schema, formats, children=children, additional=additional, lenient=lenient)


def find(node: Node, value: Any, raw: Raw, prefix: tuple[str | int, ...], field_key: str) -> list[Found]:
    """What jsonschema finds in ``value`` under ``node`` (called for values the node's decoder rejected)."""
    children = node.children
    if children is not None and isinstance(value, dict):
        found = _own(node, value, prefix, field_key)
        if not _decodes(node.lenient, raw):  # some planned child fails (else only unplanned names are wrong)
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
    return _leaf(node, value, prefix, field_key)


def _decodes(decoder: msgspec.json.Decoder[Any] | None, raw: Raw) -> bool:
    if decoder is None:
        return False
    try:
        decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


SCALARS = (str, int, bool, type(None))
"""Values whose findings a node remembers (floats are not: ``0.0 == -0.0`` but they read differently)."""


def _leaf(node: Node, value: Any, prefix: tuple[str | int, ...], field_key: str) -> list[Found]:
    """Every error of ``value`` against the node's whole schema."""
    types = node.types
    if types is not None:
        is_type = node.whole.is_type
        if not any(is_type(value, name) for name in types[1]):
            return [("type_mismatch", fold_path(prefix), type_message(types[0], value), 1)]
    kind = value.__class__
    if kind not in SCALARS or (kind is str and len(value) > MAX_MEMO_TEXT):
        out: list[Found] = []
        for error in node.whole.iter_errors(value):
            out.extend(classify(error, field_key, (), prefix) or ())
        return out
    key = (kind, value)
    relative = node.memo.get(key)
    base = fold_path(prefix)
    if relative is None:
        found: list[Found] = []
        for error in node.whole.iter_errors(value):
            found.extend(classify(error, field_key, (), prefix) or ())
        if any(path != base for _, path, _, _ in found):  # not expected of a scalar: no memo
            return found
        relative = tuple((code, text, rank) for code, _, text, rank in found)
        if len(node.memo) < MAX_MEMO:
            node.memo[key] = relative
    return [(code, base, text, rank) for code, text, rank in relative]


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
