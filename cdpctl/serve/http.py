"""The few ASGI primitives the collector needs: reading a bounded body, decoding it, answering JSON.

Written directly against the ASGI interface (no web framework): uvicorn is the
server, and these functions are all the routing and parsing the collector uses.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

CORS_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
]
PREFLIGHT_HEADERS: list[tuple[bytes, bytes]] = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Authorization, Content-Type, Content-Encoding"),
    (b"access-control-max-age", b"600"),
]


def preflight_headers(requested: str | None) -> list[tuple[bytes, bytes]]:
    """A CORS preflight answer that allows the headers the browser asks for (``Access-Control-Request-Headers``:
    a page's SDK may add its own), else Authorization, Content-Type and Content-Encoding."""
    names = ", ".join(part.strip() for part in (requested or "").split(",") if _token(part.strip()))
    if not names:
        return PREFLIGHT_HEADERS
    allowed = (b"access-control-allow-headers", names.encode("latin-1"))
    return [allowed if key == allowed[0] else (key, value) for key, value in PREFLIGHT_HEADERS]


TOKEN_CHARACTERS = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
"""The characters of an HTTP token (RFC 9110 ``tchar``), which a header name is."""


def _token(name: str) -> bool:
    return bool(name) and all(char in TOKEN_CHARACTERS for char in name)


class BodyTooLarge(Exception):
    """The request body (raw or decoded) is larger than the endpoint accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body is larger than {limit} bytes")
        self.limit = limit


class BadEncoding(Exception):
    """The body cannot be decoded as its ``Content-Encoding`` says."""


class ClientAborted(Exception):
    """The client went away before it had sent the whole body."""


class BadAuthorization(Exception):
    """The ``Authorization`` header is not ASCII, or its basic credentials do not decode."""


@dataclass(frozen=True)
class Request:
    """What the router needs to know about an HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @classmethod
    def from_scope(cls, scope: Scope) -> Request:
        raw_query = scope.get("query_string", b"").decode("latin-1")
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        path = scope.get("path", "/")
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        return cls(
            method=scope.get("method", "GET").upper(),
            path=path,
            query=dict(parse_qsl(raw_query, keep_blank_values=True)),
            headers=headers,
        )


async def read_body(receive: Receive, limit: int, declared: str | None = None) -> bytes:
    """The whole request body, or :class:`BodyTooLarge` as soon as it passes ``limit`` bytes.

    :class:`ClientAborted` when the client disconnects before its last chunk: a half body is
    never read as if it were whole.
    """
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientAborted("the client disconnected before the end of the body")
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge(limit)
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def decode_body(body: bytes, encoding: str | None, limit: int) -> bytes:
    """The body after its ``Content-Encoding`` (gzip, deflate or none), never more than ``limit`` bytes.

    Decompression stops past the limit, so a small compressed bomb cannot use
    more memory than an honest oversized body would.
    """
    codings = [part.strip().lower() for part in (encoding or "").split(",") if part.strip()]
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding in ("gzip", "x-gzip"):
            wbits = 16 + zlib.MAX_WBITS
        elif coding == "deflate":  # zlib-wrapped, as HTTP says; raw deflate, as some clients send (browsers read both)
            wbits = zlib.MAX_WBITS if _zlib_header(body) else -zlib.MAX_WBITS
        else:
            raise BadEncoding(f"unsupported Content-Encoding '{coding}'; use gzip or none")
        body = _decompress(body, coding, wbits, limit)
    if len(body) > limit:
        raise BodyTooLarge(limit)
    return body


def _zlib_header(body: bytes) -> bool:
    """Whether ``body`` opens with a zlib header (RFC 1950: deflate method, and a check that divides by 31)."""
    return len(body) >= 2 and body[0] & 0x0F == 8 and int.from_bytes(body[:2], "big") % 31 == 0


def _decompress(body: bytes, coding: str, wbits: int, limit: int) -> bytes:
    """One content coding undone; gzip bodies of several members (as ``gzip -d`` reads them) read whole."""
    parts: list[bytes] = []
    size = 0
    rest = body
    while True:
        decompressor = zlib.decompressobj(wbits)
        try:
            out = decompressor.decompress(rest, limit + 1 - size)
        except zlib.error as exc:
            raise BadEncoding(f"the body is not valid {coding} data ({exc})") from None
        size += len(out)
        if size > limit or decompressor.unconsumed_tail:
            raise BodyTooLarge(limit)
        if not decompressor.eof:
            raise BadEncoding(f"the body is truncated {coding} data")
        parts.append(out)
        rest = decompressor.unused_data
        if not rest.strip(b"\x00"):  # gzip -d ignores trailing zero padding
            return b"".join(parts)
        if coding == "deflate":  # one stream: bytes after its end are not part of the body (a second batch...)
            raise BadEncoding(f"the body has {len(rest):,} bytes after the end of its deflate data")


def basic_auth_user(header: str | None) -> str | None:
    """The user name of an HTTP basic ``Authorization`` header (Segment's write key), else None.

    Raises :class:`BadAuthorization` for a header that is not ASCII or basic credentials that
    do not decode (answered 401, never a server error).
    """
    if not header:
        return None
    if not header.isascii():
        raise BadAuthorization("the Authorization header is not ASCII")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic" or not credentials:
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadAuthorization("the basic credentials of the Authorization header do not decode") from None
    return decoded.partition(":")[0]


def query_flag(value: str | None) -> bool | None:
    """A ``true``/``false`` query parameter, None when absent; ValueError otherwise."""
    if value is None or value == "":
        return None
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError(f"expected true or false, not '{value}'")


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = b"application/json",
    extra: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *CORS_HEADERS]
    headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, value: Any, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """Answer with ``value`` as JSON."""
    await send_bytes(send, status, orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS), extra=extra)


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    extra_fields: dict[str, Any] | None = None,
    retry: bool = False,
    allow: str | None = None,
) -> None:
    """A Segment-style JSON error: ``{"success": false, "code": ..., "message": ...}``; ``retry`` adds Retry-After,
    ``allow`` an ``Allow`` header (the methods a 405's path takes, as RFC 9110 asks)."""
    body: dict[str, Any] = {"success": False, "code": code, "message": message}
    if extra_fields:
        body.update(extra_fields)
    headers = [(b"retry-after", b"1")] if retry else []
    if allow is not None:
        headers.append((b"allow", allow.encode("ascii")))
    await send_json(send, status, body, headers)


async def send_empty(send: Send, status: int, extra: Iterable[tuple[bytes, bytes]] = ()) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(extra)})
    await send({"type": "http.response.body", "body": b""})
