"""The fast path: msgspec structs generated from the plan accept valid messages straight from their bytes.

A track message of a planned event is decoded whole, in one pass, by a union of
structs tagged by ``event`` (envelope fields plus the struct generated for its
``properties``).  Any other message, and one that union refuses, is decoded into
a small envelope struct (a tagged union on ``type``; ``properties`` kept as raw
bytes), then its ``properties``/``traits`` into the struct generated for its
call.  In the generated structs unknown fields are forbidden where the
plan forbids them, constraints become ``msgspec.Meta``, enums become
``Literal``, and string patterns and formats, with what ``Meta`` cannot say
(``unique_items``, a ``format`` next to a ``pattern``), are checked in a generated
``__post_init__``.  Decoding succeeds only for
messages that the reference path (envelope check + jsonschema) accepts too; any
failure, or anything the generator cannot express, sends the message to the
reference path, which decides and explains.

Where the two could read the same bytes differently, the fast path is the
stricter one: integers outside int64 fall back (orjson reads larger ones as
floats); bounds are applied to exact integers, never rounded; non-ASCII input is
checked to be UTF-8 (msgspec does not check strings it skips).
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union, cast

import msgspec
from msgspec import UNSET, Meta, Raw

from cdpctl.compiler import object_schema
from cdpctl.formats import FORMAT_PATTERNS, format_checker, format_search, matches_format
from cdpctl.model import Call, Plan, Property
from cdpctl.patterns import compile_pattern
from cdpctl.spec import MESSAGE_ID_MAX, OBJECT_FIELDS, TIMESTAMP_FIELDS
from cdpctl.validation.localize import Node, fields_node
from cdpctl.validation.violations import Violation

if TYPE_CHECKING:
    from jsonschema import FormatChecker

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
EXACT_FLOAT = 2**53
"""Numeric bounds beyond this are not turned into float constraints (they would be rounded)."""

MAX_CACHED = 10_000


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (msgspec does not check the strings it skips; orjson refuses them)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Accepted:
    """The verdict on a message without errors: its call, and its warnings (a deprecated event)."""

    __slots__ = ("event", "type", "warnings")

    def __init__(self, call_type: str, event: str | None, warnings: tuple[Violation, ...]) -> None:
        self.type = call_type
        self.event = event
        self.warnings = warnings
Checker = Callable[[Any], bool]


class BadEnvelope(Exception):  # noqa: N818 (a signal, not an error of the program)
    """Raised by an envelope struct's ``__post_init__``: ``args[0]`` is the struct, decoded whole.

    msgspec turns a ``ValueError`` raised there into a ``DecodeError`` but passes
    other exceptions through: this one says that every type in the message was
    right (the struct decoded) and only an envelope rule beyond types failed
    (ids missing, a timestamp that is not ISO-8601), and hands over what was decoded.
    """


REFUSALS = (msgspec.DecodeError, RecursionError, BadEnvelope)
"""What the decoders of the fast path raise for a message they do not accept (nesting too deep included)."""


class Unsupported(Exception):
    """A plan feature the fast path does not express: calls using it always take the reference path."""


def _full_pattern(fmt: str) -> str:
    """A pattern that ``re.search`` matches exactly when the whole string has format ``fmt``.

    Its groups do not capture (the format patterns have no back-references): that matches faster.
    """
    inner = re.sub(r"\((?![?])", "(?:", FORMAT_PATTERNS[fmt][1:-1])
    return "^(?:" + inner + r")\Z"


class _Empty(msgspec.Struct, gc=False):
    """Any JSON object (its content skipped)."""


def _post_init(checks: list[tuple[str, Checker]]) -> Callable[[Any], None]:
    def __post_init__(self: Any) -> None:
        for attribute, check in checks:
            value = getattr(self, attribute)
            if value is not UNSET and value is not None and not check(value):
                raise ValueError(f"{attribute} fails a check")

    return __post_init__


def _matching_post_init(
    searches: list[tuple[str, Callable[[str], Any]]], checks: list[tuple[str, Checker]]
) -> Callable[[Any], None]:
    """A ``__post_init__`` that matches each patterned string field, then runs ``checks``.

    Written out as straight-line code (one test per field, no loop): it runs for
    every struct decoded.  Its source names only attributes ``f0``, ``f1``... and
    local names; the patterns themselves are passed in as compiled objects.
    """
    namespace: dict[str, Any] = {"UNSET": UNSET}
    lines = ["def __post_init__(self):"]
    for number, (attribute, search) in enumerate(searches):
        if not attribute.startswith("f") or not attribute[1:].isdigit():  # never plan text in source
            raise ValueError(f"unexpected attribute name {attribute!r}")
        namespace[f"search{number}"] = search
        lines.append(f"    value = self.{attribute}")
        lines.append(f"    if value is not UNSET and value is not None and search{number}(value) is None:")
        lines.append(f"        raise ValueError('{attribute} does not match its pattern')")
    if checks:
        namespace["checks"] = _post_init(checks)
        lines.append("    checks(self)")
    exec("\n".join(lines), namespace)  # noqa: S102 - generated from attribute names only (checked above)
    post_init: Callable[[Any], None] = namespace["__post_init__"]
    return post_init


def _passes(value: Any, annotation: Any, check: Checker | None) -> bool:
    """Whether the fast path accepts ``value`` (a plan's enum value) as ``annotation``."""
    if annotation is Raw:
        return True
    try:
        msgspec.convert(value, annotation)
    except msgspec.ValidationError:
        return False
    return check is None or value is None or check(value)


def _unique(values: list[Any]) -> bool:
    return len(set(values)) == len(values)


class _Builder:
    """Generates msgspec types from resolved plan properties."""

    def __init__(self) -> None:
        self.count = 0
        self._checker: FormatChecker | None = None

    @property
    def checker(self) -> FormatChecker:
        """The jsonschema format checker (jsonschema is loaded only when a message needs it)."""
        if self._checker is None:
            self._checker = format_checker()
        return self._checker

    def name(self, hint: str) -> str:
        self.count += 1
        safe = "".join(ch if ch.isalnum() else "_" for ch in hint)[:40]
        return f"S{self.count}_{safe}"

    def struct(self, properties: dict[str, Property], additional: bool, hint: str) -> type[msgspec.Struct]:
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        checks: list[tuple[str, Checker]] = []
        searches: list[tuple[str, Callable[[str], Any]]] = []
        for index, (key, prop) in enumerate(properties.items()):
            attribute = f"f{index}"
            rename[attribute] = key
            annotation = self.value_type(prop)  # also refuses what the fast path cannot express
            patterned = self.field_pattern(prop)
            if patterned is not None:
                annotation = patterned[0]
                searches.append((attribute, patterned[1]))
            if prop.required:
                fields.append((attribute, annotation))
            else:
                fields.append((attribute, annotation, UNSET))
            check = self.value_checker(prop, searched=patterned is not None)
            if check is not None:
                checks.append((attribute, check))
        namespace: dict[str, Any] = {}
        if searches:
            namespace["__post_init__"] = _matching_post_init(searches, checks)
        elif checks:
            namespace["__post_init__"] = _post_init(checks)
        return msgspec.defstruct(
            self.name(hint),
            fields,
            rename=rename,
            forbid_unknown_fields=not additional,
            kw_only=True,
            gc=False,
            namespace=namespace,
        )

    # --- types -----------------------------------------------------------------------------------

    def value_type(self, prop: Property) -> Any:
        if "json_schema" in prop.extra:
            raise Unsupported("a raw JSON Schema (json_schema)")
        constraints = prop.constraints
        if "enum" in constraints or "const" in constraints:
            return self.choices(prop)
        kind = prop.type
        if kind == "string":
            base: Any = self.string(prop)
        elif kind == "integer":
            base = self.integer(constraints)
        elif kind == "number":
            base = self.number(constraints)
        elif kind == "boolean":
            self.only(constraints, ())
            base = bool
        elif kind == "object":
            self.only(constraints, ())
            if prop.items is not None:
                raise Unsupported("items on an object")
            base = self.struct(prop.properties, prop.additional_properties, prop.name)
        elif kind == "array":
            base = self.array(prop)
        else:  # any
            if constraints or prop.properties or prop.items is not None:
                raise Unsupported("constraints on an untyped property")
            return Raw
        if kind != "object" and prop.properties:
            raise Unsupported("properties on a non-object")
        return Optional[base] if prop.nullable else base

    @staticmethod
    def only(constraints: dict[str, Any], allowed: tuple[str, ...]) -> None:
        extra = set(constraints) - set(allowed)
        if extra:
            raise Unsupported(f"constraints {sorted(extra)} here")

    def choices(self, prop: Property) -> Any:
        """An enum or const as a ``Literal`` of the values the whole property schema accepts."""
        constraints = prop.constraints
        values = list(constraints["enum"]) if "enum" in constraints else [constraints["const"]]
        if "enum" in constraints and "const" in constraints:
            values = [v for v in values if v == constraints["const"] and type(v) is type(constraints["const"])]
        if prop.nullable:
            values.append(None)
        base = replace(prop, constraints={k: v for k, v in constraints.items() if k not in ("enum", "const")})
        base_type = self.value_type(base)
        base_check = self.value_checker(base)
        kept = []
        for value in values:
            exact = value is None or type(value) is str or (type(value) is int and INT_MIN <= value <= INT_MAX)
            if exact and value not in kept and _passes(value, base_type, base_check):
                kept.append(value)
        if not kept:
            raise Unsupported("no enum value the fast path can express")
        return Literal[tuple(kept)]

    def string(self, prop: Property) -> Any:
        """A string type; a plan pattern is left to :meth:`value_checker` (msgspec would run it with ``re``)."""
        meta, _ = self.string_parts(prop)
        fmt = prop.constraints.get("format")
        if fmt is not None and "pattern" not in prop.constraints:
            meta = {**meta, "pattern": _full_pattern(fmt)}
        return Annotated[str, Meta(**meta)] if meta else str

    def string_parts(self, prop: Property) -> tuple[dict[str, Any], Callable[[str], Any] | None]:
        """A string's length constraints (as ``Meta`` keywords) and the search of the pattern it must match.

        A plan pattern runs on the linear-time engine of :mod:`cdpctl.patterns`; a format's own pattern
        (written by cdpctl, not by the plan) on ``re``.
        """
        constraints = prop.constraints
        self.only(constraints, ("pattern", "format", "min_length", "max_length"))
        meta: dict[str, Any] = {}
        if "min_length" in constraints:
            meta["min_length"] = constraints["min_length"]
        if "max_length" in constraints:
            meta["max_length"] = constraints["max_length"]
        fmt = constraints.get("format")
        if fmt is not None and fmt not in FORMAT_PATTERNS:
            raise Unsupported(f"format {fmt}")
        if "pattern" in constraints:
            return meta, compile_pattern(str(constraints["pattern"])).search
        if fmt is not None:
            return meta, format_search(fmt)
        return meta, None

    def field_pattern(self, prop: Property) -> tuple[Any, Callable[[str], Any]] | None:
        """For a string field of a struct with a pattern (or a format): its type without the pattern, and
        the pattern, which the struct's ``__post_init__`` matches (cheaper than ``Meta(pattern=...)``,
        which costs msgspec about twice a plain ``search``).  ``None`` for any other field."""
        constraints = prop.constraints
        if prop.type != "string" or "enum" in constraints or "const" in constraints:
            return None
        meta, pattern = self.string_parts(prop)
        if pattern is None:
            return None
        annotation: Any = Annotated[str, Meta(**meta)] if meta else str
        return (Optional[annotation] if prop.nullable else annotation), pattern

    def integer(self, constraints: dict[str, Any]) -> Any:
        self.only(constraints, ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of"))
        low, high = INT_MIN, INT_MAX
        if "minimum" in constraints:
            low = max(low, math.ceil(constraints["minimum"]))
        if "exclusive_minimum" in constraints:
            low = max(low, math.floor(constraints["exclusive_minimum"]) + 1)
        if "maximum" in constraints:
            high = min(high, math.floor(constraints["maximum"]))
        if "exclusive_maximum" in constraints:
            high = min(high, math.ceil(constraints["exclusive_maximum"]) - 1)
        if low > high:
            raise Unsupported("no integer fits the bounds")
        meta: dict[str, Any] = {"ge": low, "le": high}
        if "multiple_of" in constraints:
            divisor = constraints["multiple_of"]
            if type(divisor) is not int or divisor <= 0:
                raise Unsupported("a non-integer multiple_of on an integer")
            meta["multiple_of"] = divisor
        return Annotated[int, Meta(**meta)]

    def number(self, constraints: dict[str, Any]) -> Any:
        """Integers stay exact integers (as orjson reads them), floats stay floats."""
        as_int = self.integer(constraints) if _int_safe(constraints) else Annotated[int, Meta(ge=1, le=0)]
        meta: dict[str, Any] = {}
        for key, name in (
            ("minimum", "ge"),
            ("maximum", "le"),
            ("exclusive_minimum", "gt"),
            ("exclusive_maximum", "lt"),
        ):
            if key in constraints:
                bound = constraints[key]
                if abs(bound) > EXACT_FLOAT:
                    raise Unsupported("a bound too large to compare exactly as a float")
                meta[name] = float(bound)
        if "multiple_of" in constraints:
            divisor = constraints["multiple_of"]
            if not isinstance(divisor, float):
                raise Unsupported("an integer multiple_of on a number")
            meta["multiple_of"] = divisor
        as_float = Annotated[float, Meta(**meta)] if meta else float
        return Union[as_int, as_float]

    def array(self, prop: Property) -> Any:
        constraints = prop.constraints
        self.only(constraints, ("min_items", "max_items", "unique_items"))
        if prop.items is None:
            item: Any = Raw
            if constraints.get("unique_items"):
                raise Unsupported("unique_items on untyped items")
        else:
            item = self.value_type(prop.items)
        meta: dict[str, Any] = {}
        if "min_items" in constraints:
            meta["min_length"] = constraints["min_items"]
        if "max_items" in constraints:
            meta["max_length"] = constraints["max_items"]
        return Annotated[list[item], Meta(**meta)] if meta else list[item]

    # --- checks msgspec cannot express ------------------------------------------------------------

    def value_checker(self, prop: Property, *, searched: bool = False) -> Checker | None:
        """A check run after decoding, for ``unique_items``, a plan pattern (unless ``searched``: the
        struct matches it) and a ``format`` next to a ``pattern``."""
        constraints = prop.constraints
        if prop.type == "string" and "format" in constraints and "pattern" not in constraints and not searched:
            fmt = constraints["format"]  # the struct's Meta pattern is the format's pattern: the rest is here
            return lambda value: matches_format(fmt, value)
        if prop.type == "string" and "pattern" in constraints:
            fmt = constraints.get("format")
            search = None if searched else compile_pattern(str(constraints["pattern"])).search
            if fmt is None:
                return None if search is None else lambda value: search(value) is not None
            if search is None:
                return lambda value: matches_format(fmt, value)
            return lambda value: search(value) is not None and matches_format(fmt, value)
        if prop.type != "array":
            return None
        inner = self.value_checker(prop.items) if prop.items is not None else None
        unique = bool(constraints.get("unique_items"))
        if unique and prop.items is not None and prop.items.type not in ("string", "integer", "number", "boolean"):
            raise Unsupported("unique_items on items that are not scalars")
        if unique and prop.items is not None and prop.items.type == "number" and prop.items.nullable:
            raise Unsupported("unique_items on nullable numbers")
        if not unique and inner is None:
            return None

        def check(values: list[Any]) -> bool:
            if unique and not _unique(values):
                return False
            return inner is None or all(inner(value) for value in values if value is not None)

        return check


def _int_safe(constraints: dict[str, Any]) -> bool:
    divisor = constraints.get("multiple_of")
    return divisor is None or type(divisor) is int


MAX_STAMP_PARTS_KEPT = 4096
"""Timestamp heads and tails kept per fast path, once matched (a log repeats its seconds and its fractions)."""

STAMP_HEAD = 19
"""``YYYY-MM-DDTHH:MM:SS``: the fixed-width head of every ``date-time`` (the tail is fraction and offset)."""


def envelope_checks() -> tuple[Callable[[Any], None], Callable[[Any], None]]:
    """The ``__post_init__`` of the envelope structs: ids present, timestamps ISO-8601.

    A ``date-time`` is a fixed-width head (date, separator, time to the second)
    and a tail (fraction, offset): it matches the pattern exactly when its head
    is the head of a timestamp that matched and its tail the tail of one.  Heads
    and tails that matched are remembered (bounded sets, one pair per fast path):
    the timestamps of a log share their seconds and their fractions, so most are
    two set lookups instead of a regular expression.  The common case (ids
    present, timestamps made of known parts) is one flat function: it runs for
    every message.
    """
    search = format_search("date-time")
    heads: set[str] = set()
    tails: set[str] = set()

    def stamp_ok(stamp: str) -> bool:
        if search(stamp) is None:
            return False
        if len(heads) >= MAX_STAMP_PARTS_KEPT:
            heads.clear()
        if len(tails) >= MAX_STAMP_PARTS_KEPT:
            tails.clear()
        if not stamp.endswith("60", 0, STAMP_HEAD):  # a leap second is valid with some offsets only
            heads.add(stamp[:STAMP_HEAD])
        tails.add(stamp[STAMP_HEAD:])
        return True

    def envelope_check(message: Any) -> None:
        # ids: a non-empty string or a number (the struct types allow nothing else but null)
        user = message.userId
        if user is None or user == "":
            anonymous = message.anonymousId
            if anonymous is None or anonymous == "":
                raise BadEnvelope(message)
        stamp = message.timestamp
        if (
            stamp is not UNSET
            and not (stamp[:STAMP_HEAD] in heads and stamp[STAMP_HEAD:] in tails)
            and not stamp_ok(stamp)
        ):
            raise BadEnvelope(message)
        # sentAt and originalTimestamp: the same test written out twice (a loop over them costs this
        # function, run for every message, about a sixth more)
        other = message.sentAt
        if (
            other is not UNSET
            and other != stamp
            and not (other[:STAMP_HEAD] in heads and other[STAMP_HEAD:] in tails)
            and not stamp_ok(other)
        ):
            raise BadEnvelope(message)
        other = message.originalTimestamp
        if (
            other is not UNSET
            and other != stamp
            and not (other[:STAMP_HEAD] in heads and other[STAMP_HEAD:] in tails)
            and not stamp_ok(other)
        ):
            raise BadEnvelope(message)
        other = message.receivedAt
        if (
            other is not UNSET
            and other != stamp
            and not (other[:STAMP_HEAD] in heads and other[STAMP_HEAD:] in tails)
            and not stamp_ok(other)
        ):
            raise BadEnvelope(message)

    def alias_check(message: Any) -> None:
        envelope_check(message)
        previous = message.previousId
        if type(previous) is str and not previous:
            raise ValueError("empty previousId")

    return envelope_check, alias_check


def own_code(function: Callable[[Any], None]) -> Callable[[Any], None]:
    """A copy of ``function`` with a code object of its own (the same closure).

    CPython specializes each attribute read of a code object for the class it
    last saw: one ``__post_init__`` shared by a struct class per event misses at
    every change of event and reads each field the slow way.  A copy per class
    keeps each read on its one class (about 140 ns less per message).
    """
    copy = types.FunctionType(
        function.__code__.replace(), function.__globals__, function.__name__, function.__defaults__, function.__closure__
    )
    return cast("Callable[[Any], None]", copy)


Id = Union[str, int, float, None]
PresentId = Union[Annotated[str, Meta(min_length=1)], int, float]
"""An id a call requires (``groupId``): a non-empty string or a number."""
MessageId = Annotated[str, Meta(max_length=MESSAGE_ID_MAX)]


class _ContextTraits(msgspec.Struct, gc=False):
    """A ``context`` object, of which only its ``traits`` are kept (unparsed): an identify or group call
    without ``traits`` is checked on ``context.traits`` (where rudder-sdk-python puts identify traits)."""

    traits: Raw = UNSET  # type: ignore[assignment]


def _envelope_fields(context: Any = None) -> list[tuple[str, Any] | tuple[str, Any, Any]]:
    """The envelope fields every call shares (their rules beyond types are in ``envelope_checks``);
    ``context`` is the type of the ``context`` object (skipped unless said)."""
    return [
        ("userId", Id, None),
        ("anonymousId", Id, None),
        ("timestamp", str, UNSET),
        ("sentAt", str, UNSET),
        ("originalTimestamp", str, UNSET),
        ("receivedAt", str, UNSET),
        ("messageId", MessageId, UNSET),
        ("context", _Empty if context is None else context, UNSET),
        ("integrations", _Empty, UNSET),
    ]


def _envelope(
    tag: str, extra: list[tuple[str, Any] | tuple[str, Any, Any]], check: Callable[[Any], None], context: Any = None
) -> Any:
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [*_envelope_fields(context), *extra]
    return msgspec.defstruct(
        f"Envelope_{tag}",
        fields,
        tag_field="type",
        tag=tag,
        kw_only=True,
        gc=False,
        namespace={"__post_init__": own_code(check)},
    )


class Entry:
    """A planned call as the fast path sees it (``decoder`` is ``None`` when it cannot be expressed)."""

    __slots__ = ("_root", "accepted", "builder", "call", "decoder", "required")

    def __init__(self, call: Call, decoder: msgspec.json.Decoder[Any] | None, builder: _Builder) -> None:
        self.call = call
        warnings: tuple[Violation, ...] = ()
        if call.deprecated:
            text = f"'{call.label}' is deprecated in the tracking plan"
            warnings = (Violation("deprecated_event", "warning", call.type, call.name, "event", text),)
        self.accepted = Accepted(call.type, call.name, warnings)
        self.decoder = decoder
        self.builder = builder
        self.required = any(prop.required for prop in call.fields.values())
        self._root: Node | None = None

    def root(self) -> Node:
        """The call's fields as a tree of nodes (built on first use)."""
        if self._root is None:
            assert self.decoder is not None
            schema = object_schema(self.call.fields, self.call.additional_properties)
            schema = {"type": "object", **schema}
            self._root = fields_node(
                self.decoder, self.call.fields, self.call.additional_properties, schema, self.builder, self.builder.checker
            )
        return self._root


class Partial:
    """A planned call whose ``properties``/``traits`` the fast path rejected (and maybe its envelope)."""

    __slots__ = ("decoded", "entry", "envelope_ok", "fields")

    def __init__(self, entry: Entry, fields: Any, envelope_ok: bool = True, decoded: Any = None) -> None:
        self.entry = entry
        self.fields = fields
        """The raw ``properties``/``traits`` (``UNSET`` when absent, or when the struct of the whole message
        decoded them: they are right, only the envelope is not)."""
        self.envelope_ok = envelope_ok
        self.decoded = decoded
        """The whole-message struct that decoded the message before an envelope rule failed (else ``None``)."""

    def envelope(self) -> dict[str, Any] | None:
        """What the envelope rules read of the message, taken from :attr:`decoded` (``None`` without it).

        The struct decoded every field with its right type, so the rules see what a
        parse would give them: the ids and timestamps themselves, and objects where
        the message has objects (their content does not matter to the rules).
        """
        decoded = self.decoded
        if decoded is None:
            return None
        call = self.entry.call
        view: dict[str, Any] = {
            "type": call.type,
            "event": call.name,
            "userId": decoded.userId,
            "anonymousId": decoded.anonymousId,
        }
        for name in TIMESTAMP_FIELDS:
            value = getattr(decoded, name)
            if value is not UNSET:
                view[name] = value
        for name in OBJECT_FIELDS:
            if getattr(decoded, name, UNSET) is not UNSET:
                view[name] = {}
        if call.type == "group":  # the struct decoded it: present and of the right type
            view["groupId"] = decoded.groupId
        return view


class Unplanned:
    """A call the plan does not have, in a message whose envelope and fields object are right.

    Its one violation is ``unplanned_event``: the envelope struct decoded (every
    type right, the envelope rules kept), the event or name is not blank, and
    ``properties``/``traits`` are objects or absent, so the envelope rules have
    nothing to say.
    """

    __slots__ = ("name", "type")

    def __init__(self, call_type: str, name: str) -> None:
        self.type = call_type
        self.name = name


Outcome = Union[Accepted, Partial, Unplanned, None]
"""The fast path's verdict on one message (``None``: the reference path looks at all of it)."""


OPEN_BRACE = ord("{")


def is_object(raw: Any) -> bool:
    """Whether an unparsed value is a JSON object (or absent: ``UNSET``)."""
    return raw is UNSET or memoryview(raw)[0] == OPEN_BRACE


def context_traits(context: Any) -> Any:
    """The unparsed ``context.traits`` of a decoded ``context`` when it is an object, else ``UNSET``."""
    if context is UNSET:
        return UNSET
    traits = context.traits
    return traits if traits is not UNSET and is_object(traits) else UNSET


class _Fields(msgspec.Struct, gc=False):
    """Only the ``properties`` and ``traits`` of a message, unparsed."""

    properties: Raw = UNSET  # type: ignore[assignment]
    traits: Raw = UNSET  # type: ignore[assignment]


FIELDS_ONLY: msgspec.json.Decoder[_Fields] = msgspec.json.Decoder(_Fields)

FIELDS_DECODER: msgspec.json.Decoder[dict[str, Raw]] = msgspec.json.Decoder(dict[str, Raw])
"""Splits a ``properties`` object into its values, unparsed."""


class FastPath:
    """Accepts the messages that are free of errors; ``None`` sends a message to the reference path."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        builder = _Builder()
        self.unsupported: dict[str, str] = {}
        """Calls that always take the reference path, with the reason."""
        entries: dict[tuple[str, str | None], Entry] = {}
        track_structs: dict[str, tuple[Any, Entry]] = {}
        for call in plan.calls():
            decoder: msgspec.json.Decoder[Any] | None
            try:
                if call.common_fields or call.common_context:
                    raise Unsupported("the plan's common rules")
                fields_type = builder.struct(call.fields, call.additional_properties, call.label)
                decoder = msgspec.json.Decoder(fields_type)
            except (Unsupported, TypeError, ValueError) as exc:
                self.unsupported[call.label] = str(exc)
                decoder = None
            if call.name is not None and not call.name.strip():
                decoder = None
            entry = Entry(call, decoder, builder)
            entries[(call.type, call.name)] = entry
            if decoder is not None and call.type == "track" and call.name is not None:
                track_structs[call.name] = (fields_type, entry)
        self.events = {name: entries[("track", name)] for name in plan.events}
        self.pages = {name: entries[("page", name)] for name in plan.pages} if plan.pages is not None else None
        self.screens = {name: entries[("screen", name)] for name in plan.screens} if plan.screens is not None else None
        self._accepted: dict[tuple[str, str | None], Accepted] = {}
        self.identify = entries.get(("identify", None))
        self.group = entries.get(("group", None))
        self._build_envelopes()
        self._build_whole(track_structs)

    def _build_whole(self, track_structs: dict[str, tuple[Any, Entry]]) -> None:
        """One decoder for whole track messages of planned events: a union of structs tagged by ``event``.

        msgspec finds the ``event`` of a message, picks the struct generated for
        it, and checks the envelope and the properties in the same decode: no
        Python-level dispatch for most messages of a log.  (A lone struct would
        not require its tag: it names its event as a ``Literal`` field instead.)
        A message it rejects takes the general route (envelope, then fields), which
        decides.
        """
        envelope_check = self._envelope_check
        members: dict[Any, Accepted] = {}
        entries: dict[Any, Entry] = {}
        lone = len(track_structs) == 1
        for name, (fields_type, entry) in track_structs.items():
            properties: tuple[str, Any] | tuple[str, Any, Any] = (
                ("properties", fields_type) if entry.required else ("properties", fields_type, UNSET)
            )
            struct = msgspec.defstruct(
                f"Whole_{entry.builder.name(name)}",
                [
                    ("type", Literal["track"]),
                    *([("event", Literal[name])] if lone else []),
                    *_envelope_fields(),
                    properties,
                    ("traits", _Empty, UNSET),
                ],
                kw_only=True,
                gc=False,
                namespace={"__post_init__": own_code(envelope_check)},
                tag_field=None if lone else "event",
                tag=None if lone else name,
            )
            members[struct] = entry.accepted
            entries[struct] = entry
        self.whole_accepted = members
        self.whole_entries = entries
        self.whole_decode: Callable[[bytes], Any] | None = None
        if members:
            union: Any = next(iter(members)) if lone else Union.__getitem__(tuple(members))
            self.whole_decode = msgspec.json.Decoder(union).decode

    def _build_envelopes(self) -> None:
        plan = self.plan
        _envelope_check, _alias_check = envelope_checks()
        self._envelope_check = _envelope_check

        def traits_type(entry: Entry | None) -> Any:
            return _Empty if entry is None else Raw

        def context_type(entry: Entry | None) -> Any:
            return None if entry is None else _ContextTraits

        self.track_type = _envelope(
            "track", [("event", str), ("properties", Raw, UNSET), ("traits", _Empty, UNSET)], _envelope_check
        )
        self.identify_type = _envelope(
            "identify",
            [("traits", traits_type(self.identify), UNSET), ("properties", _Empty, UNSET)],
            _envelope_check,
            context_type(self.identify),
        )
        self.group_type = _envelope(
            "group",
            [("groupId", PresentId), ("traits", traits_type(self.group), UNSET), ("properties", _Empty, UNSET)],
            _envelope_check,
            context_type(self.group),
        )
        named: dict[str, Any] = {}
        for tag, governed in (("page", plan.pages is not None), ("screen", plan.screens is not None)):
            if governed:
                extra: list[tuple[str, Any] | tuple[str, Any, Any]] = [
                    ("name", str),
                    ("properties", Raw, UNSET),
                    ("traits", _Empty, UNSET),
                ]
            else:
                extra = [("name", Optional[str], None), ("properties", _Empty, UNSET), ("traits", _Empty, UNSET)]
            named[tag] = _envelope(tag, extra, _envelope_check)
        self.page_type = named["page"]
        self.screen_type = named["screen"]
        self.alias_type = _envelope(
            "alias",
            [("previousId", Union[str, int, float]), ("properties", _Empty, UNSET), ("traits", _Empty, UNSET)],
            _alias_check,
        )
        members = (
            self.track_type,
            self.identify_type,
            self.group_type,
            self.page_type,
            self.screen_type,
            self.alias_type,
        )
        union: Any = Union.__getitem__(members)
        self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(union)
        self.decode = self.decoder.decode
        self.single = {
            self.identify_type: ("identify", self.identify),
            self.group_type: ("group", self.group),
            self.alias_type: ("alias", None),
        }

    def entry(self, call_type: str, name: str | None) -> Entry | None:
        """The fast path's view of a planned call (``None`` when unplanned or not expressible)."""
        if call_type == "track":
            entry = self.events.get(name) if name is not None else None
        elif call_type in ("page", "screen"):
            table = self.pages if call_type == "page" else self.screens
            entry = table.get(name) if table is not None and name is not None else None
        else:
            entry = self.identify if call_type == "identify" else self.group if call_type == "group" else None
        return entry if entry is not None and entry.decoder is not None else None

    def partial(self, call_type: str, name: str | None, raw: bytes) -> Partial | None:
        """A :class:`Partial` for a message whose envelope is wrong but whose call is planned."""
        entry = self.entry(call_type, name)
        if entry is None:
            return None
        try:
            fields = FIELDS_ONLY.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # nesting too deep: the reference path reports it
            return None
        raw_fields: Any = fields.traits if entry.call.field_key == "traits" else fields.properties
        if raw_fields is UNSET and entry.call.field_key == "traits":  # maybe context.traits: look at all of it
            return None
        return Partial(entry, raw_fields, False)

    def _ungoverned(self, call_type: str, name: str | None) -> Accepted:
        key = (call_type, name)
        accepted = self._accepted.get(key)
        if accepted is None:
            accepted = Accepted(call_type, name, ())
            if len(self._accepted) < MAX_CACHED:
                self._accepted[key] = accepted
        return accepted

    def accept(self, raw: bytes) -> Accepted | None:
        """The verdict on a message without errors, else ``None``."""
        outcome = self.examine(raw)
        return outcome if isinstance(outcome, Accepted) else None

    def examine(self, raw: bytes) -> Outcome:
        """An :class:`Accepted` for a message without errors; a :class:`Partial` when only its planned
        fields may be wrong; an :class:`Unplanned` for a right message of a call the plan does not have;
        ``None`` when the reference path must look at all of it."""
        return self.examine_utf8(raw) if is_utf8(raw) else None

    def examine_utf8(self, raw: bytes) -> Outcome:
        """:meth:`examine` for bytes known to be UTF-8 (a block checked as a whole: one pass, not one per line).

        The first step (also written out in ``validate_lines``, whose loop runs it
        for every line) is ``whole_accepted[type(whole_decode(raw))]``; when the
        decoder refuses the message with one of :data:`REFUSALS`, :meth:`refused`
        finishes the work.
        """
        whole = self.whole_decode
        if whole is None:
            return self._general(raw, False)
        try:
            return self.whole_accepted[type(whole(raw))]  # type(), not .__class__: one class per event
        except REFUSALS as exc:
            return self.refused(raw, exc)

    def refused(self, raw: bytes, exc: BaseException) -> Outcome:
        """:meth:`examine_utf8` of a message the whole-message decoder refused with ``exc``."""
        if exc.__class__ is BadEnvelope:  # a planned event with right properties: only the envelope needs a look
            decoded = exc.args[0]
            return Partial(self.whole_entries[type(decoded)], UNSET, False, decoded)
        return self._general(raw, True)  # the general route decides (and finds what is wrong)

    def _general(self, raw: bytes, rejected: bool) -> Outcome:
        """The route of every call through the envelope union (``rejected``: the whole-message decoder of
        track events refused the message)."""
        envelope_ok = True
        try:
            message = self.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # nesting too deep: the reference path reports it
            return None
        except BadEnvelope as exc:  # every type right, an envelope rule broken: the fields still need a look
            message = exc.args[0]
            envelope_ok = False
        kind = type(message)
        if kind is self.track_type:
            name = message.event
            entry = self.events.get(name)
            fields = message.properties
            if entry is None and envelope_ok and name.strip() and is_object(fields):
                return Unplanned("track", name)
        elif kind is self.page_type or kind is self.screen_type:
            planned = self.pages if kind is self.page_type else self.screens
            if planned is None:
                if not envelope_ok:
                    return None
                return self._ungoverned("page" if kind is self.page_type else "screen", message.name)
            name = message.name
            entry = planned.get(name)
            fields = message.properties
            if entry is None and envelope_ok and is_object(fields):
                return Unplanned("page" if kind is self.page_type else "screen", name)
        else:
            single = self.single[kind]
            entry = single[1]
            if entry is None:
                return self._ungoverned(single[0], None) if envelope_ok else None
            fields = message.traits
            if fields is UNSET:  # identify or group without traits: their context.traits (when an object)
                fields = context_traits(message.context)
        if entry is None:
            return None
        decoder = entry.decoder
        if decoder is None:
            return None
        if not envelope_ok:
            return Partial(entry, fields, False)
        if fields is UNSET:
            return entry.accepted if not entry.required else Partial(entry, fields)
        if rejected and kind is self.track_type:
            # every planned track call with a decoder has a struct in the whole-message union: the envelope
            # decoded alone, so the fields are what failed (a Partial is a closer look, not a verdict)
            return Partial(entry, fields)
        try:
            decoder.decode(fields)
        except (msgspec.DecodeError, RecursionError):  # nesting too deep: the reference path reports it
            return Partial(entry, fields)
        return entry.accepted
