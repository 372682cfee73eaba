"""The envelope of every message on the fast path: its struct types and its rules beyond types.

Every call shares the envelope fields (ids, timestamps, ``messageId``,
``context``, ``integrations``); their types are struct fields, and the rules
types cannot say (an id present, timestamps ISO-8601) are checked by a generated
``__post_init__`` per struct class, with :func:`stamp_rules`.  A struct whose types
all decoded but whose envelope rule failed raises :class:`BadEnvelope`, which
carries what was decoded.  Also here: the small helpers the decode loop uses on
unparsed values (:func:`is_utf8`, :func:`is_object`, :func:`context_traits`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

import msgspec
from msgspec import UNSET, Meta, Raw

from cdpctl.formats import format_search
from cdpctl.spec import MESSAGE_ID_MAX
from cdpctl.validation.fastpath_source import GeneratedModule, envelope_check
from cdpctl.validation.fastpath_types import Empty

MAX_STAMP_PARTS_KEPT = 4096
"""Timestamp minutes and tails kept per fast path, once matched (a log repeats its minutes and its fractions)."""

STAMP_MINUTE = 16
"""``YYYY-MM-DDTHH:MM``: the day, separator, hour and minute of a ``date-time``."""
STAMP_HEAD = 19
"""``YYYY-MM-DDTHH:MM:SS``: the fixed-width head of every ``date-time`` (the tail is fraction and offset)."""

SECONDS = frozenset(f":{second:02d}" for second in range(60))
"""``:SS`` of a ``date-time`` without a leap second (a second of 60 is left to the whole rule)."""

OPEN_BRACE = ord("{")


def is_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (msgspec does not check the strings it skips; orjson refuses them)."""
    if data.isascii():
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class BadEnvelope(Exception):  # noqa: N818 (a signal, not an error of the program)
    """Raised by an envelope struct's ``__post_init__``: ``args[0]`` is the struct, decoded whole.

    msgspec turns a ``ValueError`` raised there into a ``DecodeError`` but passes
    other exceptions through: this one says that every type in the message was
    right (the struct decoded) and only an envelope rule beyond types failed
    (ids missing, a timestamp that is not ISO-8601), and hands over what was decoded.
    """


REFUSALS = (msgspec.DecodeError, RecursionError, BadEnvelope)
"""What the decoders of the fast path raise for a message they do not accept (nesting too deep included)."""


def stamp_rules() -> tuple[set[str], frozenset[str], set[str], Callable[[str], bool]]:
    """``(minutes, seconds, tails, stamp_ok)``: the date-time rule of envelope timestamps, with what it remembers.

    A ``date-time`` is a minute (``YYYY-MM-DDTHH:MM``, 16 characters: day,
    separator, hour and minute), a second (``:SS``) and a tail (fraction, offset).
    Without a leap second the three are independent: a timestamp is valid exactly
    when its minute is the minute of a timestamp that matched, its second is one of
    :data:`SECONDS` and its tail is the tail of a timestamp that matched.  Minutes and
    tails that matched are remembered (bounded sets, one pair per fast path): a log
    holds few minutes and few tail shapes but a new second every few messages, so
    most timestamps take three set lookups (written in the generated checks)
    instead of the whole pattern (``stamp_ok``, which remembers the parts of a
    stamp that matches).
    """
    search = format_search("date-time")
    minutes: set[str] = set()
    tails: set[str] = set()

    def stamp_ok(stamp: str) -> bool:
        if search(stamp) is None:
            return False
        if len(minutes) >= MAX_STAMP_PARTS_KEPT:
            minutes.clear()
        if len(tails) >= MAX_STAMP_PARTS_KEPT:
            tails.clear()
        if not stamp.endswith("60", 0, STAMP_HEAD):  # with a leap second, the tail may be what allows it
            minutes.add(stamp[:STAMP_MINUTE])
            tails.add(stamp[STAMP_HEAD:])
        return True

    return minutes, SECONDS, tails, stamp_ok


def envelope_module() -> GeneratedModule:
    """A generated module whose namespace holds what envelope checks call (rules of their own)."""
    minutes, seconds, tails, stamp_ok = stamp_rules()
    namespace = {
        "UNSET": UNSET,
        "BadEnvelope": BadEnvelope,
        "minutes": minutes,
        "seconds": seconds,
        "tails": tails,
        "stamp_ok": stamp_ok,
    }
    return GeneratedModule(namespace)


def envelope_checks() -> tuple[Callable[[Any], None], Callable[[Any], None]]:
    """The ``__post_init__`` of an envelope struct and of the alias struct (rules of their own)."""
    module = envelope_module()
    return envelope_check(module), envelope_check(module, alias=True)


Id = Union[str, int, float, None]
PresentId = Union[Annotated[str, Meta(min_length=1)], int, float]
"""An id a call requires (``groupId``): a non-empty string or a number."""
MessageId = Annotated[str, Meta(max_length=MESSAGE_ID_MAX)]

Fields = list[Union[tuple[str, Any], tuple[str, Any, Any]]]


class ContextTraits(msgspec.Struct, gc=False):
    """A ``context`` object, of which only its ``traits`` are kept (unparsed): an identify or group call
    without ``traits`` is checked on ``context.traits`` (where rudder-sdk-python puts identify traits)."""

    traits: Raw = UNSET  # type: ignore[assignment]


def envelope_fields(context: Any = None) -> Fields:
    """The envelope fields every call shares (their rules beyond types: :func:`~cdpctl.validation.fastpath_source.envelope_check`);
    ``context`` is the type of the ``context`` object (skipped unless said)."""
    return [
        ("userId", Id, None),
        ("anonymousId", Id, None),
        ("timestamp", str, UNSET),
        ("sentAt", str, UNSET),
        ("originalTimestamp", str, UNSET),
        ("receivedAt", str, UNSET),
        ("messageId", MessageId, UNSET),
        ("context", Empty if context is None else context, UNSET),
        ("integrations", Empty, UNSET),
    ]


def make_envelope(module: GeneratedModule, tag: str, extra: Fields, context: Any = None) -> Any:
    """The envelope struct of call type ``tag`` (tagged by ``type``) with its ``extra`` fields."""
    return msgspec.defstruct(
        f"Envelope_{tag}",
        [*envelope_fields(context), *extra],
        tag_field="type",
        tag=tag,
        kw_only=True,
        gc=False,
        namespace={"__post_init__": envelope_check(module, alias=tag == "alias")},
    )


def is_object(raw: Any) -> bool:
    """Whether an unparsed value is a JSON object (or absent: ``UNSET``)."""
    return raw is UNSET or memoryview(raw)[0] == OPEN_BRACE


def context_traits(context: Any) -> Any:
    """The unparsed ``context.traits`` of a decoded ``context`` when it is an object, else ``UNSET``."""
    if context is UNSET:
        return UNSET
    traits = context.traits
    return traits if traits is not UNSET and is_object(traits) else UNSET


class OnlyFields(msgspec.Struct, gc=False):
    """Only the ``properties`` and ``traits`` of a message, unparsed."""

    properties: Raw = UNSET  # type: ignore[assignment]
    traits: Raw = UNSET  # type: ignore[assignment]


FIELDS_ONLY: msgspec.json.Decoder[OnlyFields] = msgspec.json.Decoder(OnlyFields)

FIELDS_DECODER: msgspec.json.Decoder[dict[str, Raw]] = msgspec.json.Decoder(dict[str, Raw])
"""Splits a ``properties`` object into its values, unparsed."""
