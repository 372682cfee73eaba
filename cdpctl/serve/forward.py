"""Relaying received messages to an upstream Segment-compatible collector, in the background.

:meth:`Forwarder.enqueue` never waits: it appends to an in-memory queue bounded
in messages and in bytes; intake asks :meth:`Forwarder.has_room` first and
answers 503 (retry later) when the queue is full, so memory stays bounded and an
accepted message is never dropped.  A background task sends the queue in batches to
``URL/v1/batch`` and retries what fails (network errors, 429 and 5xx answers)
with exponential backoff and jitter, honouring ``Retry-After``; other answers
are not retried.  Every outcome is counted in :class:`ForwardStats`.
"""

from __future__ import annotations

import asyncio
import base64
import random
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

from cdpctl import __version__

MAX_BATCH_MESSAGES = 100
MAX_BATCH_BYTES = 450 * 1024
QUEUE_BYTES = 64 * 1024 * 1024
"""Default cap on the bytes of messages waiting to be forwarded (``--forward-queue-bytes``)."""


def batch_url(url: str) -> str:
    """Where to post: ``URL/v1/batch``, or ``URL`` itself when it already names a batch endpoint."""
    trimmed = url.rstrip("/")
    if trimmed.endswith("/v1/batch") or trimmed.endswith("/v1/import"):
        return trimmed
    return trimmed + "/v1/batch"


@dataclass
class ForwardStats:
    """What happened to the messages handed to a forwarder."""

    queued: int = 0
    delivered: int = 0
    failed: int = 0
    dropped: int = 0
    retries: int = 0
    requests: int = 0
    last_error: str | None = None

    def to_json(self, pending: int) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "delivered": self.delivered,
            "failed": self.failed,
            "dropped": self.dropped,
            "pending": pending,
            "retries": self.retries,
            "requests": self.requests,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class RetryPolicy:
    """How failed sends are retried: ``attempts`` retries, delays doubling from ``base`` up to ``cap`` seconds."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), self.cap))
        ceiling = min(self.cap, self.base * (2**attempt))
        return float(ceiling / 2 + random.random() * ceiling / 2)


@dataclass
class _Item:
    raw: bytes
    """The message's JSON, sent as is (never re-encoded: no depth limit to hit)."""
    write_key: str | None


def _httpx() -> Any:
    """httpx, imported when forwarding starts (serve without --forward never needs it: start-up time)."""
    import httpx

    return httpx


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@dataclass
class Forwarder:
    """One upstream destination and its queue; run :meth:`run` as a task, stop with :meth:`drain`."""

    url: str
    write_key: str | None = None
    """Key sent upstream; None relays each message's own key."""
    max_queue: int = 100_000
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_bytes: int = QUEUE_BYTES
    timeout: float = 10.0
    stats: ForwardStats = field(default_factory=ForwardStats)
    _queue: deque[_Item] = field(default_factory=deque, init=False, repr=False)
    _wake: asyncio.Event | None = field(default=None, init=False, repr=False)
    _closing: bool = field(default=False, init=False, repr=False)
    _in_flight: int = field(default=0, init=False, repr=False)
    _bytes: int = field(default=0, init=False, repr=False)
    """Bytes of the messages queued or being sent."""

    @property
    def endpoint(self) -> str:
        return batch_url(self.url)

    @property
    def pending(self) -> int:
        return len(self._queue) + self._in_flight

    @property
    def pending_bytes(self) -> int:
        return self._bytes

    def has_room(self, size: int, count: int = 1) -> bool:
        """Whether ``count`` more messages of ``size`` bytes in all fit (an empty queue takes any one request)."""
        if self._bytes == 0:
            return True
        return self.pending + count <= self.max_queue and self._bytes + size <= self.max_bytes

    def enqueue(self, raw: bytes, write_key: str | None) -> bool:
        """Queue one message (its JSON) without waiting; False (and counted as dropped) when the queue is full."""
        if len(self._queue) >= self.max_queue:
            self.stats.dropped += 1
            self.stats.last_error = f"queue full ({self.max_queue} messages waiting); message dropped"
            return False
        self._queue.append(_Item(raw, self.write_key or write_key))
        self._bytes += len(raw)
        self.stats.queued += 1
        if self._wake is not None:
            self._wake.set()
        return True

    def _take(self) -> list[_Item]:
        first = self._queue.popleft()
        batch = [first]
        size = len(first.raw)
        while self._queue and len(batch) < MAX_BATCH_MESSAGES:
            nxt = self._queue[0]
            if nxt.write_key != first.write_key or size + len(nxt.raw) > MAX_BATCH_BYTES:
                break
            batch.append(self._queue.popleft())
            size += len(nxt.raw)
        return batch

    def _request(self, batch: list[_Item]) -> tuple[bytes, dict[str, str]]:
        sent_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = b'{"batch":[' + b",".join(item.raw for item in batch) + b'],"sentAt":"' + sent_at.encode() + b'"}'
        headers = {"Content-Type": "application/json", "User-Agent": f"cdpctl/{__version__}"}
        key = batch[0].write_key
        if key is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")
        return body, headers

    async def _send(self, client: httpx.AsyncClient, batch: list[_Item]) -> None:
        body, headers = self._request(batch)
        attempt = 0
        while True:
            retry_after: float | None = None
            self.stats.requests += 1
            try:
                response = await client.post(self.endpoint, content=body, headers=headers)
            except Exception as exc:  # network errors and anything else: the sender task must never die
                error = f"{type(exc).__name__}: {exc or 'no response'}"
                retryable = isinstance(exc, _httpx().TransportError)
            else:
                if 200 <= response.status_code < 300:
                    self.stats.delivered += len(batch)
                    return
                error = f"HTTP {response.status_code} from {self.endpoint}: {response.text[:200]}"
                retryable = response.status_code == 429 or response.status_code >= 500
                if response.status_code == 429:
                    retry_after = _retry_after(response)
            self.stats.last_error = error
            if not retryable or attempt >= self.retry.attempts:
                self.stats.failed += len(batch)
                return
            await asyncio.sleep(self.retry.delay(attempt, retry_after))
            attempt += 1
            self.stats.retries += 1

    async def run(self) -> None:
        """Send the queue until :meth:`drain` is called and the queue is empty."""
        self._wake = asyncio.Event()
        async with _httpx().AsyncClient(timeout=self.timeout) as client:
            while True:
                if not self._queue:
                    if self._closing:
                        return
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                batch = self._take()
                self._in_flight = len(batch)
                try:
                    await self._send(client, batch)
                finally:
                    self._in_flight = 0
                    self._bytes -= sum(len(item.raw) for item in batch)

    def abandon(self, task: asyncio.Task[None] | None, why: str) -> None:
        """Stop now (a second signal): what is still queued or in flight counts as failed."""
        if task is not None:
            task.cancel()
        left = self.pending
        if left:
            self.stats.failed += left
            self.stats.last_error = f"{left} messages not delivered before shutdown ({why})"
        self._queue.clear()
        self._in_flight = 0
        self._bytes = 0

    async def drain(self, task: asyncio.Task[None], timeout: float) -> None:
        """Finish sending what is queued, for at most ``timeout`` seconds; what is left counts as failed."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()
        deadline = time.monotonic() + timeout
        try:
            await asyncio.wait_for(asyncio.shield(task), max(deadline - time.monotonic(), 0.0))
        except Exception:  # timed out (or the sender failed): what is left is not delivered
            self.abandon(task, "--drain-timeout passed")
