"""The Segment HTTP Tracking API as the collector reads it: endpoints, limits and payload parsing.

Pure functions: bytes in, messages out.  ``/v1/batch`` takes ``{"batch": [...]}``
(a bare JSON array is accepted too); the single-call endpoints take one message
and fill in its ``type`` from the path when the body has none.  The write key a
body carries (``writeKey``) is taken out of the message, so it is never
recorded, captured or forwarded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import orjson

MESSAGE_LIMIT = 32 * 1024
"""Segment's limit on one message, in bytes."""
BATCH_LIMIT = 500 * 1024
"""Segment's limit on one batch request, in bytes."""

BATCH = "batch"

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


def body_limit(kind: str) -> int:
    """The largest body an endpoint accepts: a batch, or one message."""
    return BATCH_LIMIT if kind == BATCH else MESSAGE_LIMIT


class NotJson(Exception):
    """The body does not parse as JSON."""


class BadPayload(Exception):
    """The body is JSON but not a payload the endpoint takes (e.g. a batch without ``batch``)."""


@dataclass(frozen=True)
class Accepted:
    """One message taken from a request, with its compact JSON (what is captured and measured)."""

    message: Any
    raw: bytes


@dataclass(frozen=True)
class Rejected:
    """One message of a batch refused: larger than Segment accepts, or nested too deeply to re-encode."""

    index: int
    size: int
    reason: str = "too_large"

    def to_json(self) -> dict[str, Any]:
        if self.reason == "too_deep":
            text = f"message {self.index} is nested too deeply"
        else:
            text = f"message {self.index} is {self.size} bytes; the limit is {MESSAGE_LIMIT} bytes"
        return {"index": self.index, "size": self.size, "reason": self.reason, "message": text}


def encode(message: Any) -> bytes | None:
    """Compact JSON of a parsed message; None when it is nested too deeply to encode."""
    try:
        return orjson.dumps(message)
    except TypeError:  # orjson stops at 255 levels; the standard library goes deeper
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


def _take_key(message: Any) -> str | None:
    if isinstance(message, dict):
        key = message.pop("writeKey", None)
        if isinstance(key, str):
            return key
    return None


def parse_payload(data: bytes, kind: str) -> Payload:
    """Parse a decoded request body for an endpoint of ``kind`` (a call type or ``batch``).

    Raises :class:`NotJson` or :class:`BadPayload`; an oversized message of a
    batch is listed in ``rejected`` and every other message is still accepted.
    """
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise NotJson(str(exc)) from None
    payload = Payload()
    if kind != BATCH:
        payload.write_key = _take_key(document)
        if isinstance(document, dict) and document.get("type") is None:
            document["type"] = kind
        raw = encode(document)
        if raw is None:
            raise BadPayload("the message is nested too deeply")
        payload.accepted.append(Accepted(document, raw))
        return payload
    if isinstance(document, dict):
        payload.write_key = _take_key(document)
        items = document.get("batch")
        if not isinstance(items, list):
            raise BadPayload("a batch payload is an object with a 'batch' array of messages")
    elif isinstance(document, list):
        items = document
    else:
        raise BadPayload("a batch payload is an object with a 'batch' array of messages")
    for index, message in enumerate(items):
        key = _take_key(message)
        if payload.write_key is None:
            payload.write_key = key
        raw = encode(message)
        if raw is None:
            payload.rejected.append(Rejected(index, 0, "too_deep"))
            continue
        if len(raw) > MESSAGE_LIMIT:
            payload.rejected.append(Rejected(index, len(raw)))
            continue
        payload.accepted.append(Accepted(message, raw))
    return payload
