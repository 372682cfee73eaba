"""Finding the wrong parts of a message the fast path rejected, without running jsonschema on all of it.

A planned call's fields form a tree of :class:`Node` objects.  Each node can
tell from raw bytes whether its value is free of errors (its msgspec decoder,
the same the fast path uses).  Only the nodes that are not go through
jsonschema: an object or array node checks its own keywords (its schema
without ``properties``/``items``) and recurses into the children that fail; a
leaf runs its whole schema.  The findings are exactly those jsonschema reports
for the whole message, because jsonschema's ``properties`` and ``items``
keywords only descend into each child with its path.

Shortcuts give the same findings for less work:

* only the parts that fail are parsed (:func:`load`), and only when a check needs the value;
* an object whose only fault is unplanned names decodes under a lenient copy of
  its struct (unknown fields allowed), so its children are not decoded one by one;
* a value of the wrong JSON type yields the one type error jsonschema would keep
  (the enum and constraint errors of a mistyped value are hidden anyway);
* a string of the right type is checked against ``enum``, ``const``, ``pattern``
  and ``format`` here, with the words :mod:`classify` gives them (a length that
  fails is left to jsonschema, whose words those are), and an array's item
  counts likewise: jsonschema is imported only when a rejected value needs it;
* the findings for a scalar value are remembered per node (a bounded memo: bad
  values repeat in a log).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Union

import msgspec
import orjson
from msgspec import UNSET, Raw

from cdpctl.compiler import property_schema
from cdpctl.formats import FORMAT_PATTERNS, matches_format
from cdpctl.model import Property
from cdpctl.patterns import PatternError, compile_pattern
from cdpctl.validation.classify import (
    CODE_OF_KEYWORD,
    KEYWORD_RANK,
    Found,
    classify,
    fold_path,
    keyword_message,
    missing,
    type_message,
    unplanned,
)

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


def _text_errors(checks: tuple[TextCheck, ...], value: str) -> Relative | None:
    """What jsonschema finds in a string of the right type (``None``: a length is wrong, let it say so)."""
    out: list[tuple[str, str, int]] = []
    for keyword, expected, search in checks:
        if keyword == "pattern":
            failed = search(value) is None
        elif keyword == "enum":
            failed = value not in expected
        elif keyword == "const":
            failed = not (value is expected or value == expected)
        elif keyword == "format":
            failed = expected in FORMAT_PATTERNS and not matches_format(expected, value)
        else:  # minLength, maxLength: their messages are jsonschema's
            if len(value) < expected if keyword == "minLength" else len(value) > expected:
                return None
            continue
        if failed:
            text = keyword_message(keyword, expected, value)
            assert text is not None
            out.append((CODE_OF_KEYWORD.get(keyword, "constraint_failed"), text, KEYWORD_RANK.get(keyword, 1)))
    return tuple(out)


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


class Reread(ValueError):
    """A value that could read differently alone than inside its message: read the message whole."""


DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= code <= 0x39 else 0x78 for code in range(256))
"""A ``bytes.translate`` table: digits to ``0``, every other byte to ``x``."""

LONG_DIGITS = b"0" * 19
"""A run of digits long enough to be an integer beyond 64 bits (found in the translated bytes)."""


def load(raw: Raw) -> Any:
    """A part of a message read alone, as reading the whole message reads it.

    The whole message is read by orjson, or by the json module when a number
    in it is beyond a double's range: the two read integers beyond 64 bits
    differently (a float, an exact integer), so a part holding one raises
    :class:`Reread`.  A part that orjson does not read raises ``ValueError``.
    """
    text = bytes(raw)
    if LONG_DIGITS in text.translate(DIGITS_AS_ZERO):
        raise Reread("a long integer")
    return orjson.loads(text)


def find(
    node: Node, raw: Raw, prefix: tuple[str | int, ...], field_key: str, value: Any = UNSET
) -> list[Found]:
    """What jsonschema finds under ``node`` in a value its decoder rejected.

    ``raw`` is the value's JSON text; ``value`` the value when already parsed
    (``UNSET``: the parts that need it are parsed with :func:`load`).
    """
    children = node.children
    if children is not None and (value is UNSET or isinstance(value, dict)):
        try:
            members = RAW_OBJECT.decode(raw)
        except msgspec.DecodeError:  # not an object
            members = None
        if members is not None:
            return _find_object(node, children, members, raw, prefix, field_key, value)
    items = node.items
    if items is not None and (value is UNSET or isinstance(value, list)):
        try:
            elements = RAW_ARRAY.decode(raw)
        except msgspec.DecodeError:  # not an array
            elements = None
        if elements is not None:
            found = _own(node, elements, raw, value, prefix, field_key)
            for index, item_raw in enumerate(elements):
                if not items.passes(item_raw):
                    item = UNSET if value is UNSET else value[index]
                    found.extend(find(items, item_raw, (*prefix, index), field_key, item))
            return found
    return _leaf(node, load(raw) if value is UNSET else value, prefix, field_key)


def _find_object(
    node: Node,
    children: dict[str, Node],
    members: dict[str, Raw],
    raw: Raw,
    prefix: tuple[str | int, ...],
    field_key: str,
    value: Any,
) -> list[Found]:
    found = _own(node, members, raw, value, prefix, field_key)
    extra = () if node.additional else [name for name in members if name not in children]
    # with unplanned names, the lenient struct tells whether they are all that is wrong; without,
    # it reads the object as the struct that rejected it
    if not extra or not _decodes(node.lenient, raw):
        for name, child_raw in members.items():
            child = children.get(name)
            if child is None:
                continue
            try:
                decoded = child.decoder.decode(child_raw)
            except msgspec.DecodeError:
                pass
            else:
                check = child.check
                if check is None or decoded is None or check(decoded):
                    continue
            found.extend(find(child, child_raw, (*prefix, name), field_key, UNSET if value is UNSET else value[name]))
    if extra:
        base = fold_path(prefix)
        found.extend(unplanned(base, name) for name in extra)
    return found


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
        names = json_types(value)
        if names is None:
            is_type = node.whole.is_type
            mistyped = not any(is_type(value, name) for name in types[1])
        else:
            mistyped = names.isdisjoint(types[1])
        if mistyped:
            return [("type_mismatch", fold_path(prefix), type_message(types[0], value), 1)]
    kind = value.__class__
    base = fold_path(prefix)
    key: tuple[type, Any] | None = None
    if kind in SCALARS and (kind is not str or len(value) <= MAX_MEMO_TEXT):
        key = (kind, value)
        relative = node.memo.get(key)
        if relative is not None:
            return [(code, base, text, rank) for code, text, rank in relative]
    checks = node.text_checks
    relative = _text_errors(checks, value) if kind is str and checks is not None else None
    if relative is None:
        found: list[Found] = []
        for error in node.whole.iter_errors(value):
            found.extend(classify(error, field_key, (), prefix) or ())
        if key is None or any(path != base for _, path, _, _ in found):  # not expected of a scalar: no memo
            return found
        relative = tuple((code, text, rank) for code, _, text, rank in found)
    if key is not None and len(node.memo) < MAX_MEMO:
        node.memo[key] = relative
    return [(code, base, text, rank) for code, text, rank in relative]


def _own(
    node: Node, members: Any, raw: Raw, value: Any, prefix: tuple[str | int, ...], field_key: str
) -> list[Found]:
    """The errors of the node's own keywords (not its children's) for an object or array.

    ``members`` are its members or elements, unparsed; ``value`` the parsed value (``UNSET``: not yet).
    """
    if node.own_schema is None:
        if not node.required:
            return []
        base = fold_path(prefix)
        return [missing(base, name) for name in node.required if name not in members]
    bounds = node.list_bounds
    if bounds is not None and members.__class__ is list:
        low, high = bounds
        if len(members) >= low and (high is None or len(members) <= high):
            return []  # within its item counts: no error (else jsonschema words it)
    out: list[Found] = []
    for error in node.own.iter_errors(load(raw) if value is UNSET else value):
        out.extend(classify(error, field_key, (), prefix) or ())
    return out
