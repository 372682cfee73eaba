"""Batches of records: NDJSON lines, JSON arrays and Segment batch payloads, each message checked and counted.

:func:`validate_lines` is the pure batch function that ``validate --jobs`` workers, ``serve`` and Spark
partitions run on their share of the input: it asks the fast path for a verdict on each line, counts the
accepted ones, and hands the others to the :class:`~cdpctl.validation.engine.Validator` (whose
explanation goes decide, locate, classify, report) and their violations to a
:class:`~cdpctl.validation.report.Report`.  :func:`check_parsed` does the same for a value already
parsed (a line of an array or batch payload, a serve request).  A :class:`Sink` sees every record with
its outcome (``--split``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from cdpctl.validation.fastpath import REFUSALS, Accepted, Outcome, Partial, Unplanned
from cdpctl.validation.fastpath_whole import FIRST_TEN, TYPE_HINT
from cdpctl.validation.jsonread import (
    JSON_SPACE,
    LONG_RECORD,
    MAX_DEPTH,
    deeper_than_limit,
    dump_json,
    not_json_in,
    not_json_message,
    parse_json,
    parse_record,
    too_deep_message,
)
from cdpctl.validation.report import Report, message_call
from cdpctl.validation.violations import Violation

if TYPE_CHECKING:
    from cdpctl.validation.engine import Validator


class Sink:
    """Receives every record with its outcome (``--split`` writes them out); the default ignores them."""

    def valid(self, raw: bytes) -> None:
        """A message without error-severity violations, as one JSON line (no newline)."""

    def invalid(self, message: Any, violations: list[Violation]) -> None:
        """A parsed message with at least one error-severity violation."""

    def malformed(self, raw: bytes) -> None:
        """A record that does not parse, verbatim."""


def batch_items(value: Any) -> list[Any] | None:
    """The messages of a JSON array or a Segment batch payload (``{"batch": [...]}``), else ``None``."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "type" not in value and isinstance(value.get("batch"), list):
        items: list[Any] = value["batch"]
        return items
    return None


def check_parsed(
    validator: Validator,
    report: Report,
    value: Any,
    file: str,
    line: int,
    sink: Sink | None = None,
    raw: bytes | None = None,
    not_json: bool = True,
) -> None:
    """Check one parsed JSON value (a message, an array or a batch payload) and record the outcome.

    A message holding a ``NaN``/``Infinity`` (read by :func:`parse_record`) is one malformed record;
    the other messages of an array or batch are checked.  ``not_json=False`` says the value holds none.
    """
    items = batch_items(value)
    if items is None:
        if not_json and _not_json(report, value, file, line, None, sink):
            return
        _check_one(validator, report, value, file, line, None, sink, raw)
        return
    for index, item in enumerate(items):
        if not_json and _not_json(report, item, file, line, index, sink):
            continue
        _check_one(validator, report, item, file, line, index, sink, None)


def _not_json(report: Report, message: Any, file: str, line: int, index: int | None, sink: Sink | None) -> bool:
    """Record ``message`` as malformed when it holds a ``NaN``/``Infinity``; whether it did."""
    token = not_json_in(message)
    if token is None:
        return False
    report.record_malformed(file, line, not_json_message(token), b"", index)
    if sink is not None:
        sink.malformed(dump_json(message, tokens=True))  # it held NaN or Infinity: written as read
    return True


def _check_one(
    validator: Validator,
    report: Report,
    message: Any,
    file: str,
    line: int,
    index: int | None,
    sink: Sink | None,
    raw: bytes | None,
) -> None:
    if raw is None:
        violations = validator.check(message, sink is not None)  # --split annotates each record whole
        failed = report.record(message, violations, file, line, index)
    else:
        call_type, event = message_call(message)
        violations = validator._check_call(message, raw, call_type, event, sink is not None)
        failed = report.record_call(call_type, event, violations, file, line, index)
    if sink is None:
        return
    if failed:
        sink.invalid(message, violations)
    else:
        sink.valid(raw if raw is not None else dump_json(message))


def _check_partial(
    validator: Validator, report: Report, partial: Partial, raw: bytes, file: str, line: int, sink: Sink | None
) -> None:
    message: Any = None
    violations = validator.check_fields(partial)  # most often only the fields need parsing
    if violations is None:
        message = parse_json(raw)  # the fast path decoded it: it parses
        violations = validator.check_message(message, raw, partial)
    call = partial.entry.call
    failed = report.record_call(call.type, call.name, violations, file, line)
    if sink is not None:
        if failed:
            sink.invalid(parse_json(raw) if message is None else message, violations)
        else:
            sink.valid(raw.strip(JSON_SPACE))


def validate_lines(
    validator: Validator, lines: Iterable[tuple[bytes, str, int]], sink: Sink | None = None, *, utf8: bool = False
) -> Report:
    """Validate NDJSON records ``(raw, file, line)``; blank lines are skipped, malformed ones counted.

    A line may also hold a JSON array of messages or a Segment batch payload: each
    of its messages is a record (its examples carry the index inside the line).
    ``utf8`` says the lines are known to be valid UTF-8 (their block was checked whole).
    The ``unplanned_event`` groups have no did-you-mean yet: :meth:`Validator.add_hints` adds them
    to the report that is shown (the merged one).
    """
    report = Report()
    fast = validator.fast
    examine = validator.examine if fast is None else fast.examine_utf8 if utf8 else fast.examine
    # the first steps of examine_utf8, written out: they run for every line
    routes = None
    if fast is not None and utf8:
        routes, table, refused, general = fast.routes, fast.whole_accepted, fast.refused, fast.general
        hint, starts = TYPE_HINT.search, FIRST_TEN.get
    accepted: list[Accepted] = []  # counted at the end (Counter counts in C)
    count = accepted.append
    # without a sink, lines that need more than a count wait for the end of the batch, in their order:
    # the cold code that looks into them then runs in one stretch, not between two hot decodes
    later: list[tuple[bytes, str, int, Outcome]] = []
    keep = later.append
    for raw, file, line in lines:
        if routes is None:
            outcome = examine(raw)
        else:
            index = starts(raw[:10])  # route_index(raw), written out: '{"type":"t' and the like first
            if index is None:
                found = hint(raw)
                index = 0 if found is None else found.lastindex or 0
            decode = routes[index]
            if decode is None:
                outcome = general(raw, False)
            else:
                try:
                    outcome = table[type(decode(raw))]
                except REFUSALS as exc:
                    outcome = refused(raw, exc, index == 1)
        # a long line may nest deeper than the limit in a part the fast path skips (it cannot unless it holds
        # more [ and { than the limit: two counts, no call): _record looks
        if (
            outcome.__class__ is Accepted
            and not outcome.warnings
            and (len(raw) <= LONG_RECORD or raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH or not deeper_than_limit(raw))
        ):
            count(outcome)
            if sink is not None:
                sink.valid(raw.strip(JSON_SPACE))
        elif sink is None:
            keep((raw, file, line, outcome))
        else:
            _record(validator, report, raw, file, line, outcome, sink)
    for raw, file, line, outcome in later:
        _record(validator, report, raw, file, line, outcome, None)
    for verdict, times in Counter(accepted).items():
        report.add_valid(verdict.type, verdict.event, times)
    return report


def _record(
    validator: Validator,
    report: Report,
    raw: bytes,
    file: str,
    line: int,
    outcome: Outcome,
    sink: Sink | None,
) -> None:
    """Record a line that is not simply counted: warnings, or what the fast path did not accept."""
    if len(raw) > LONG_RECORD and deeper_than_limit(raw):
        _malformed(report, raw, file, line, too_deep_message(), sink)
    elif isinstance(outcome, Accepted):
        report.record_call(outcome.type, outcome.event, outcome.warnings, file, line)
        if sink is not None:
            sink.valid(raw.strip(JSON_SPACE))
    elif isinstance(outcome, Unplanned):
        violations = [validator.unplanned_event(outcome.type, outcome.name, sink is not None)]
        report.record_call(outcome.type, outcome.name, violations, file, line)
        if sink is not None:
            sink.invalid(parse_json(raw), violations)
    elif outcome is not None:
        _check_partial(validator, report, outcome, raw, file, line, sink)
    else:
        _check_line(validator, report, raw, file, line, sink)


def _check_line(validator: Validator, report: Report, raw: bytes, file: str, line: int, sink: Sink | None) -> None:
    stripped = raw.strip(JSON_SPACE)
    if not stripped:
        return
    try:
        value, not_json = parse_record(stripped)
    except ValueError as exc:
        _malformed(report, raw, file, line, str(exc), sink)
        return
    check_parsed(validator, report, value, file, line, sink, stripped, not_json)


def _malformed(report: Report, raw: bytes, file: str, line: int, error: str, sink: Sink | None) -> None:
    report.record_malformed(file, line, error)
    if sink is not None:
        sink.malformed(raw[:-1] if raw.endswith(b"\n") else raw)

