"""What the collector keeps about each message and request: received messages, verdicts, counters, the rate.

Plain dataclasses and pure functions; :mod:`cdpctl.serve.state` owns the
collector that fills them.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from cdpctl.reporting.formats import counted
from cdpctl.serve.intake import MESSAGE_LIMIT, Accepted

if TYPE_CHECKING:
    from cdpctl.validation import Violation

NAME_KEYS = {"track": "event", "page": "name", "screen": "name"}


def event_name(message: Any) -> str | None:
    """The event (track) or page/screen name a message carries, if any."""
    if not isinstance(message, dict):
        return None
    key = NAME_KEYS.get(message.get("type"))  # type: ignore[arg-type]
    value = message.get(key) if key else None
    return value if isinstance(value, str) else None


@dataclass
class RateMeter:
    """Events per second over the last few whole seconds."""

    window: int = 5
    _buckets: deque[list[int]] = field(default_factory=lambda: deque(maxlen=16))

    def add(self, count: int, now: float | None = None) -> None:
        second = int(time.monotonic() if now is None else now)
        if self._buckets and self._buckets[-1][0] == second:
            self._buckets[-1][1] += count
        else:
            self._buckets.append([second, count])

    def rate(self, now: float | None = None) -> float:
        second = int(time.monotonic() if now is None else now)
        total = sum(count for start, count in self._buckets if second - self.window <= start < second)
        return total / self.window


@dataclass
class Received:
    """One received message (or non-JSON body) as kept for ``GET /events``."""

    number: int
    file: str
    received_at: str
    message: Any
    violations: list[Violation]
    error: str | None = None
    forward: str | None = None
    raw: bytes | None = None
    """The message's JSON as received: answered as is (no depth limit to hit when encoding it again)."""

    @property
    def valid(self) -> bool:
        return self.error is None and not any(v.severity == "error" for v in self.violations)

    @property
    def event(self) -> str | None:
        return event_name(self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.number,
            "receivedAt": self.received_at,
            "valid": self.valid,
            "type": self.message.get("type") if isinstance(self.message, dict) else None,
            "event": self.event,
            "message": orjson.Fragment(self.raw) if self.raw is not None else self.message,
            "error": self.error,
            "violations": [
                {"code": v.code, "severity": v.severity, "path": v.path, "message": v.message} for v in self.violations
            ],
            "forward": self.forward,
        }


@dataclass
class Checked:
    """One accepted message and the engine's verdict on it."""

    item: Accepted
    violations: list[Violation]
    call: tuple[str, str | None] | None = None
    """(type, event) when the engine's fast path judged the message from its bytes."""
    error: str | None = None
    """Set for a message counted as malformed (it does not parse alone, or the checker failed on it)."""
    internal: bool = False


def too_large_warning(item: Accepted, call: tuple[str, str | None] | None) -> Violation:
    """``message_too_large``: a message accepted over Segment's 32 KB limit (``--limits`` other than segment)."""
    from cdpctl.validation import Violation

    message = item.message
    call_type = call[0] if call is not None else (message.get("type") if isinstance(message, dict) else None)
    event = call[1] if call is not None else event_name(message)
    return Violation(
        "message_too_large",
        "warning",
        call_type if isinstance(call_type, str) else None,
        event,
        "",
        f"the message is {len(item.raw):,} bytes: Segment drops a message over {MESSAGE_LIMIT // 1024} KB",
    )


NOT_RECORDED = (
    ("capture_failed", "not captured (the capture could not be written; answered 503)"),
    ("cut_at_stop", "still uploading when the collector stopped (answered 503)"),
    ("unchecked_at_stop", "received but not yet checked when the collector stopped (answered 503)"),
)
"""The :class:`Counters` of requests received but not recorded, and how the report names them."""


@dataclass
class Counters:
    """Request and control counts shown beside the validation summary."""

    requests: int = 0
    rejected_not_json: int = 0
    rejected_bad_payload: int = 0
    rejected_too_large: int = 0
    rejected_unauthorized: int = 0
    rejected_encoding: int = 0
    rejected_messages: int = 0
    aborted: int = 0
    """Uploads the client abandoned before the end of the body, or before its answer (nothing of them was
    recorded: the client retries)."""
    unavailable: int = 0
    """Bodies answered 503 (retry later): the capture could not be written or the forward queue is full."""
    capture_failed: int = 0
    """Of ``unavailable``: bodies not recorded because the capture could not be written (the run fails)."""
    cut_at_stop: int = 0
    """Uploads still arriving when the collector stopped (answered 503 if the client was still there)."""
    unchecked_at_stop: int = 0
    """Bodies received whole but not yet checked when the collector stopped (answered 503)."""
    forwarded: int = 0
    altered: int = 0
    omitted_properties: int = 0
    blocked_unplanned: int = 0
    blocked_invalid: int = 0
    blocked_forwarded: int = 0
    internal_errors: int = 0

    def not_recorded(self) -> tuple[str, ...]:
        """One line per kind of request received but never checked or recorded (the run fails)."""
        return tuple(f"{counted(getattr(self, name), 'request')} {what}" for name, what in NOT_RECORDED if getattr(self, name))

    @property
    def rejected_requests(self) -> int:
        return (
            self.rejected_not_json
            + self.rejected_bad_payload
            + self.rejected_too_large
            + self.rejected_unauthorized
            + self.rejected_encoding
        )
