"""The Segment HTTP Tracking API as the collector reads it: endpoints, size limits and payload parsing.

Pure functions: bytes in, messages out.  ``/v1/batch`` takes ``{"batch": [...]}``
(a bare JSON array is accepted too); the single-call endpoints take one message
and fill in its ``type`` from the path when the body has none.  The write key a
body carries (``writeKey``) is taken out of the message, so it is never
recorded, captured or forwarded.

A message is kept as the exact bytes the client sent whenever possible (only
line breaks between tokens are folded, and it is re-encoded only when its
``writeKey`` or ``type`` changes), so integers beyond 64 bits reach the
capture and the forward queue unchanged.  One broken message of a batch (a
``NaN``, a lone surrogate, nesting more than 200 levels, as
``cdpctl validate`` reads a record) is one malformed message: the batch is split at its top-level commas and every
other message is still read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from cdpctl.serve.jsonsplit import compact, load, load_item, split_batch, too_deep
from cdpctl.validation.jsonread import too_deep_message

MESSAGE_LIMIT = 32 * 1024
"""Segment's limit on one message, in bytes (a larger message accepted anyway gets a ``message_too_large`` warning)."""
BATCH_LIMIT = 500 * 1024
"""Segment's limit on one batch request, in bytes."""
BATCH_MESSAGES = 2500
"""Segment's limit on the messages of one batch request (its HTTP API drops a batch that holds more)."""
SAFETY_LIMIT = 64 * 1024 * 1024
"""The largest body read even with ``--limits none``: memory stays bounded whatever a client sends."""

BATCH = "batch"
GZIP_MAGIC = b"\x1f\x8b"
"""How gzip data starts (RFC 1952): a body that is gzip without its Content-Encoding is named as such."""

ENDPOINTS: dict[str, str] = {
    "/v1/batch": BATCH,
    "/v1/import": BATCH,
    "/v1/track": "track",
    "/v1/identify": "identify",
    "/v1/page": "page",
    "/v1/screen": "screen",
    "/v1/group": "group",
    "/v1/alias": "alias",
    # the short paths analytics.js posts to
    "/v1/b": BATCH,
    "/v1/t": "track",
    "/v1/i": "identify",
    "/v1/p": "page",
    "/v1/s": "screen",
    "/v1/g": "group",
    "/v1/a": "alias",
}
"""Path -> the call type it takes (``batch`` for the batch endpoints)."""


@dataclass(frozen=True)
class Limits:
    """Size limits in bytes: one message, one batch request, one single-call request; and the messages of one
    batch request (None: no limit)."""

    message: int | None
    batch: int | None
    call: int | None
    messages: int | None = None

    def body(self, kind: str) -> int:
        """The largest body an endpoint of ``kind`` reads (never more than :data:`SAFETY_LIMIT`)."""
        limit = self.batch if kind == BATCH else self.call
        return SAFETY_LIMIT if limit is None else min(limit, SAFETY_LIMIT)


LIMITS: dict[str, Limits] = {
    # Segment's HTTP API: 32 KB a request or message, 500 KB and 2,500 messages a batch request
    "segment": Limits(MESSAGE_LIMIT, BATCH_LIMIT, MESSAGE_LIMIT, BATCH_MESSAGES),
    # RudderStack's HTTP API: 32 KB a single call, 4,000 KB a batch request (rudder-server's gateway:
    # Gateway.maxReqSizeInKB = 4000); its Node SDK sends messages over 32 KB inside batches (after a
    # warning) and the data plane takes them
    "rudderstack": Limits(None, 4000 * 1024, MESSAGE_LIMIT),
    "none": Limits(None, None, None),
}
"""``serve --limits NAME``: each vendor's documented limits."""


def make_limits(name: str, message: int | None = None, batch: int | None = None) -> Limits:
    """The limits of ``name`` with explicit ``--max-message-bytes`` / ``--max-batch-bytes`` over them."""
    base = LIMITS[name]
    return Limits(
        base.message if message is None else message,
        base.batch if batch is None else batch,
        base.call if message is None else message,
        base.messages,
    )


def body_limit(kind: str, limits: Limits | None = None) -> int:
    """The largest body an endpoint accepts: a batch, or one message."""
    return (limits or LIMITS["segment"]).body(kind)


class NotJson(Exception):
    """The body does not parse as JSON."""


class BadPayload(Exception):
    """The body is JSON but not a payload the endpoint takes (e.g. a batch without ``batch``)."""


class TooManyMessages(Exception):
    """A batch holds more messages than the limits allow: ``args`` are the count, the limit and the body's write key."""


@dataclass(frozen=True)
class Accepted:
    """One message taken from a request, with its compact JSON (what is captured, measured and forwarded).

    ``error`` is set for a message that does not parse on its own (``message`` is then None and
    ``raw`` its text): it is counted as one malformed record.
    """

    message: Any
    raw: bytes
    error: str | None = None
    index: int | None = None
    """The message's place in its batch (kept for a malformed one, to name it in the answer)."""


@dataclass(frozen=True)
class Rejected:
    """One message of a batch refused: larger than the ``--limits`` accept."""

    index: int
    size: int
    limit: int = MESSAGE_LIMIT
    reason: str = "too_large"

    def to_json(self) -> dict[str, Any]:
        text = f"message {self.index} is {self.size} bytes; the limit is {self.limit} bytes"
        return {"index": self.index, "size": self.size, "reason": self.reason, "message": text}


MAX_ENCODE_DEPTH = 900
"""Deeper messages are never encoded again (kept as sent instead): the standard library's own limit
depends on the interpreter, this one is the same on every CPython."""


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects more than ``limit`` levels (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


def encode(message: Any) -> bytes | None:
    """Compact JSON of a parsed message; None when it cannot be encoded (nested too deeply, lone surrogates)."""
    try:
        return orjson.dumps(message)
    except TypeError:  # orjson stops at 255 levels and 64-bit integers; the standard library goes further
        if _deeper_than(message, MAX_ENCODE_DEPTH):
            return None
        try:
            return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
        except (RecursionError, ValueError):
            return None


@dataclass
class Payload:
    """What a request carried: the accepted messages, the refused ones, and the body's write key."""

    accepted: list[Accepted] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    write_key: str | None = None
    keys: set[str] = field(default_factory=set)
    """Every write key the body carries (on the batch and on each message): each must be the collector's."""

    @property
    def malformed(self) -> int:
        return sum(1 for item in self.accepted if item.error is not None)


# --- payloads ----------------------------------------------------------------------------------


def _take_key(message: Any) -> str | None:
    if isinstance(message, dict):
        key = message.pop("writeKey", None)
        if isinstance(key, str):
            return key
    return None


def _item(message: Any, text: bytes | None) -> Accepted:
    """A parsed message and its bytes: ``text`` as sent when nothing changed, else re-encoded."""
    changed = isinstance(message, dict) and "writeKey" in message
    _take_key(message)
    raw = text if text is not None and not changed else encode(message)
    if raw is None:
        return Accepted(None, (text or b"").strip(), "cannot be encoded again (nested too deeply or not UTF-8)")
    return Accepted(message, raw)


def _add(payload: Payload, index: int, item: Accepted, limits: Limits) -> None:
    if limits.message is not None and len(item.raw) > limits.message:
        payload.rejected.append(Rejected(index, len(item.raw), limits.message))
    else:
        payload.accepted.append(item)


def _count(messages: int, limits: Limits, write_key: str | None) -> None:
    if limits.messages is not None and messages > limits.messages:
        raise TooManyMessages(messages, limits.messages, write_key)


def _split_payload(data: bytes, limits: Limits) -> Payload | None:
    """A batch body read message by message (each one's own text kept); None when it holds no batch."""
    split = split_batch(data)
    if split is None:
        return None
    payload = Payload()
    texts, payload.write_key = split
    if payload.write_key is not None:
        payload.keys.add(payload.write_key)
    for index, text in enumerate(texts):
        message, error = (None, too_deep_message()) if too_deep(text) else load_item(text)
        if error is not None:
            _add(payload, index, Accepted(None, compact(text), error, index), limits)
            continue
        key = message.get("writeKey") if isinstance(message, dict) else None
        if isinstance(key, str):
            payload.keys.add(key)
        if payload.write_key is None and isinstance(key, str):
            payload.write_key = key
        _add(payload, index, _item(message, compact(text)), limits)
    _count(len(texts), limits, payload.write_key)  # after the messages: a key may be in one of them
    return payload


class _BatchTexts(msgspec.Struct):
    """A batch body's messages as their own bytes (the other keys of the body skipped)."""

    batch: list[msgspec.Raw] = msgspec.field(default_factory=list)


_BATCH_TEXTS = msgspec.json.Decoder(_BatchTexts)
_ARRAY_TEXTS = msgspec.json.Decoder(list[msgspec.Raw])


def message_texts(data: bytes, array: bool, count: int) -> list[bytes] | None:
    """The bytes of each of the ``count`` messages of a batch body that parsed whole (``array``: a bare JSON
    array), as sent; None when they cannot be told apart (then the messages are encoded again)."""
    try:
        texts = _ARRAY_TEXTS.decode(data) if array else _BATCH_TEXTS.decode(data).batch
    except (msgspec.DecodeError, RecursionError):
        return None
    return [compact(bytes(text)) for text in texts] if len(texts) == count else None


def _typed_text(data: bytes, kind: str) -> bytes | None:
    """The body of a single call with ``"type":kind`` written in, its other bytes as sent (None: not an object)."""
    text = compact(data)
    if text[:1] != b"{":
        return None
    rest = text[1:].lstrip()
    head = b'{"type":' + orjson.dumps(kind)
    return head + (b"}" if rest[:1] == b"}" else b"," + rest)


def parse_payload(data: bytes, kind: str, limits: Limits | None = None) -> Payload:
    """Parse a decoded request body for an endpoint of ``kind`` (a call type or ``batch``).

    Raises :class:`NotJson`, :class:`BadPayload` or :class:`TooManyMessages`; an oversized message of a
    batch is listed in ``rejected``, a message that does not parse alone is
    accepted as malformed, and every other message is still accepted.
    """
    limits = limits or LIMITS["segment"]
    if too_deep(data):  # a message nesting too deep is malformed, as cdpctl validate reads it
        split = _split_payload(data, limits) if kind == BATCH else None
        if split is not None:
            return split
        if kind != BATCH or data.lstrip()[:1] not in (b"[", b"{"):
            raise NotJson(too_deep_message())
    try:
        document = load(data)
    except (ValueError, RecursionError) as exc:
        split = _split_payload(data, limits) if kind == BATCH else None
        if split is not None:
            return split
        if isinstance(exc, RecursionError):
            raise NotJson(too_deep_message()) from None
        if data[:2] == GZIP_MAGIC:
            raise NotJson("the body is gzip data: send it with 'Content-Encoding: gzip'") from None
        raise NotJson(str(exc).splitlines()[0] if str(exc) else "nested too deeply") from None
    payload = Payload()
    if kind != BATCH:
        as_sent = not (isinstance(document, dict) and "writeKey" in document)  # else its key is taken out
        payload.write_key = _take_key(document)
        payload.keys.update(() if payload.write_key is None else (payload.write_key,))
        raw: bytes | None = compact(data) if as_sent else None
        if isinstance(document, dict) and document.get("type") is None:  # the path says the type
            raw = _typed_text(data, kind) if as_sent and "type" not in document else None  # else encoded again
            document["type"] = kind
        raw = raw if raw is not None else encode(document)
        if raw is None:
            raise BadPayload("the message cannot be encoded again (nested too deeply or not UTF-8)")
        payload.accepted.append(Accepted(document, raw))
        return payload
    if isinstance(document, dict):
        payload.write_key = _take_key(document)
        payload.keys.update(() if payload.write_key is None else (payload.write_key,))
        items = document.get("batch")
        if not isinstance(items, list):
            raise BadPayload("a batch payload is an object with a 'batch' array of messages")
    elif isinstance(document, list):
        items = document
    else:
        raise BadPayload("a batch payload is an object with a 'batch' array of messages")
    _count(len(items), limits, payload.write_key or next(
        (key for key in (m.get("writeKey") for m in items if isinstance(m, dict)) if isinstance(key, str)), None))
    texts = message_texts(data, isinstance(document, list), len(items))
    for index, message in enumerate(items):
        key = message.get("writeKey") if isinstance(message, dict) else None
        if isinstance(key, str):
            payload.keys.add(key)
        if payload.write_key is None and isinstance(key, str):
            payload.write_key = key
        item = _item(message, texts[index] if texts is not None else None)
        if item.error is not None:  # read the body again message by message, to keep this one's own text
            return _split_payload(data, limits) or payload
        _add(payload, index, item, limits)
    return payload
