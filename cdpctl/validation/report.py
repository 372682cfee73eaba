"""The aggregated report: counts, and violations grouped by call, event, code and path, with examples.

A :class:`Report` is built from per-message results and merges with another
(associatively), so worker processes, Spark partitions and the collector each
build partial reports that combine into the one ``cdpctl validate`` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cdpctl.model import SPEC_CALL_TYPES
from cdpctl.validation.violations import CODE_ORDER, MALFORMED_CODES, Violation

MAX_EXAMPLES = 5
"""Examples kept per violation group."""

MAX_GROUPS = 10_000
"""Distinct groups kept; beyond it, new groups fold into one per code and call type (bounded memory)."""

OTHER_EVENTS = "(other events)"
"""The event of the ``other`` buckets: groups beyond :data:`MAX_GROUPS` count there, one per call type and code."""

OTHER_MESSAGE = f"every call and path beyond the first {MAX_GROUPS:,} groups, counted together as '{OTHER_EVENTS}'"

GroupKey = tuple[str | None, str | None, str, str, str]
"""``(type, event, code, path, severity)``."""


@dataclass(frozen=True)
class Example:
    """Where one occurrence was read: file, 1-based line, and the index inside an array or batch payload."""

    file: str
    line: int
    index: int | None = None

    def __init__(self, file: str, line: int, index: int | None = None) -> None:
        # the generated __init__ of a frozen dataclass sets each field through object.__setattr__:
        # several times slower, and every block's report brings a few hundred back from a worker
        fields = self.__dict__
        fields["file"] = file
        fields["line"] = line
        fields["index"] = index

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "line": self.line}
        if self.index is not None:
            out["index"] = self.index
        return out


@dataclass
class Group:
    """Every occurrence of one code at one path of one call."""

    code: str
    severity: str
    type: str | None
    event: str | None
    path: str
    message: str
    count: int = 0
    examples: list[Example] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "type": self.type,
            "event": self.event,
            "path": self.path,
            "count": self.count,
            "message": self.message,
            "examples": [example.to_json() for example in self.examples],
        }


def _moved(examples: list[Example], line_offset: int) -> list[Example]:
    """Copies of ``examples``, their lines moved on by ``line_offset``."""
    if not line_offset:
        return list(examples)
    return [Example(example.file, example.line + line_offset, example.index) for example in examples]


def message_call(message: Any) -> tuple[str | None, str | None]:
    """The ``(type, event)`` a message claims: the event of a track, the name of a page or screen."""
    if not isinstance(message, dict):
        return None, None
    call_type = message.get("type")
    if not isinstance(call_type, str) or call_type not in SPEC_CALL_TYPES:
        return None, None
    name_key = {"track": "event", "page": "name", "screen": "name"}.get(call_type)
    if name_key is None:
        return call_type, None
    name = message.get(name_key)
    return call_type, name if isinstance(name, str) else None


def _folded(key: GroupKey) -> GroupKey:
    """The ``other`` bucket a group beyond :data:`MAX_GROUPS` counts in: one per call type, code and severity."""
    return (key[0], OTHER_EVENTS, key[2], "", key[4])


def _sort_key(group: Group) -> tuple[str, str, int, str, str]:
    return (group.type or "", group.event or "", CODE_ORDER.get(group.code, 99), group.path, group.severity)


@dataclass
class Report:
    """Counts and grouped violations of everything validated so far."""

    events: int = 0
    """Every record read, malformed ones included."""
    invalid: int = 0
    """Parsed messages with at least one error-severity violation."""
    malformed: int = 0
    warnings: int = 0
    """Warning-severity violations."""
    groups: dict[GroupKey, Group] = field(default_factory=dict)
    volume: dict[tuple[str | None, str | None], int] = field(default_factory=dict)
    """Parsed messages per ``(type, event)``: the denominator of each group's share."""
    refused: int | None = None
    """``serve``: what was refused unchecked (messages where their number is known, else bodies); None elsewhere."""
    partial: bool = False
    """The run was interrupted: the report covers only what was read before the signal."""

    def __reduce__(self) -> tuple[Callable[..., Report], tuple[Any, ...]]:
        """Pickled as plain tuples: with ``--jobs N`` every block's report crosses from a worker to
        the parent, and tuples are written and read back about twice as fast as the dataclasses."""
        groups = [
            (
                key,
                group.code,
                group.severity,
                group.type,
                group.event,
                group.path,
                group.message,
                group.count,
                [(example.file, example.line, example.index) for example in group.examples],
            )
            for key, group in self.groups.items()
        ]
        return _report_from_tuples, (self.events, self.invalid, self.malformed, self.warnings, groups, self.volume)

    @property
    def valid(self) -> int:
        return self.events - self.invalid - self.malformed

    @property
    def has_errors(self) -> bool:
        """Any error-severity violation or malformed record (or, for ``serve``, anything refused unchecked)."""
        return self.invalid > 0 or self.malformed > 0 or bool(self.refused)

    @property
    def error_count(self) -> int:
        """Records that fail: invalid messages plus malformed records."""
        return self.invalid + self.malformed

    # --- recording -----------------------------------------------------------------------------

    def record(
        self, message: Any, violations: Iterable[Violation], file: str, line: int, index: int | None = None
    ) -> bool:
        """Count one parsed message and its violations; returns whether it has an error-severity violation."""
        call_type, event = message_call(message)
        return self.record_call(call_type, event, violations, file, line, index)

    def record_call(
        self,
        call_type: str | None,
        event: str | None,
        violations: Iterable[Violation],
        file: str,
        line: int,
        index: int | None = None,
    ) -> bool:
        """Like :meth:`record` when the message's call is already known (the fast path)."""
        self.events += 1
        key = (call_type, event)
        volume = self.volume
        if key in volume:
            volume[key] += 1
        elif len(volume) < MAX_GROUPS:
            volume[key] = 1
        else:
            folded = (call_type, OTHER_EVENTS)
            volume[folded] = volume.get(folded, 0) + 1
        failed = False
        for violation in violations:
            if violation.severity == "error":
                failed = True
            else:
                self.warnings += 1
            self._add(violation, file, line, index)
        if failed:
            self.invalid += 1
        return failed

    def add_valid(self, call_type: str | None, event: str | None, count: int) -> None:
        """Count ``count`` messages of one call without any violation (the fast path's tally)."""
        self.events += count
        key = (call_type, event)
        volume = self.volume
        if key in volume or len(volume) < MAX_GROUPS:
            volume[key] = volume.get(key, 0) + count
        else:
            folded = (call_type, OTHER_EVENTS)
            volume[folded] = volume.get(folded, 0) + count

    def record_malformed(
        self, file: str, line: int, error: str, raw: bytes = b"", index: int | None = None
    ) -> None:
        """Count one record that does not parse as JSON (``raw`` is accepted for callers' convenience)."""
        self.events += 1
        self.malformed += 1
        text = error.splitlines()[0] if error else "not JSON"
        self._add(
            Violation("malformed_json", "error", None, None, "", f"does not parse as JSON: {text}"), file, line, index
        )

    def record_too_large(self, file: str, line: int, size: int) -> None:
        """Count one record longer than ``--max-record-bytes``, skipped unread: malformed, code ``record_too_large``."""
        self.events += 1
        self.malformed += 1
        text = f"a record longer than --max-record-bytes ({size:,} bytes or more), skipped unread"
        self._add(Violation("record_too_large", "error", None, None, "", text), file, line, None)

    def _add(self, violation: Violation, file: str, line: int, index: int | None) -> None:
        key: GroupKey = (violation.type, violation.event, violation.code, violation.path, violation.severity)
        group = self.groups.get(key)
        if group is None:
            if len(self.groups) >= MAX_GROUPS:
                key = _folded(key)
                group = self.groups.get(key)
            if group is None:
                message = OTHER_MESSAGE if key[1] == OTHER_EVENTS else violation.message
                group = Group(violation.code, violation.severity, key[0], key[1], key[3], message)
                self.groups[key] = group
        group.count += 1
        if len(group.examples) < MAX_EXAMPLES:  # an example is built only when it is kept
            group.examples.append(Example(file, line, index))

    # --- combining -----------------------------------------------------------------------------

    def update(self, other: Report, line_offset: int = 0) -> Report:
        """Add ``other`` into this report (in place) and return it; examples keep this report's first.

        ``line_offset`` moves the line numbers of the examples taken from ``other``
        on (a block's lines are numbered from 1; the lines of the blocks before it
        come first): only the examples kept are moved.
        """
        self.events += other.events
        self.invalid += other.invalid
        self.malformed += other.malformed
        self.warnings += other.warnings
        if other.refused is not None:
            self.refused = (self.refused or 0) + other.refused
        self.partial = self.partial or other.partial
        volume = self.volume
        for call, count in other.volume.items():
            if call not in volume and len(volume) >= MAX_GROUPS:  # the cap holds across merges too
                call = (call[0], OTHER_EVENTS)
            volume[call] = volume.get(call, 0) + count
        for key, theirs in other.groups.items():
            mine = self.groups.get(key)
            if mine is None and len(self.groups) >= MAX_GROUPS:
                key = _folded(key)
                mine = self.groups.get(key)
            if mine is None:
                self.groups[key] = Group(
                    theirs.code,
                    theirs.severity,
                    key[0],
                    key[1],
                    key[3],
                    OTHER_MESSAGE if key[1] == OTHER_EVENTS else theirs.message,
                    theirs.count,
                    _moved(theirs.examples, line_offset),
                )
                continue
            mine.count += theirs.count
            room = MAX_EXAMPLES - len(mine.examples)
            if room > 0:
                mine.examples.extend(_moved(theirs.examples[:room], line_offset))
        return self

    def merge(self, other: Report) -> Report:
        """A new report combining this one and ``other`` (associative; neither input changes)."""
        return Report().update(self).update(other)

    # --- reading -------------------------------------------------------------------------------

    def sorted_groups(self) -> list[Group]:
        """Groups by call type and event, then code and path (a stable order, whatever the merge order)."""
        return sorted(self.groups.values(), key=_sort_key)

    def share(self, group: Group) -> float | None:
        """The share of that call's volume the group's count represents (``None`` when unknown).

        Malformed records belong to no call: their groups have no volume (the ``(None, None)`` volume counts
        parsed messages of no known type, which malformed records are not)."""
        if group.code in MALFORMED_CODES:
            return None
        total = self.volume.get((group.type, group.event))
        if not total:
            return None
        return group.count / total

    def summary(self) -> dict[str, int | bool]:
        return {
            "events": self.events,
            "valid": self.valid,
            "invalid": self.invalid,
            "malformed": self.malformed,
            "warnings": self.warnings,
            **({"refused": self.refused} if self.refused is not None else {}),
            **({"partial": True} if self.partial else {}),
        }

    def other(self) -> dict[str, int]:
        """What the ``other`` buckets hold: messages of calls beyond the first :data:`MAX_GROUPS` seen, and
        violations of groups beyond the first :data:`MAX_GROUPS` (each counted under the event ``(other events)``)."""
        return {
            "max_groups": MAX_GROUPS,
            "messages": sum(count for (_, event), count in self.volume.items() if event == OTHER_EVENTS),
            "violations": sum(group.count for group in self.groups.values() if group.event == OTHER_EVENTS),
        }

    def to_json(self) -> dict[str, Any]:
        """The JSON contract of ``cdpctl validate --format json``."""
        return {
            "summary": self.summary(),
            "violations": [group.to_json() for group in self.sorted_groups()],
            "other": self.other(),
        }


def _report_from_tuples(
    events: int,
    invalid: int,
    malformed: int,
    warnings: int,
    groups: list[tuple[Any, ...]],
    volume: dict[tuple[str | None, str | None], int],
) -> Report:
    """The :class:`Report` pickled by ``Report.__reduce__``."""
    report = Report(events, invalid, malformed, warnings, volume=volume)
    report.groups = {
        key: Group(code, severity, call_type, event, path, message, count, [Example(*where) for where in examples])
        for key, code, severity, call_type, event, path, message, count, examples in groups
    }
    return report
