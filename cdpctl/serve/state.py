"""The collector's state: validation report, recent messages, counters, and the hand-off to forwarding.

What changes it runs on the server's event loop, one request at a time, so no
locking is needed (:meth:`Collector.check_all`, which only reads, runs on the
worker thread).  Memory is bounded: the report keeps capped examples, the
recent-message ring keeps at most ``keep`` messages, and the forward queues
are capped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson

from cdpctl.serve.capture import CaptureWriter, malformed_line, message_line
from cdpctl.serve.controls import Controls, apply_controls
from cdpctl.serve.forward import Forwarder, ForwardStats
from cdpctl.serve.intake import MESSAGE_LIMIT, Accepted, encode
from cdpctl.serve.records import Checked, Counters, RateMeter, Received, too_large_warning

if TYPE_CHECKING:
    from cdpctl.validation import Report, Validator, Violation

HTTP_SOURCE = "<http>"
"""The ``file`` of report examples when nothing is captured (their ``line`` is the message number)."""

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
                out.append(Checked(item, [], error=item.error))  # the report says "does not parse as JSON: ..."
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
        lines = [message_line(c.item.message, c.item.raw) if c.error is None else malformed_line(c.item.raw) for c in checked]
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

    def counts(self) -> dict[str, Any]:
        """The validate summary object (events, valid, invalid, malformed, warnings, refused, and ``unreadable``
        and ``partial``: no file is read here)."""
        from cdpctl.validation.render import json_summary

        return json_summary(self.report)

    def report_json(self) -> dict[str, Any]:
        """The ``validate --format json`` document of what was received (no input errors: no file is read)."""
        from cdpctl.validation.render import json_document

        return json_document(self.report)

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
            "capture_failed": c.capture_failed,
            "cut_at_stop": c.cut_at_stop,
            "unchecked_at_stop": c.unchecked_at_stop,
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
