"""The collector's ASGI application: the Segment tracking endpoints and the query endpoints.

Routing is a dictionary lookup; requests are handled one at a time on the
event loop (validation is CPU work, so there is nothing to gain from more).
The lifespan protocol starts and stops the background work (forwarders, the
live view) that :class:`CollectorApp` is given.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cdpctl.serve.http import (
    PREFLIGHT_HEADERS,
    BadEncoding,
    BodyTooLarge,
    Receive,
    Request,
    Scope,
    Send,
    basic_auth_user,
    decode_body,
    query_flag,
    read_body,
    send_bytes,
    send_empty,
    send_error,
    send_json,
)
from cdpctl.serve.intake import BATCH, ENDPOINTS, BadPayload, NotJson, body_limit, parse_payload
from cdpctl.serve.openapi import openapi_document
from cdpctl.serve.state import Collector

Hook = Callable[[], Awaitable[None]]
MAX_EVENTS_LIMIT = 10_000


class QueryError(Exception):
    """A query parameter has an unusable value."""


@dataclass
class CollectorApp:
    """ASGI app; ``on_startup``/``on_shutdown`` hooks run in the lifespan."""

    collector: Collector
    write_key: str | None = None
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope)
        kind = ENDPOINTS.get(request.path)
        if kind is not None:
            if request.method == "POST":
                await self._intake(request, kind, receive, send)
            elif request.method == "OPTIONS":
                await send_empty(send, 204, PREFLIGHT_HEADERS)
            else:
                await send_error(send, 405, "method_not_allowed", f"{request.path} takes POST")
            return
        if request.method == "OPTIONS":
            await send_empty(send, 204, PREFLIGHT_HEADERS)
            return
        try:
            await self._query(request, send)
        except QueryError as exc:
            await send_error(send, 400, "invalid_query", str(exc))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for hook in self.on_startup:
                        await hook()
                except Exception as exc:  # reported to the server, which stops
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for hook in self.on_shutdown:
                    await hook()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- the Segment tracking API -------------------------------------------------------------

    def _authorized(self, header_key: str | None, body_key: str | None) -> bool:
        if self.write_key is None:
            return True
        for key in (header_key, body_key):
            if key is not None and hmac.compare_digest(key.encode(), self.write_key.encode()):
                return True
        return False

    async def _intake(self, request: Request, kind: str, receive: Receive, send: Send) -> None:
        counters = self.collector.counters
        counters.requests += 1
        header_key = basic_auth_user(request.headers.get("authorization"))
        header_ok = self._authorized(header_key, None)
        if header_key is not None and not header_ok:
            counters.rejected_unauthorized += 1
            await send_error(send, 401, "unauthorized", "the write key is not the one this collector accepts")
            return
        limit = body_limit(kind)
        data = b""
        try:
            raw = await read_body(receive, limit, request.headers.get("content-length"))
            data = decode_body(raw, request.headers.get("content-encoding"), limit)
            payload = parse_payload(data, kind)
        except BodyTooLarge:
            counters.rejected_too_large += 1
            what = "a batch" if kind == BATCH else "a message"
            await send_error(send, 413, "payload_too_large", f"{what} may be at most {limit // 1024} KB")
            return
        except (BadEncoding, NotJson, BadPayload) as exc:
            if not header_ok:
                counters.rejected_unauthorized += 1
                await send_error(send, 401, "unauthorized", "a write key is required")
            elif isinstance(exc, NotJson):
                counters.rejected_not_json += 1
                self.collector.ingest_malformed(data, str(exc))
                await send_error(send, 400, "invalid_json", f"the body is not JSON: {exc}")
            elif isinstance(exc, BadEncoding):
                counters.rejected_encoding += 1
                await send_error(send, 400, "invalid_encoding", str(exc))
            else:
                counters.rejected_bad_payload += 1
                await send_error(send, 400, "invalid_request", str(exc))
            return
        if not self._authorized(header_key, payload.write_key):
            counters.rejected_unauthorized += 1
            await send_error(
                send, 401, "unauthorized", "the write key is missing or not the one this collector accepts"
            )
            return
        accepted = self.collector.ingest(payload.accepted, header_key or payload.write_key)
        if payload.rejected:
            counters.rejected_messages += len(payload.rejected)
            too_large = any(r.reason == "too_large" for r in payload.rejected)
            await send_error(
                send,
                413 if too_large else 400,
                "message_too_large" if too_large else "invalid_message",
                f"{len(payload.rejected)} message(s) refused (over 32 KB or nested too deeply); "
                f"the other {accepted} accepted",
                {"accepted": accepted, "rejected": [r.to_json() for r in payload.rejected]},
            )
            return
        await send_bytes(send, 200, b'{"success":true}')

    # --- query endpoints ------------------------------------------------------------------------

    async def _query(self, request: Request, send: Send) -> None:
        path, method, query = request.path, request.method, request.query
        collector = self.collector
        if path not in OPEN_PATHS and not self._authorized(basic_auth_user(request.headers.get("authorization")), None):
            # with --write-key, what was received (and /reset) is only for holders of the key
            await send_error(send, 401, "unauthorized", "this collector needs its write key (basic auth) for queries")
            return
        if path == "/reset":
            if method != "POST":
                await send_error(send, 405, "method_not_allowed", "/reset takes POST")
                return
            collector.reset()
            await send_json(send, 200, {"success": True})
            return
        if method not in ("GET", "HEAD"):
            await send_error(send, 405 if path in GET_PATHS else 404, "not_found", f"no {method} {path}")
            return
        if path == "/healthz":
            await send_json(send, 200, {"status": "ok"})
        elif path == "/summary":
            await send_json(send, 200, collector.summary())
        elif path == "/violations":
            await send_json(send, 200, collector.violations(_text(query, "event"), _text(query, "code")))
        elif path == "/events":
            await send_json(
                send,
                200,
                collector.events(
                    event=_text(query, "event"),
                    valid=_flag(query, "valid"),
                    limit=_limit(query),
                    code=_text(query, "code"),
                    call_type=_text(query, "type"),
                ),
            )
        elif path == "/report":
            await send_json(send, 200, collector.report_json())
        elif path == "/openapi.json":
            await send_json(send, 200, openapi_document())
        elif path == "/":
            await send_json(send, 200, INDEX)
        else:
            await send_error(send, 404, "not_found", f"no endpoint {path}; GET /openapi.json lists them")


OPEN_PATHS = ("/healthz", "/openapi.json", "/")
"""Query paths answered without the write key even when ``--write-key`` is set."""

GET_PATHS = ("/healthz", "/summary", "/violations", "/events", "/report", "/openapi.json", "/")

INDEX: dict[str, Any] = {
    "service": "cdpctl serve",
    "tracking": sorted(path for path in ENDPOINTS if len(path) > 5),
    "queries": ["/summary", "/violations", "/events", "/report", "/reset", "/healthz"],
    "openapi": "/openapi.json",
}


def _text(query: dict[str, str], name: str) -> str | None:
    value = query.get(name)
    return value if value else None


def _flag(query: dict[str, str], name: str) -> bool | None:
    try:
        return query_flag(query.get(name))
    except ValueError as exc:
        raise QueryError(f"'{name}': {exc}") from None


def _limit(query: dict[str, str]) -> int:
    value = query.get("limit")
    if not value:
        return 100
    try:
        limit = int(value)
    except ValueError:
        raise QueryError(f"'limit' must be a whole number, not '{value}'") from None
    if limit < 0:
        raise QueryError("'limit' must not be negative")
    return min(limit, MAX_EVENTS_LIMIT)
