"""The collector's state: validation report, recent messages, counters, and the hand-off to forwarding.

Everything here runs on the server's event loop, one request at a time, so no
locking is needed.  Memory is bounded: the report keeps capped examples, the
recent-message ring keeps at most ``keep`` messages, and the forward queues
are capped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from cdpctl.serve.capture import CaptureWriter, malformed_line
from cdpctl.serve.controls import Controls, apply_controls
from cdpctl.serve.forward import Forwarder, ForwardStats
from cdpctl.serve.intake import MESSAGE_LIMIT, Accepted, encode

if TYPE_CHECKING:
    from cdpctl.validation import Report, Validator, Violation

HTTP_SOURCE = "<http>"
"""The ``file`` of report examples when nothing is captured (their ``line`` is the message number)."""

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
    """Uploads the client abandoned before the end of the body (nothing of them was read)."""
    unavailable: int = 0
    """Bodies answered 503 (retry later): the capture could not be written or the forward queue is full."""
    forwarded: int = 0
    altered: int = 0
    omitted_properties: int = 0
    blocked_unplanned: int = 0
    blocked_invalid: int = 0
    blocked_forwarded: int = 0
    internal_errors: int = 0

    @property
    def rejected_requests(self) -> int:
        return (
            self.rejected_not_json
            + self.rejected_bad_payload
            + self.rejected_too_large
            + self.rejected_unauthorized
            + self.rejected_encoding
        )


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Collector:
    """Validates, records, captures and hands on every message the HTTP layer accepts."""

    def __init__(
        self,
        validator: Validator,
        *,
        capture: CaptureWriter | None = None,
        controls: Controls | None = None,
        forwarder: Forwarder | None = None,
        blocked_forwarder: Forwarder | None = None,
        keep: int = 1000,
    ) -> None:
        from cdpctl.validation import Report

        self.validator = validator
        self.capture = capture
        self.controls = controls or Controls()
        self.forwarder = forwarder
        self.blocked_forwarder = blocked_forwarder
        self.file = str(capture.path) if capture is not None else HTTP_SOURCE
        self.report: Report = Report(refused=0)
        self.recent: deque[Received] = deque(maxlen=max(keep, 1))
        self.counters = Counters()
        self.rate = RateMeter()
        self.started = time.monotonic()
        self._number = 0

    def _numbers(self, lines: list[bytes]) -> int:
        """Capture ``lines`` (all or none: :class:`CaptureFailed`) and return the number of the first."""
        if self.capture is not None:
            return self.capture.write_lines(lines)
        first = self._number + 1
        self._number += len(lines)
        return first

    def check_all(self, accepted: Iterable[Accepted]) -> list[Checked]:
        """The engine's verdict on each message; touches no state, so it runs off the event loop."""
        check = self.validator.check
        # the engine's fast path: (type, event, warnings) for a message without errors, else None
        check_raw: Callable[[bytes], tuple[str, str | None, list[Violation]] | None] | None
        check_raw = getattr(self.validator, "check_raw", None)
        out: list[Checked] = []
        for item in accepted:
            if item.error is not None:
                out.append(Checked(item, [], error=f"does not parse: {item.error}"))
                continue
            try:
                fast = check_raw(item.raw) if check_raw is not None else None
                if fast is not None:
                    checked = Checked(item, list(fast[2]), (fast[0], fast[1]))
                else:
                    checked = Checked(item, list(check(item.message)))
            except Exception as exc:  # a checker bug must not lose the rest of the batch: fail safe, loudly
                error = f"internal error while checking this message: {type(exc).__name__}: {exc}"
                out.append(Checked(item, [], error=error, internal=True))
                continue
            if len(item.raw) > MESSAGE_LIMIT:
                checked.violations.append(too_large_warning(item, checked.call))
            out.append(checked)
        return out

    def ingest(self, accepted: Iterable[Accepted], write_key: str | None) -> int:
        """Validate, record, capture and forward each accepted message; returns how many."""
        return self.commit(self.check_all(accepted), write_key)

    def commit(self, checked: list[Checked], write_key: str | None) -> int:
        """Capture (all or none), record and forward checked messages; raises :class:`CaptureFailed`."""
        if not checked:
            return 0
        lines = [c.item.raw if c.error is None else malformed_line(c.item.raw) for c in checked]
        first = self._numbers(lines)
        report = self.report
        stamp = _now_iso()
        for number, c in enumerate(checked, first):
            item = c.item
            if c.error is not None:
                if c.internal:
                    self.counters.internal_errors += 1
                report.record_malformed(file=self.file, line=number, error=c.error, raw=item.raw[:1024])
                shown = item.message if c.internal else item.raw[:1024].decode("utf-8", "replace")
                raw = item.raw if c.internal else None
                self.recent.append(Received(number, self.file, stamp, shown, [], error=c.error, raw=raw))
                continue
            if c.call is not None:
                report.record_call(c.call[0], c.call[1], c.violations, self.file, number)
            else:
                report.record(item.message, c.violations, file=self.file, line=number)
            received = Received(number, self.file, stamp, item.message, c.violations, raw=item.raw)
            received.forward = self._forward(item, c.violations, write_key)
            self.recent.append(received)
        self.rate.add(len(checked))
        return len(checked)

    def refuse(self, count: int) -> None:
        """Count what a refused body held (its messages where known, else 1): it fails the run, unchecked."""
        self.report.refused = (self.report.refused or 0) + count

    def forward_room(self, size: int) -> bool:
        """Whether every forward queue can take ``size`` more bytes (else intake answers 503)."""
        return all(f.has_room(size) for f in (self.forwarder, self.blocked_forwarder) if f is not None)

    def _forward(self, item: Accepted, violations: list[Violation], write_key: str | None) -> str | None:
        if self.forwarder is None and self.blocked_forwarder is None:
            return None
        outcome = apply_controls(item.message, violations, self.controls, lambda: orjson.loads(item.raw))
        if outcome.blocked is not None:
            if outcome.blocked == "unplanned":
                self.counters.blocked_unplanned += 1
            else:
                self.counters.blocked_invalid += 1
            if self.blocked_forwarder is not None:
                self.blocked_forwarder.enqueue(item.raw, write_key)
                self.counters.blocked_forwarded += 1
                return f"blocked ({outcome.blocked}), sent to the blocked destination"
            return f"blocked ({outcome.blocked})"
        if self.forwarder is None:
            return None
        raw: bytes | None = item.raw
        state = "forwarded"
        if outcome.altered:
            self.counters.altered += 1
            self.counters.omitted_properties += len(outcome.omitted)
            raw = encode(outcome.message)
            state = "forwarded without " + ", ".join(outcome.omitted)
        if raw is None:  # cannot happen for a message that was encoded once; never forward it unaltered
            self.forwarder.stats.failed += 1
            return "not forwarded: cannot encode the altered message"
        self.forwarder.enqueue(raw, write_key)
        self.counters.forwarded += 1
        return state

    def ingest_malformed(self, raw: bytes, error: str) -> None:
        """Record a body that is not JSON as one malformed record (and capture it; :class:`CaptureFailed`)."""
        number = self._numbers([malformed_line(raw)])
        self.report.record_malformed(file=self.file, line=number, error=error, raw=raw[:1024])
        text = raw[:1024].decode("utf-8", "replace")
        self.recent.append(Received(number, self.file, _now_iso(), text, [], error=error))
        self.rate.add(1)

    # --- queries -------------------------------------------------------------------------------

    def counts(self) -> dict[str, int | bool]:
        """The validate summary object (events, valid, invalid, malformed, warnings, refused)."""
        return self.report.summary()

    def report_json(self) -> dict[str, Any]:
        report: dict[str, Any] = self.report.to_json()
        return report

    def collector_json(self) -> dict[str, Any]:
        c = self.counters
        out: dict[str, Any] = {
            "requests": c.requests,
            "rejected_requests": {
                "not_json": c.rejected_not_json,
                "bad_payload": c.rejected_bad_payload,
                "too_large": c.rejected_too_large,
                "unauthorized": c.rejected_unauthorized,
                "bad_encoding": c.rejected_encoding,
            },
            "rejected_messages": c.rejected_messages,
            "refused": self.report.refused or 0,
            "aborted": c.aborted,
            "unavailable": c.unavailable,
            "internal_errors": c.internal_errors,
            "events_per_second": round(self.rate.rate(), 1),
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "controls": {
                "forwarded": c.forwarded,
                "altered": c.altered,
                "omitted_properties": c.omitted_properties,
                "blocked_unplanned": c.blocked_unplanned,
                "blocked_invalid": c.blocked_invalid,
                "blocked_forwarded": c.blocked_forwarded,
            },
            "forward": self._stats(self.forwarder),
            "forward_blocked": self._stats(self.blocked_forwarder),
        }
        if self.capture is not None:
            out["capture"] = {"file": self.file, "lines": self.capture.line}
        return out

    @staticmethod
    def _stats(forwarder: Forwarder | None) -> dict[str, Any] | None:
        if forwarder is None:
            return None
        return {"url": forwarder.endpoint, **forwarder.stats.to_json(forwarder.pending)}

    def summary(self) -> dict[str, Any]:
        """The validate summary object, with a ``collector`` object beside its keys."""
        summary: dict[str, Any] = dict(self.counts())
        summary["collector"] = self.collector_json()
        return summary

    def violations(self, event: str | None = None, code: str | None = None) -> list[dict[str, Any]]:
        groups: list[dict[str, Any]] = self.report_json()["violations"]
        return [
            g for g in groups if (event is None or g.get("event") == event) and (code is None or g.get("code") == code)
        ]

    def events(
        self,
        event: str | None = None,
        valid: bool | None = None,
        limit: int = 100,
        code: str | None = None,
        call_type: str | None = None,
    ) -> list[dict[str, Any]]:
        """Recent messages, newest first, filtered."""
        out: list[dict[str, Any]] = []
        for received in reversed(self.recent):
            if len(out) >= limit:
                break
            if event is not None and received.event != event:
                continue
            if valid is not None and received.valid != valid:
                continue
            if code is not None and not any(v.code == code for v in received.violations):
                continue
            if call_type is not None and (
                not isinstance(received.message, dict) or received.message.get("type") != call_type
            ):
                continue
            out.append(received.to_json())
        return out

    def reset(self) -> None:
        """Forget counts, examples and recent messages (the capture file and forward queues are kept)."""
        from cdpctl.validation import Report

        self.report = Report(refused=0)
        self.recent.clear()
        self.counters = Counters()
        self.rate = RateMeter()
        for forwarder in (self.forwarder, self.blocked_forwarder):
            if forwarder is not None:
                forwarder.stats = ForwardStats()

    @property
    def has_errors(self) -> bool:
        return bool(self.report.has_errors)
