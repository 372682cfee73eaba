"""The collector's ASGI application: the Segment tracking endpoints and the query endpoints.

Routing is a dictionary lookup.  The CPU work of a tracking request (decoding,
parsing, validating) runs on one worker thread, off the event loop, so
``/healthz`` and the queries answer while a large or hostile batch is checked;
what the request changes (capture, counts, forwarding) is then done on the loop,
one request at a time, so no locking is needed.  The lifespan protocol starts
and stops the background work (forwarders, the live view) that
:class:`CollectorApp` is given.

Every body is accounted for: checked (valid, invalid or malformed), ``refused``
unchecked (400, 401, 413: what makes the shutdown exit 1), ``aborted`` by the
client (before the end of its body, or before its answer: an SDK that timed out
sends it again, so it is not recorded twice), or answered 503 (retry later) when
the capture cannot be written (the run fails), the forward queue is full, or the
collector stops before the body arrived or was checked (the run fails); a 200
always means counted, captured and queued for forwarding.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from cdpctl.serve.capture import CaptureFailed
from cdpctl.serve.http import (
    BadAuthorization,
    BadEncoding,
    BodyTooLarge,
    ClientAborted,
    Receive,
    Request,
    Scope,
    Send,
    basic_auth_user,
    decode_body,
    preflight_headers,
    query_flag,
    read_body,
    send_bytes,
    send_empty,
    send_error,
    send_json,
)
from cdpctl.serve.intake import (
    BATCH,
    ENDPOINTS,
    LIMITS,
    BadPayload,
    Limits,
    NotJson,
    Payload,
    TooManyMessages,
    parse_payload,
)
from cdpctl.serve.openapi import openapi_document
from cdpctl.serve.records import Checked
from cdpctl.serve.state import Collector

Hook = Callable[[], Awaitable[None]]
MAX_EVENTS_LIMIT = 10_000
IN_FLIGHT_BYTES = 32 * 1024 * 1024
"""Bodies received and waiting for the checker, in bytes: past it, a new request is answered 503 (retry)
before its body is read, so memory stays bounded however many clients post at once (one request at a
time is always taken, whatever its size within the limits)."""


class QueryError(Exception):
    """A query parameter has an unusable value."""


@dataclass
class Prepared:
    """A tracking body after the worker thread: decoded, parsed and checked, or the reason it was not."""

    data: bytes = b""
    payload: Payload | None = None
    checked: list[Checked] = field(default_factory=list)
    error: Exception | None = None


@dataclass
class CollectorApp:
    """ASGI app; ``on_startup``/``on_shutdown`` hooks run in the lifespan."""

    collector: Collector
    write_key: str | None = None
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    limits: Limits = field(default_factory=lambda: LIMITS["segment"])
    in_flight_budget: int = IN_FLIGHT_BYTES
    _worker: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _in_flight: int = field(default=0, init=False, repr=False)
    """Bytes of bodies read and not yet answered (only the event loop changes it)."""

    def close(self) -> None:
        """Stop the worker thread (after the last request)."""
        if self._worker is not None:
            self._worker.shutdown(wait=True)
            self._worker = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = Request.from_scope(scope)
        if request.method == "OPTIONS":  # a CORS preflight, whatever the path
            await send_empty(send, 204, preflight_headers(request.headers.get("access-control-request-headers")))
            return
        kind = ENDPOINTS.get(request.path)
        if kind is not None:
            if request.method == "POST":
                await self._intake(request, kind, receive, send)
            else:
                await send_error(send, 405, "method_not_allowed", f"{request.path} takes POST", allow="POST, OPTIONS")
            return
        try:
            await self._query(request, send)
        except QueryError as exc:
            await send_error(send, 400, "invalid_query", str(exc))

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        try:
            await self._lifespan_steps(receive, send)
        except asyncio.CancelledError:  # a second signal cut the shutdown short: the run reports it as partial
            return

    async def _lifespan_steps(self, receive: Receive, send: Send) -> None:
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
                self.close()
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

    def _prepare(self, raw: bytes, encoding: str | None, kind: str) -> Prepared:
        """Decode, parse and check a body (on the worker thread: touches no collector state)."""
        prepared = Prepared()
        try:
            prepared.data = decode_body(raw, encoding, self.limits.body(kind))
            prepared.payload = parse_payload(prepared.data, kind, self.limits)
        except (BodyTooLarge, BadEncoding, NotJson, BadPayload, TooManyMessages) as exc:
            prepared.error = exc
            return prepared
        prepared.checked = self.collector.check_all(prepared.payload.accepted)
        return prepared

    async def _refuse(self, send: Send, count: int, status: int, code: str, text: str) -> None:
        self.collector.refuse(count)
        await send_error(send, status, code, text)

    async def _intake(self, request: Request, kind: str, receive: Receive, send: Send) -> None:
        counters = self.collector.counters
        counters.requests += 1
        try:
            header_key = basic_auth_user(request.headers.get("authorization"))
        except BadAuthorization as exc:
            counters.rejected_unauthorized += 1
            await self._refuse(send, 1, 401, "unauthorized", str(exc))
            return
        header_ok = self._authorized(header_key, None)
        if header_key is not None and not header_ok:
            counters.rejected_unauthorized += 1
            await self._refuse(send, 1, 401, "unauthorized", "the write key is not the one this collector accepts")
            return
        limit, what = self._body_terms(kind)
        declared = request.headers.get("content-length") or ""
        if not self._room(int(declared) if declared.strip().isdigit() else 1):
            counters.unavailable += 1
            await send_error(send, 503, "collector_busy", "the collector holds too many bodies waiting to be checked; retry", retry=True)
            return
        try:
            raw = await read_body(receive, limit, request.headers.get("content-length"))
        except ClientAborted:
            counters.aborted += 1  # nobody is left to answer
            return
        except asyncio.CancelledError:  # the shutdown's grace ran out while the body was still arriving
            counters.cut_at_stop += 1  # nothing of it was read: the run fails, and a 503 tells the client to retry
            with suppress(Exception):
                await send_error(send, 503, "shutting_down", "the collector stopped before the body arrived; retry", retry=True)
            return
        except BodyTooLarge:
            counters.rejected_too_large += 1
            await self._refuse(send, 1, 413, "payload_too_large", f"{what} may be at most {limit:,} bytes")
            return
        self._in_flight += len(raw)
        try:
            await self._check_and_record(request, kind, receive, send, raw, header_key, header_ok)
        finally:
            self._in_flight -= len(raw)

    def _body_terms(self, kind: str) -> tuple[int, str]:
        """The largest body of an endpoint of ``kind`` and how its answers name one (``a batch``)."""
        return self.limits.body(kind), "a batch" if kind == BATCH else "a message"

    def _room(self, size: int) -> bool:
        """Whether a body of ``size`` bytes may be read now (:data:`IN_FLIGHT_BYTES`)."""
        return self._in_flight == 0 or self._in_flight + size <= self.in_flight_budget

    async def _check_and_record(
        self, request: Request, kind: str, receive: Receive, send: Send, raw: bytes, header_key: str | None, header_ok: bool
    ) -> None:
        """The rest of :meth:`_intake` once the body is read: check it off the loop, then record and answer."""
        counters = self.collector.counters
        limit, what = self._body_terms(kind)
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cdpctl-check")
        loop = asyncio.get_running_loop()
        encoding = request.headers.get("content-encoding")
        gone = asyncio.ensure_future(receive())  # completes when the client goes away before its answer
        try:
            prepared = await loop.run_in_executor(self._worker, self._prepare, raw, encoding, kind)
        except asyncio.CancelledError:  # the shutdown's grace ran out while the body waited for the checker
            gone.cancel()
            counters.unchecked_at_stop += 1
            with suppress(Exception):
                await send_error(send, 503, "shutting_down", "the collector stopped before checking the body; retry", retry=True)
            return
        if _client_gone(gone):
            counters.aborted += 1  # the client gave up waiting (an SDK's timeout) and sends it again: never twice
            return
        gone.cancel()
        payload = prepared.payload
        if isinstance(prepared.error, TooManyMessages):  # Segment drops the whole batch: nothing of it is recorded
            count, most, body_key = prepared.error.args
            if not self._authorized(header_key, body_key):
                counters.rejected_unauthorized += 1
                await self._refuse(send, count, 401, "unauthorized", "the write key is missing or not the one this collector accepts")
            else:
                counters.rejected_too_large += 1
                await self._refuse(send, count, 413, "too_many_messages",
                                   f"a batch may hold at most {most:,} messages; this one holds {count:,}")
            return
        if prepared.error is not None or payload is None:
            await self._bad_body(send, prepared.error, header_ok, prepared.data, what, limit)
            return
        if not self._authorized(header_key, payload.write_key) or not all(self._authorized(key, None) for key in payload.keys):
            # every key the body carries must be right: one right key let the others' messages through
            counters.rejected_unauthorized += 1
            count = len(payload.accepted) + len(payload.rejected)
            text = "the write key is missing or not the one this collector accepts"
            await self._refuse(send, max(count, 1), 401, "unauthorized", text)
            return
        collector = self.collector
        size = sum(len(c.item.raw) for c in prepared.checked if c.error is None)
        if not collector.forward_room(size):
            counters.unavailable += 1
            await send_error(send, 503, "forward_queue_full", "the forward queue is full; retry later", retry=True)
            return
        try:
            accepted = collector.commit(prepared.checked, header_key or payload.write_key)
        except CaptureFailed as failed:
            counters.unavailable += 1
            counters.capture_failed += 1
            await send_error(send, 503, "capture_failed", f"{failed}; nothing of this request was kept", retry=True)
            return
        if payload.rejected or payload.malformed:
            await self._partly(send, payload, accepted)
            return
        await send_bytes(send, 200, b'{"success":true}')

    async def _partly(self, send: Send, payload: Payload, accepted: int) -> None:
        """Some messages of a batch were refused (over the message limit) or do not parse alone."""
        self.collector.counters.rejected_messages += len(payload.rejected)
        self.collector.refuse(len(payload.rejected))
        too_large = bool(payload.rejected)
        broken = [
            {"index": item.index, "reason": "malformed", "message": item.error}
            for item in payload.accepted
            if item.error is not None
        ]
        await send_error(
            send,
            413 if too_large else 400,
            "message_too_large" if too_large else "invalid_message",
            f"{len(payload.rejected)} message(s) refused over the size limit, {len(broken)} malformed; "
            f"{accepted} accepted and recorded, the malformed ones included",
            {"accepted": accepted, "rejected": [r.to_json() for r in payload.rejected], "malformed": broken},
        )

    async def _bad_body(
        self, send: Send, exc: Exception | None, header_ok: bool, data: bytes, what: str, limit: int
    ) -> None:
        counters = self.collector.counters
        if isinstance(exc, BodyTooLarge):
            counters.rejected_too_large += 1
            await self._refuse(send, 1, 413, "payload_too_large", f"{what} may be at most {limit:,} bytes")
        elif not header_ok:
            counters.rejected_unauthorized += 1
            await self._refuse(send, 1, 401, "unauthorized", "a write key is required")

        elif isinstance(exc, NotJson):
            try:
                self.collector.ingest_malformed(data, str(exc))
            except CaptureFailed as failed:
                counters.unavailable += 1
                counters.capture_failed += 1
                await send_error(send, 503, "capture_failed", str(failed), retry=True)
                return
            counters.rejected_not_json += 1
            await send_error(send, 400, "invalid_json", f"the body is not JSON: {exc}")
        elif isinstance(exc, BadEncoding):
            counters.rejected_encoding += 1
            await self._refuse(send, 1, 400, "invalid_encoding", str(exc))
        else:
            counters.rejected_bad_payload += 1
            await self._refuse(send, 1, 400, "invalid_request", str(exc))

    # --- query endpoints ------------------------------------------------------------------------

    async def _query(self, request: Request, send: Send) -> None:
        path, method, query = request.path, request.method, request.query
        collector = self.collector
        try:
            user = basic_auth_user(request.headers.get("authorization"))
        except BadAuthorization as bad:
            await send_error(send, 401, "unauthorized", str(bad))
            return
        if path not in OPEN_PATHS and not self._authorized(user, None):
            # with --write-key, what was received (and /reset) is only for holders of the key
            await send_error(send, 401, "unauthorized", "this collector needs its write key (basic auth) for queries")
            return
        if path == "/reset":
            if method != "POST":
                await send_error(send, 405, "method_not_allowed", "/reset takes POST", allow="POST, OPTIONS")
                return
            collector.reset()
            await send_json(send, 200, {"success": True})
            return
        if method not in ("GET", "HEAD"):
            if path in GET_PATHS:
                await send_error(send, 405, "method_not_allowed", f"{path} takes GET", allow="GET, HEAD, OPTIONS")
            else:
                await send_error(send, 404, "not_found", f"no {method} {path}")
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


def _client_gone(waiting: asyncio.Future[Any]) -> bool:
    """Whether ``receive()``, awaited once the body was read, said the client disconnected."""
    if not waiting.done() or waiting.cancelled() or waiting.exception() is not None:
        return False
    message = waiting.result()
    return isinstance(message, dict) and message.get("type") == "http.disconnect"
