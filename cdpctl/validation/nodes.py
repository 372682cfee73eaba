"""The tree of a planned call's fields that the explanation of a rejected message walks.

A :class:`Node` is one property (or the call's ``properties``/``traits`` object) with
the msgspec decoder the fast path uses for it, its compiled schema, and what
:mod:`cdpctl.validation.localize` needs to look into a failing value without
jsonschema: the type shortcut, the string checks, an array's item counts, a
lenient decoder for an object whose only fault is unplanned names, and a bounded
memo of the findings of scalar values.  The jsonschema validators and the lenient
decoder are built on first use: most nodes of a call never fail.

:func:`call_root` builds the tree of one call; :class:`Roots` keeps the trees of a
validator, each built when its call first needs an explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

import msgspec
from msgspec import Raw

from cdpctl.compiler import object_schema, property_schema
from cdpctl.model import Property
from cdpctl.patterns import PatternError, compile_pattern

if TYPE_CHECKING:
    from jsonschema import Draft7Validator, FormatChecker

    from cdpctl.validation.fastpath import Entry


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

Formats = Union["FormatChecker", Callable[[], "FormatChecker"]]
"""The jsonschema format checker, or what gives it (jsonschema is then imported only when a node needs it)."""

Relative = tuple[tuple[str, str, int], ...]
"""``(code, message, rank)`` of the errors of a scalar value (their path is the value's)."""


class Node:
    """One property (or the call's fields object) with its decoder and its schemas.

    The jsonschema validators and the lenient decoder are built on first use:
    most nodes of a call never fail.
    """

    __slots__ = (
        "_lenient",
        "_own",
        "_whole",
        "additional",
        "check",
        "children",
        "decoder",
        "formats",
        "items",
        "list_bounds",
        "make_lenient",
        "memo",
        "own_schema",
        "required",
        "schema",
        "text_checks",
        "types",
    )

    def __init__(
        self,
        decoder: msgspec.json.Decoder[Any],
        check: Any,
        schema: dict[str, Any],
        formats: Formats,
        children: dict[str, Node] | None = None,
        items: Node | None = None,
        additional: bool = True,
        make_lenient: Callable[[], msgspec.json.Decoder[Any] | None] | None = None,
    ) -> None:
        self.decoder = decoder
        self.check = check
        self.children = children
        self.items = items
        self.additional = additional
        self.schema = schema
        self.formats = formats
        own = {key: value for key, value in schema.items() if key not in ("properties", "additionalProperties", "items")}
        self.required: list[str] = list(own.get("required", ()))
        self.own_schema: dict[str, Any] | None = own
        """The node's own keywords (``None`` when only the type, known right for a dict or list, and required)."""
        if set(own) <= PLAIN_KEYWORDS:
            self.own_schema = None
        self.types: tuple[Any, tuple[str, ...]] | None = _type_shortcut(schema)
        """``(the schema's type keyword, its names)`` when a type error says all (see :data:`MISTYPED_HIDDEN`)."""
        self.text_checks = _text_checks(schema) if self.types is not None else None
        """The keywords of the schema for a string value of the right type, checked without jsonschema
        (``None``: a keyword only jsonschema checks)."""
        self.list_bounds = _list_bounds(self.own_schema)
        """``(minItems, maxItems)`` when they are the only own keywords of an array (checked without jsonschema)."""
        self.memo: dict[tuple[type, Any], Relative] = {}
        self.make_lenient = make_lenient
        self._lenient: msgspec.json.Decoder[Any] | None = None
        self._whole: Draft7Validator | None = None
        self._own: Draft7Validator | None = None

    @property
    def whole(self) -> Draft7Validator:
        """The jsonschema validator of the node's whole schema."""
        if self._whole is None:
            from cdpctl.patterns import draft7_validator

            self._whole = draft7_validator()(self.schema, format_checker=self.format_checker())
        return self._whole

    @property
    def own(self) -> Draft7Validator:
        """The jsonschema validator of the node's own keywords (when it has :attr:`own_schema`)."""
        if self._own is None:
            from cdpctl.patterns import draft7_validator

            self._own = draft7_validator()(self.own_schema or {}, format_checker=self.format_checker())
        return self._own

    def format_checker(self) -> FormatChecker:
        formats = self.formats
        return formats() if callable(formats) else formats

    @property
    def lenient(self) -> msgspec.json.Decoder[Any] | None:
        """The object's struct with unknown fields allowed (``None`` when the plan allows them anyway)."""
        if self._lenient is None and self.make_lenient is not None:
            self._lenient = self.make_lenient()
            self.make_lenient = None
        return self._lenient

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
    if not all(isinstance(name, str) and name in JSON_TYPE_NAMES for name in names):
        return None
    return expected, names


ANNOTATIONS = frozenset({"description", "title", "deprecated", "examples"})

TextCheck = tuple[str, Any, Any]
"""``(keyword, its schema value, a compiled pattern's search)``."""


def _text_checks(schema: dict[str, Any]) -> tuple[TextCheck, ...] | None:
    """The schema's keywords, in order, when each can be checked on a string without jsonschema."""
    checks: list[TextCheck] = []
    for key, expected in schema.items():
        if key == "type" or key in ANNOTATIONS:
            continue
        if key in ("enum", "const", "minLength", "maxLength") or (key == "format" and isinstance(expected, str)):
            checks.append((key, expected, None))
        elif key == "pattern" or key == "allOf":
            if key == "pattern":
                patterns = [expected]
            elif isinstance(expected, list) and all(isinstance(sub, dict) and set(sub) == {"pattern"} for sub in expected):
                patterns = [sub["pattern"] for sub in expected]  # a format's pattern next to the plan's pattern
            else:
                return None
            for pattern in patterns:
                if not isinstance(pattern, str):
                    return None
                try:
                    search = compile_pattern(pattern).search  # the engine the reference path's keyword uses
                except PatternError:
                    return None
                checks.append(("pattern", pattern, search))
        else:
            return None
    if any(key in ("minLength", "maxLength") and not isinstance(expected, int) for key, expected, _ in checks):
        return None
    return tuple(checks)


def _list_bounds(own: dict[str, Any] | None) -> tuple[int, int | None] | None:
    if own is None or not set(own) <= {"type", "minItems", "maxItems"} | ANNOTATIONS:
        return None
    low, high = own.get("minItems", 0), own.get("maxItems")
    if not isinstance(low, int) or not (high is None or isinstance(high, int)):
        return None
    return low, high


JSON_TYPE_NAMES = frozenset({"string", "boolean", "integer", "number", "null", "object", "array"})

TYPES_OF_CLASS: dict[type, frozenset[str]] = {
    str: frozenset({"string"}),
    bool: frozenset({"boolean"}),
    int: frozenset({"integer", "number"}),
    float: frozenset({"number"}),
    type(None): frozenset({"null"}),
    dict: frozenset({"object"}),
    list: frozenset({"array"}),
}
"""The Draft 7 types of a parsed JSON value, by its class (a float with an integral value is an integer too)."""

INTEGRAL_FLOAT = frozenset({"integer", "number"})


def json_types(value: Any) -> frozenset[str] | None:
    """The Draft 7 type names ``value`` is an instance of, as jsonschema's type checker says (``None``: ask it)."""
    kind = value.__class__
    if kind is float and value.is_integer():
        return INTEGRAL_FLOAT
    return TYPES_OF_CLASS.get(kind)


def _lenient(
    properties: dict[str, Property], additional: bool, builder: Any, hint: str
) -> Callable[[], msgspec.json.Decoder[Any] | None] | None:
    """What builds a decoder of the object's struct that lets unknown fields pass (``None`` when they pass anyway)."""
    if additional:
        return None

    def make() -> msgspec.json.Decoder[Any] | None:
        try:
            return msgspec.json.Decoder(builder.struct(properties, True, hint))
        except (TypeError, ValueError):  # the strict struct was built: this should not happen
            return None

    return make


def build_node(prop: Property, builder: Any, formats: Formats) -> Node:
    """The node of one property (``builder`` is the fast path's type builder)."""
    decoder = msgspec.json.Decoder(builder.value_type(prop))
    check = builder.value_checker(prop)
    schema = property_schema(prop)
    if prop.type == "object" and "enum" not in prop.constraints and "const" not in prop.constraints:
        children = {name: build_node(child, builder, formats) for name, child in prop.properties.items()}
        lenient = _lenient(prop.properties, prop.additional_properties, builder, prop.name)
        return Node(
            decoder,
            check,
            schema,
            formats,
            children=children,
            additional=prop.additional_properties,
            make_lenient=lenient,
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
    formats: Formats,
) -> Node:
    """The node of a call's ``properties``/``traits`` object."""
    children = {name: build_node(prop, builder, formats) for name, prop in properties.items()}
    lenient = _lenient(properties, additional, builder, "fields")
    return Node(decoder, None, schema, formats, children=children, additional=additional, make_lenient=lenient)



def call_root(entry: Entry) -> Node:
    """The fields of a call the fast path expresses, as a tree of :class:`Node`.

    The nodes get the format checker only when one of them runs jsonschema:
    the errors most logs have (types, unplanned names, missing names, enums,
    patterns, formats) are found without importing it.
    """
    call = entry.call
    assert entry.decoder is not None
    builder = entry.builder
    schema = {"type": "object", **object_schema(call.fields, call.additional_properties)}

    def formats() -> FormatChecker:
        checker: FormatChecker = builder.checker
        return checker

    return fields_node(entry.decoder, call.fields, call.additional_properties, schema, builder, formats)


class Roots:
    """The node trees of one validator's calls, each built when its call first needs an explanation."""

    __slots__ = ("_trees",)

    def __init__(self) -> None:
        self._trees: dict[tuple[str, str | None], Node] = {}

    def of(self, entry: Entry) -> Node:
        """The tree of ``entry``'s call (built on first use)."""
        key = (entry.call.type, entry.call.name)
        root = self._trees.get(key)
        if root is None:
            root = self._trees[key] = call_root(entry)
        return root
