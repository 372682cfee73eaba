"""What traffic shows about a plan: per-call volume, first and last timestamp, share valid, property use.

:func:`observe_sources` reads the same inputs as ``cdpctl validate`` (files, folders, globs, stdin,
gzip/zstd, arrays and batch payloads) and judges every message with the same
:class:`~cdpctl.validation.Validator`; :class:`Observations` are plain counts that merge, so partial
observations of parts of the input combine into one.  The documentation catalog (``cdpctl docs --logs``)
is built on them.  State is bounded: at most :data:`MAX_KEYS` calls and properties per call are kept,
the rest are counted under :data:`OTHER`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import MAXYEAR, datetime, timezone
from typing import Any

from cdpctl.model import Plan
from cdpctl.observe_nested import Path, planned_tree, walk

MAX_KEYS = 10_000
"""Distinct calls, and distinct properties of one call, kept; beyond it, counts go to :data:`OTHER`."""

OTHER = "(other)"

CallKey = tuple[str, str | None]
"""``(type, name)``: the event of a track call, the name of a page or screen, ``None`` otherwise."""

@dataclass
class CallStats:
    """Everything observed of one call."""

    volume: int = 0
    valid: int = 0
    first: str | None = None
    last: str | None = None
    codes: dict[str, int] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)
    """How many messages sent each field (top level of properties or traits), null or not."""
    null: dict[str, int] = field(default_factory=dict)
    """How many messages sent each field as null."""
    planned: bool = False
    """A call of the plan (never counted under :data:`OTHER`)."""
    nested_sent: dict[Path, int] = field(default_factory=dict)
    """How many messages sent each field the plan declares inside an object or array property (its
    :data:`~cdpctl.observe_nested.Path`), null or not: bounded by the plan, never capped."""
    nested_null: dict[Path, int] = field(default_factory=dict)
    """How many messages sent each nested field as null (in an array: null in every item that has it)."""
    extra_sent: dict[Path, int] = field(default_factory=dict)
    """Keys sent inside an object that declares its fields, which it does not declare (at most :data:`MAX_KEYS`)."""
    extra_null: dict[Path, int] = field(default_factory=dict)

    def merge(self, other: CallStats) -> None:
        self.volume += other.volume
        self.valid += other.valid
        self.first = _earliest(self.first, other.first)
        self.last = _latest(self.last, other.last)
        for mine, theirs in ((self.codes, other.codes), (self.sent, other.sent), (self.null, other.null)):
            for key, count in theirs.items():
                _bump(mine, key, count)
        for nested, more in ((self.nested_sent, other.nested_sent), (self.nested_null, other.nested_null)):
            for path, count in more.items():
                nested[path] = nested.get(path, 0) + count
        for extra, more in ((self.extra_sent, other.extra_sent), (self.extra_null, other.extra_null)):
            for path, count in more.items():
                _bump_path(extra, path, count)

    def to_json(self) -> dict[str, Any]:
        return {
            "volume": self.volume,
            "valid": self.valid,
            "first_seen": self.first,
            "last_seen": self.last,
            "violations": dict(sorted(self.codes.items())),
            "sent": dict(sorted(self.sent.items())),
            "null": dict(sorted(self.null.items())),
        }


@dataclass(frozen=True)
class Window:
    """Keep only messages whose ``timestamp`` falls in ``[since, until]`` (normalized UTC strings)."""

    since: str | None = None
    until: str | None = None

    def admits(self, stamp: str | None) -> bool:
        if stamp is None:
            return False
        return (self.since is None or stamp >= self.since) and (self.until is None or stamp <= self.until)


@dataclass
class Observations:
    """Per-call statistics of everything read, and the records that did not parse.

    ``outside`` counts messages a :class:`Window` left out (no timestamp, or one outside it).
    """

    calls: dict[CallKey, CallStats] = field(default_factory=dict)
    records: int = 0
    malformed: int = 0
    outside: int = 0
    unreadable: list[str] = field(default_factory=list)
    """Inputs not read to their end (a damaged compressed stream), each as its error: what came before counts."""

    def stats(self, key: CallKey, planned: bool = False) -> CallStats:
        """The statistics of ``key``; beyond :data:`MAX_KEYS` calls, an unplanned one is counted under
        :data:`OTHER` (a planned call is always counted as itself: the plan bounds them)."""
        found = self.calls.get(key)
        if found is None:
            if len(self.calls) >= MAX_KEYS and not planned:
                key = (key[0], OTHER)
                found = self.calls.get(key)
            if found is None:
                found = self.calls[key] = CallStats(planned=planned)
        return found

    def merge(self, other: Observations) -> Observations:
        self.records += other.records
        self.malformed += other.malformed
        self.outside += other.outside
        self.unreadable += other.unreadable
        for key, stats in other.calls.items():
            self.stats(key, stats.planned).merge(stats)
        return self

    def to_json(self) -> dict[str, Any]:
        ordered = sorted(self.calls.items(), key=lambda item: (item[0][0], item[0][1] or ""))
        return {
            "records": self.records,
            "malformed": self.malformed,
            "outside_window": self.outside,
            "unreadable": list(self.unreadable),
            "calls": [{"type": key[0], "name": key[1], **stats.to_json()} for key, stats in ordered],
        }


def _bump(counts: dict[str, int], key: str, by: int = 1) -> None:
    if key not in counts and len(counts) >= MAX_KEYS:
        key = OTHER
    counts[key] = counts.get(key, 0) + by


def _bump_path(counts: dict[Path, int], path: Path, by: int = 1) -> None:
    if path in counts or len(counts) < MAX_KEYS:  # beyond the bound, new nested fields are not counted
        counts[path] = counts.get(path, 0) + by


def _earliest(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: str | None, b: str | None) -> str | None:
    return b if a is None else a if b is None else max(a, b)


def normalize_timestamp(value: Any) -> str | None:
    """An ISO-8601 timestamp as UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (so strings order as times), else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        utc = parsed.astimezone(timezone.utc)
        return f"{utc.year:04d}-" + utc.strftime("%m-%dT%H:%M:%S.%fZ")  # %Y does not pad years below 1000
    except OverflowError:  # a valid time whose UTC falls outside years 1-9999 (9999-12-31T23:59:59-23:59): the edge
        return EDGE_LATEST if parsed.year == MAXYEAR else EDGE_EARLIEST


EDGE_EARLIEST = "0001-01-01T00:00:00.000000Z"
EDGE_LATEST = "9999-12-31T23:59:59.999999Z"
"""Where :func:`normalize_timestamp` puts a time whose UTC is before year 1 or after year 9999."""


def call_key(plan: Plan, message: dict[str, Any]) -> CallKey | None:
    """The call a message belongs to, or None when its type is not a Spec call."""
    kind = message.get("type")
    if kind in ("track",):
        name = message.get("event")
        return (kind, name if isinstance(name, str) else None)
    if kind in ("page", "screen"):
        name = message.get("name")
        return (kind, name if isinstance(name, str) else None)
    if kind in ("identify", "group", "alias"):
        return (kind, None)
    return None


def fields_of(message: dict[str, Any]) -> dict[str, Any] | None:
    """The properties (track, page, screen) or traits (identify, group; ``context.traits`` when absent)."""
    kind = message.get("type")
    if kind in ("identify", "group"):
        traits = message.get("traits")
        if traits is None:
            context = message.get("context")
            traits = context.get("traits") if isinstance(context, dict) else None
        return traits if isinstance(traits, dict) else None
    props = message.get("properties")
    return props if isinstance(props, dict) else None


def observe_message(observations: Observations, plan: Plan, message: Any, violations: list[Any]) -> None:
    """Count one parsed message and the violations the validator found in it."""
    if not isinstance(message, dict):
        key: CallKey = ("(unknown)", None)
    else:
        key = call_key(plan, message) or ("(unknown)", None)
    call = plan.find_call(*key)
    stats = observations.stats(key, call is not None)
    stats.volume += 1
    errors = [v for v in violations if v.severity == "error"]
    if not errors:
        stats.valid += 1
    for violation in violations:
        _bump(stats.codes, violation.code)
    if not isinstance(message, dict):
        return
    stamp = normalize_timestamp(message.get("timestamp"))
    if stamp is not None:
        stats.first = _earliest(stats.first, stamp)
        stats.last = _latest(stats.last, stamp)
    fields = fields_of(message)
    if fields:
        tree = planned_tree(call) if call is not None else {}
        found: dict[Path, tuple[bool, bool]] = {}
        for name, value in fields.items():
            _bump(stats.sent, name)
            if value is None:
                _bump(stats.null, name)
            elif name in tree and isinstance(value, (dict, list)):
                walk(value, (name,), tree[name], found)
        for path, (planned, null) in found.items():  # each nested field once a message, however many items have it
            if planned:
                stats.nested_sent[path] = stats.nested_sent.get(path, 0) + 1
                if null:
                    stats.nested_null[path] = stats.nested_null.get(path, 0) + 1
            else:
                _bump_path(stats.extra_sent, path)
                if null:
                    _bump_path(stats.extra_null, path)


@dataclass(frozen=True)
class Unread:
    """A record that yields no message: not read (over the record size cap), or not JSON."""

    reason: str


@dataclass(frozen=True)
class InputFailure:
    """An input that could not be read to its end (a gzip stream without its end, a zstd stream cut inside a
    frame): ``message`` names it.  The records read before the damage are kept; the run must not say OK."""

    message: str


def read_messages(records: Iterable[bytes | None | InputFailure]) -> Iterator[Any]:
    """Every message of raw records (NDJSON lines, or whole documents: arrays and batch payloads give
    each of their messages), an :class:`Unread` for each record that was not read (``None``) or does
    not parse, and each :class:`InputFailure` as it comes; blank records are skipped."""
    from cdpctl.validation.engine import _batch_items, parse_json
    from cdpctl.validation.jsonread import JSON_SPACE

    for raw in records:
        if raw is None:
            yield Unread("record over the size cap")
            continue
        if isinstance(raw, InputFailure):
            yield raw
            continue
        if not raw.strip(JSON_SPACE):
            continue
        try:
            value = parse_json(raw)
        except (ValueError, RecursionError):
            yield Unread("malformed JSON")
            continue
        items = _batch_items(value)
        yield from [value] if items is None else items


def observe_records(
    plan: Plan, records: Iterable[bytes | None | InputFailure], validator: Any = None, window: Window | None = None
) -> Observations:
    """Observations of raw records (NDJSON lines, or whole JSON documents); blank records are skipped,
    ``None`` stands for a record that was not read (over the record size cap) and counts as malformed,
    an :class:`InputFailure` is kept in ``unreadable``."""
    from cdpctl.validation import Validator

    validator = validator or Validator(plan)
    observations = Observations()
    for message in read_messages(records):
        if isinstance(message, InputFailure):
            observations.unreadable.append(message.message)
            continue
        observations.records += 1
        if isinstance(message, Unread):
            observations.malformed += 1
            continue
        if window is not None and not window.admits(
            normalize_timestamp(message.get("timestamp")) if isinstance(message, dict) else None
        ):
            observations.outside += 1
            continue
        try:
            found = validator.check(message)
        except RecursionError:  # nesting deeper than the validator follows: counted as malformed
            observations.malformed += 1
            continue
        observe_message(observations, plan, message, found)
    return observations


def _records_of_source(source: Any) -> Iterator[bytes | None | InputFailure]:
    """The records of one input; an input that cannot be opened raises (the run stops before it reads on), one
    that breaks part-way (a damaged compressed stream) ends with an :class:`InputFailure`, as ``validate`` does."""
    from cdpctl.validation import inputs

    opened = inputs.open_source(source)
    try:
        for block in inputs.iter_blocks(opened):
            if isinstance(block, inputs.Document):
                yield block.data
            elif isinstance(block, inputs.RangeBlock):
                yield from block.read().data.split(b"\n")
            elif isinstance(block, inputs.LineBlock):
                yield from block.data.split(b"\n")
            else:  # a record over the size cap, skipped unread
                yield None
    except inputs.InputError as exc:
        yield InputFailure(str(exc))
    finally:
        close = getattr(opened, "close", None) or getattr(getattr(opened, "stream", None), "close", None)
        if callable(close):
            close()


_WORKER: tuple[Plan, Any, Window | None] | None = None
"""The plan, validator and window a forked worker inherits."""


def _init_worker(parent: int) -> None:
    """SIGINT and SIGTERM are the parent's (:mod:`cdpctl.workers`): Ctrl-C reaches the whole process group,
    and a worker that died of it left the parent waiting for its chunk for ever."""
    from cdpctl.interrupts import worker_signals

    worker_signals(parent)


def _observe_chunk(records: list[bytes | None | InputFailure]) -> Observations:
    assert _WORKER is not None
    plan, validator, window = _WORKER
    return observe_records(plan, records, validator, window)


def records_of_paths(paths: list[str]) -> Iterator[bytes | None | InputFailure]:
    """Every record of the inputs ``cdpctl validate`` would read for ``paths`` (``None``: one not read; an
    :class:`InputFailure`: the end of an input that broke part-way)."""
    from cdpctl.validation import inputs

    for source in inputs.expand_paths(paths or [inputs.STDIN]):
        yield from _records_of_source(source)


def _chunks(paths: list[str], size: int = 20_000) -> Iterator[list[bytes | None | InputFailure]]:
    chunk: list[bytes | None | InputFailure] = []
    for record in records_of_paths(paths):
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def observe_sources(plan: Plan, paths: list[str], jobs: int = 1, window: Window | None = None) -> Observations:
    """Observe every record of the inputs ``cdpctl validate`` would read for ``paths``.

    With ``jobs`` above 1, chunks of records are observed in forked worker processes and their
    observations merged (the same answer: observations are counts).
    """
    global _WORKER
    from cdpctl.validation import Validator

    validator = Validator(plan)
    observations = Observations()
    if jobs <= 1:
        for chunk in _chunks(paths):
            observations.merge(observe_records(plan, chunk, validator, window))
        return observations
    _WORKER = (plan, validator, window)
    try:
        return _observe_in_workers(paths, jobs)
    finally:
        _WORKER = None


def _observe_in_workers(paths: list[str], jobs: int) -> Observations:
    """Chunks read here (a signal stops the read) and observed by ``jobs`` workers, at most two each in
    flight.  Ctrl-C and SIGTERM are this process's: the workers ignore them, die with it, and are ended
    at once when it stops (:mod:`cdpctl.workers`)."""
    import multiprocessing
    import os
    from collections import deque
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from cdpctl.errors import CdpctlError
    from cdpctl.workers import start_pool, stop_pool, submit

    observations = Observations()
    pending: deque[Future[Observations]] = deque()
    pool = start_pool(jobs, _init_worker, (os.getpid(),), multiprocessing.get_context("fork"))  # inherit _WORKER
    try:
        for chunk in _chunks(paths):
            pending.append(submit(pool, _observe_chunk, chunk))
            if len(pending) >= 2 * jobs:
                observations.merge(pending.popleft().result())
        while pending:
            observations.merge(pending.popleft().result())
    except BrokenProcessPool as exc:
        stop_pool(pool)
        raise CdpctlError(f"a worker process died ({exc}); try fewer --jobs or --jobs 1") from exc
    except BaseException:  # Ctrl-C (or a failure): the workers end now, not after their queue
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    return observations
