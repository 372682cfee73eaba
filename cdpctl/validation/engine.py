"""The validator: Segment envelope rules plus the plan's compiled rules, one violation per problem.

Every message is judged by the jsonschema library against the compiled
schema of its call (with :func:`cdpctl.formats.format_checker`), after the
Segment Spec envelope check of :func:`cdpctl.spec.envelope_problems`.  A fast
path (:mod:`cdpctl.validation.fastpath`) accepts the messages that are valid
straight from their bytes; only the others go through jsonschema, which gives
the detailed errors.  The fast path never accepts a message the jsonschema path
would reject (a differential test holds it to that).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import msgspec
import orjson
from msgspec import UNSET

from cdpctl.compiler import call_schema, object_schema
from cdpctl.formats import format_checker
from cdpctl.model import Call, Plan
from cdpctl.rawschema import reference_validator
from cdpctl.spec import envelope_problems
from cdpctl.validation.classify import Found, classify, envelope_field
from cdpctl.validation.fastpath import REFUSALS, Accepted, Entry, FastPath, Outcome, Partial, Unplanned, is_object
from cdpctl.validation.jsonread import (
    LONG_RECORD,
    MAX_DEPTH,
    deeper_than_limit,
    dump_json,
    has_non_finite,
    not_json_in,
    not_json_message,
    parse_json,
    parse_record,
    too_deep_message,
)
from cdpctl.validation.localize import Node, fields_node, find
from cdpctl.validation.report import OTHER_EVENTS, Report, message_call
from cdpctl.validation.suggest import Suggester
from cdpctl.validation.violations import Violation

MAX_SUGGESTIONS_CACHED = 4096
"""Did-you-mean hints a validator remembers (by call type and name)."""


if TYPE_CHECKING:
    from jsonschema import Draft7Validator, FormatChecker
    from jsonschema.exceptions import ValidationError

NO_VIOLATIONS: list[Violation] = []
"""Shared empty result of the fast path (never mutated)."""


class Validator:
    """Checks Segment messages against one plan.  Built once per process; pickles as its plan."""

    def __init__(self, plan: Plan, *, fast: bool = True) -> None:
        self.plan = plan
        self.fast_enabled = fast
        self._schemas: dict[tuple[str, str | None], Draft7Validator] = {}
        self._format_checker: FormatChecker | None = None
        self._suggestions: dict[tuple[str, str], str] = {}
        self._suggesters: dict[str, Suggester] = {}
        self._roots: dict[tuple[str, str | None], Node] = {}
        self._fast: FastPath | None = FastPath(plan) if fast else None

    def __reduce__(self) -> tuple[Callable[..., Validator], tuple[Plan], dict[str, Any]]:
        return (Validator, (self.plan,), {"fast_enabled": self.fast_enabled})

    def __setstate__(self, state: dict[str, Any]) -> None:
        if not state.get("fast_enabled", True):
            self.fast_enabled = False
            self._fast = None

    # --- the reference path --------------------------------------------------------------------

    def schema_validator(self, call: Call) -> Draft7Validator:
        """The jsonschema validator of one planned call (built on first use)."""
        key = (call.type, call.name)
        validator = self._schemas.get(key)
        if validator is None:
            if self._format_checker is None:
                self._format_checker = format_checker()
            validator = reference_validator(call_schema(call), self._format_checker)
            self._schemas[key] = validator
        return validator

    def unplanned_event(self, call_type: str, event: str | None, hint: bool = True) -> Violation:
        """The ``unplanned_event`` violation of a call the plan does not have (with a did-you-mean, unless
        ``hint`` is false: a batch adds the hints to the groups of its report at the end, :meth:`add_hints`)."""
        if event is None:
            text = f"{call_type} without a name is not in the tracking plan"
        else:
            text = _unplanned_text(call_type, event) + (self._suggest(call_type, event) if hint else "")
        return Violation("unplanned_event", "error", call_type, event, "", text)

    def _suggest(self, call_type: str, name: str) -> str:
        key = (call_type, name)
        hint = self._suggestions.get(key)
        if hint is None:
            suggester = self._suggesters.get(call_type)
            if suggester is None:
                names = [c.name for c in self.plan.calls() if c.type == call_type and c.name is not None]
                suggester = self._suggesters[call_type] = Suggester(names)
            hint = suggester.hint(name)
            if len(self._suggestions) < MAX_SUGGESTIONS_CACHED:
                self._suggestions[key] = hint
        return hint

    def add_hints(self, report: Report) -> Report:
        """Give the ``unplanned_event`` groups of a report their did-you-mean (once; in place).

        The batch functions (:func:`validate_lines`, :func:`check_parsed`) leave hints out: a log
        of many distinct unplanned names would look each up; only the groups a report keeps need one.
        """
        for group in report.groups.values():
            if group.code != "unplanned_event" or group.type is None or group.event is None:
                continue
            if group.event == OTHER_EVENTS or group.message != _unplanned_text(group.type, group.event):
                continue
            group.message += self._suggest(group.type, group.event)
        return report

    def check(self, message: Any, hint: bool = True) -> list[Violation]:
        """Every problem of one parsed message, each once under its most specific code.

        The fast path looks first (on the message serialized again); the answer is
        always that of :meth:`check_reference`.
        """
        if self._fast is None or not isinstance(message, dict):
            return self.check_reference(message, hint)
        try:
            raw = orjson.dumps(message)
        except (TypeError, orjson.JSONEncodeError):  # integers beyond 64 bits, keys that are not strings
            return self.check_reference(message, hint)
        if b"null" in raw and has_non_finite(message):  # orjson writes infinities as null
            return self.check_reference(message, hint)
        outcome = self._fast.examine(raw)
        if isinstance(outcome, Accepted):
            return list(outcome.warnings)
        return self.check_message(message, raw, outcome, hint)

    def check_reference(self, message: Any, hint: bool = True) -> list[Violation]:
        """:meth:`check` by the reference route alone: the envelope rules, then jsonschema on the
        compiled schema of the message's call (what the fast path is tested against)."""
        call_type, event = message_call(message)
        return self._reference(message, call_type, event, hint)

    def _reference(self, message: Any, call_type: str | None, event: str | None, hint: bool = True) -> list[Violation]:
        """:meth:`check_reference` given ``message_call(message)``."""
        problems = envelope_problems(message)
        violations = [Violation("invalid_envelope", "error", call_type, event, path, text) for path, text in problems]
        if call_type is None or call_type == "alias" or not self.plan.governs(call_type):
            return violations
        assert isinstance(message, dict)
        call = self.plan.find_call(call_type, event)
        if call is None:
            if call_type == "track" and any(path == "event" for path, _ in problems):
                return violations  # no event name: an envelope problem, not an unplanned event
            violations.append(self.unplanned_event(call_type, event, hint))
            return violations
        if call.deprecated:
            violations.append(
                Violation("deprecated_event", "warning", call_type, event, "event", f"'{call.label}' is deprecated in the tracking plan")
            )
        fields_read = with_context_traits(message) if call.field_key == "traits" else message
        violations.extend(self._plan_violations(call, fields_read, {path for path, _ in problems}))
        return violations

    def _plan_violations(self, call: Call, message: dict[str, Any], envelope_paths: set[str]) -> list[Violation]:
        field_key = call.field_key
        required = [name for name, prop in call.fields.items() if prop.required]
        found: dict[tuple[str, str], Found] = {}
        extra_envelope: dict[str, str] = {}
        for error in self._errors(call, message):
            classified = classify(error, field_key, required)
            if classified is None:
                where = envelope_field(error)
                if where not in envelope_paths and where not in extra_envelope:
                    extra_envelope[where] = f"'{where}': {error.message}" if where else str(error.message)
                continue
            for item in classified:
                _keep(found, item)
        out = [
            Violation("invalid_envelope", "error", call.type, call.name, path, text)
            for path, text in extra_envelope.items()
        ]
        out.extend(_finish(call, found))
        return out

    def _errors(self, call: Call, message: dict[str, Any]) -> list[ValidationError]:
        try:
            return list(self.schema_validator(call).iter_errors(message))
        except (ArithmeticError, ValueError, RecursionError) as exc:  # e.g. multipleOf on an infinity
            from jsonschema.exceptions import ValidationError

            return [ValidationError(f"a value cannot be checked: {exc}", validator="check", path=[call.field_key])]

    def check_partial(self, partial: Partial, message: Any) -> list[Violation] | None:
        """The violations of a planned call's message that the fast path rejected.

        Only the parts the fast path rejected go through jsonschema, each against its
        own schema: the result is what :meth:`check` gives for the whole message, for
        a fraction of the work.  ``None`` means: use :meth:`check`.
        """
        if not isinstance(message, dict):
            return None
        if partial.entry.call.field_key == "traits":
            message = with_context_traits(message)
        return self._partial_violations(partial, message.get(partial.entry.call.field_key), message)

    def check_fields(self, partial: Partial) -> list[Violation] | None:
        """:meth:`check_partial` for a :class:`Partial` of a well-formed envelope, without the message.

        Only the parts of the raw ``properties``/``traits`` that fail are parsed
        (the envelope is known right; when it is not, the struct that decoded the
        message whole tells the envelope rules what they read).  ``None`` means: parse
        the whole message and use :meth:`check_message` (the envelope was not right and
        no struct decoded it, the fields are not an object, or a part could read
        differently alone than inside the message).
        """
        if not partial.envelope_ok:  # the envelope rules read the message, or what a struct decoded of it
            envelope = partial.envelope()
            if envelope is None:
                return None
            # the whole-message struct decoded: the fields are right, and so is every type the schema's
            # envelope keywords check (envelope_extras has nothing to add): the envelope rules say all
            call = partial.entry.call
            out = [
                Violation("invalid_envelope", "error", call.type, call.name, path, text)
                for path, text in envelope_problems(envelope)
            ]
            out.extend(partial.entry.accepted.warnings)  # deprecated_event, when the call is
            return out
        raw = partial.fields
        if raw is UNSET:
            return self._partial_violations(partial, None, None)
        if not is_object(raw):  # not an object: the envelope rules speak
            return None
        return self._fields_violations(partial, UNSET)

    def _fields_violations(self, partial: Partial, fields: Any) -> list[Violation] | None:
        """The violations of a message whose envelope is right and whose fields are an object
        (``fields``: parsed, or ``UNSET``); ``None`` when the fields must be read with the message."""
        entry = partial.entry
        call = entry.call
        field_key = call.field_key
        try:
            items = find(self.root(entry), partial.fields, (field_key,), field_key, fields)
        except (ArithmeticError, ValueError, RecursionError, msgspec.DecodeError):
            return None
        if call.deprecated:
            text = f"'{call.label}' is deprecated in the tracking plan"
            deprecated = Violation("deprecated_event", "warning", call.type, call.name, "event", text)
            return [deprecated, *_violations(call, items)]
        return _violations(call, items)

    def _partial_violations(self, partial: Partial, fields: Any, message: dict[str, Any] | None) -> list[Violation] | None:
        """:meth:`check_partial` given the parsed fields (``message`` is needed when the envelope is not right)."""
        if partial.envelope_ok and isinstance(fields, dict):  # the common case: only the fields are wrong
            return self._fields_violations(partial, fields)
        entry = partial.entry
        call = entry.call
        field_key = call.field_key
        out: list[Violation] = []
        found: dict[tuple[str, str], Found] = {}
        extra_envelope: dict[str, str] = {}
        # the envelope struct reads the fields as raw JSON: when they are not an object, look at the envelope
        envelope_ok = partial.envelope_ok and (partial.fields is UNSET or isinstance(fields, dict))
        try:
            if not envelope_ok:
                if message is None:
                    return None
                envelope_paths: set[str] = set()
                for path, text in envelope_problems(message):
                    out.append(Violation("invalid_envelope", "error", call.type, call.name, path, text))
                    envelope_paths.add(path)
                extra_envelope = envelope_extras(call, message, envelope_paths)
                if field_key not in message:
                    required = [name for name, prop in call.fields.items() if prop.required]
                    if required:
                        names = ", ".join(required)
                        text = f"the message has no '{field_key}' object (the plan requires {names})"
                        _keep(found, ("required_missing", field_key, text, 1))
            elif partial.fields is UNSET:
                names = ", ".join(name for name, prop in call.fields.items() if prop.required)
                text = f"the message has no '{field_key}' object (the plan requires {names})"
                _keep(found, ("required_missing", field_key, text, 1))
            if partial.fields is not UNSET and isinstance(fields, dict):
                root = self.root(entry)
                if partial.envelope_ok or not root.passes(partial.fields):  # the fast path saw them fail
                    for item in find(root, partial.fields, (field_key,), field_key, fields):
                        _keep(found, item)
        except (ArithmeticError, ValueError, RecursionError, msgspec.DecodeError):
            return None
        if call.deprecated:
            text = f"'{call.label}' is deprecated in the tracking plan"
            out.append(Violation("deprecated_event", "warning", call.type, call.name, "event", text))
        for path, text in extra_envelope.items():
            out.append(Violation("invalid_envelope", "error", call.type, call.name, path, text))
        if found:
            out.extend(_finish(call, found))
        return out

    def root(self, entry: Entry) -> Node:
        """The fields of a call the fast path expresses, as a tree of :class:`Node` (built on first use).

        The nodes get the format checker only when one of them runs jsonschema:
        the errors most logs have (types, unplanned names, missing names, enums,
        patterns, formats) are found without importing it.
        """
        call = entry.call
        key = (call.type, call.name)
        root = self._roots.get(key)
        if root is None:
            assert entry.decoder is not None
            builder = entry.builder
            schema = {"type": "object", **object_schema(call.fields, call.additional_properties)}

            def formats() -> FormatChecker:
                checker: FormatChecker = builder.checker
                return checker

            root = fields_node(entry.decoder, call.fields, call.additional_properties, schema, builder, formats)
            self._roots[key] = root
        return root

    # --- the fast path -------------------------------------------------------------------------

    @property
    def fast(self) -> FastPath | None:
        """The fast path (``None`` when disabled)."""
        return self._fast

    def examine(self, raw: bytes) -> Outcome:
        """The fast path's verdict on one line: :class:`Accepted` when it has no error, a
        :class:`Partial` when only its planned fields need a look, :class:`Unplanned` when its one
        violation is an unplanned event, ``None`` when all of it needs a look."""
        fast = self._fast
        return None if fast is None else fast.examine(raw)

    def check_raw(self, raw: bytes) -> tuple[str, str | None, list[Violation]] | None:
        """``(type, event, warnings)`` when the fast path finds the message free of errors, else ``None``."""
        if len(raw) > LONG_RECORD and deeper_than_limit(raw):
            return None
        outcome = self.examine(raw)
        if not isinstance(outcome, Accepted):
            return None
        return outcome.type, outcome.event, list(outcome.warnings)

    def check_bytes(self, raw: bytes) -> list[Violation] | None:
        """Every violation of one JSON line, fast path first; ``None`` when it does not parse.

        The same answer as ``check(parse_json(raw))`` (a differential test holds it to that).  A line
        nesting deeper than :data:`~cdpctl.validation.jsonread.MAX_DEPTH`, or holding a ``NaN``, does not parse.
        """
        if len(raw) > LONG_RECORD and deeper_than_limit(raw):
            return None
        outcome = self.examine(raw)
        if isinstance(outcome, Accepted):
            return list(outcome.warnings)
        try:
            message, not_json = parse_record(raw)
        except ValueError:
            return None
        if not_json:
            return None
        violations = self.check_message(message, raw, outcome)
        return violations

    def check_message(self, message: Any, raw: bytes, outcome: Outcome = None, hint: bool = True) -> list[Violation]:
        """:meth:`check` for a message parsed from ``raw``, using the fast path's help where it can
        (``outcome``: the fast path's verdict on ``raw``, never :class:`Accepted`)."""
        if isinstance(outcome, Unplanned):
            return [self.unplanned_event(outcome.type, outcome.name, hint)]
        assert not isinstance(outcome, Accepted)
        fast = self._fast
        if fast is not None:
            if outcome is None and isinstance(message, dict):
                call_type, event = message_call(message)
                if call_type is not None:
                    outcome = fast.partial(call_type, event, raw)
            if outcome is not None:
                violations = self.check_partial(outcome, message)
                if violations is not None:
                    return violations
        return self.check_reference(message, hint)

    def _check_call(
        self, message: Any, raw: bytes, call_type: str | None, event: str | None, hint: bool = False
    ) -> list[Violation]:
        """:meth:`check_message` without a fast path outcome, given ``message_call(message)``."""
        fast = self._fast
        if fast is not None and call_type is not None:  # a call type: the message is a dict
            outcome = fast.partial(call_type, event, raw)
            if outcome is not None:
                violations = self.check_partial(outcome, message)
                if violations is not None:
                    return violations
        return self._reference(message, call_type, event, hint)


def with_context_traits(message: dict[str, Any]) -> dict[str, Any]:
    """An identify or group message as its traits are checked: without ``traits``, its ``context.traits``
    (when an object) stand in for them (rudder-sdk-python sends identify traits there only).

    Violations keep their ``traits.`` paths, wherever the traits were read.
    """
    if "traits" in message:
        return message
    context = message.get("context")
    if context.__class__ is not dict or context.get("traits").__class__ is not dict:
        return message
    return {**message, "traits": context["traits"]}


def _unplanned_text(call_type: str, event: str) -> str:
    return f"{call_type} '{event}' is not in the tracking plan"


ID_TYPES = "'string', 'number', 'null'"

ID_CLASSES = (str, int, float)
"""Classes of an id the schema accepts (``bool``, a subclass of ``int``, is not one of them)."""

NULLABLE_NOT = (
    ("timestamp", "string"),
    ("sentAt", "string"),
    ("originalTimestamp", "string"),
    ("receivedAt", "string"),
    ("context", "object"),
    ("integrations", "object"),
)
"""Envelope fields the schema types without null (the fields object too)."""


def envelope_extras(call: Call, message: dict[str, Any], envelope_paths: set[str]) -> dict[str, str]:
    """What the compiled schema's envelope keywords find beyond :func:`envelope_problems` (same words).

    The schema types ``userId``/``anonymousId`` as string, number or null, and
    wants the timestamps to be strings and ``context``, ``integrations`` and the
    fields to be objects even when null; :func:`envelope_problems` lets null pass.
    """
    extras: dict[str, str] = {}
    get = message.get
    for name in ("userId", "anonymousId"):
        value = get(name)
        if value is None or value.__class__ in ID_CLASSES:  # the common case, without isinstance
            continue
        if name not in envelope_paths and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
            extras[name] = f"'{name}': {value!r} is not of type {ID_TYPES}"
    for name, kind in NULLABLE_NOT:
        if get(name, 0) is None and name not in envelope_paths:
            extras[name] = f"'{name}': None is not of type '{kind}'"
    name = call.field_key
    if get(name, 0) is None and name not in envelope_paths:
        extras[name] = f"'{name}': None is not of type 'object'"
    return extras


def _keep(found: dict[tuple[str, str], Found], item: Found) -> None:
    """Keep one finding per (code, path): the first, or a more telling one (format before its pattern)."""
    key = (item[0], item[1])
    previous = found.get(key)
    if previous is None or item[3] < previous[3]:
        found[key] = item


def _violations(call: Call, items: list[Found]) -> list[Violation]:
    """:func:`_finish` of the findings kept by :func:`_keep` from ``items``, in order."""
    if len(items) == 1:  # nothing to fold or hide
        code, path, text, _ = items[0]
        return [Violation(code, "error", call.type, call.name, path, text)]
    found: dict[tuple[str, str], Found] = {}
    for item in items:
        _keep(found, item)
    return _finish(call, found)


def _finish(call: Call, found: dict[tuple[str, str], Found]) -> list[Violation]:
    """Violations from findings; a wrong type hides the enum/constraint failures of the same value."""
    mistyped = {path for code, path in found if code == "type_mismatch"}
    out = []
    for (code, path), (_, _, text, _) in found.items():
        if code in ("value_not_allowed", "constraint_failed") and path in mistyped:
            continue
        out.append(Violation(code, "error", call.type, call.name, path, text))
    return out


class Sink:
    """Receives every record with its outcome (``--split`` writes them out); the default ignores them."""

    def valid(self, raw: bytes) -> None:
        """A message without error-severity violations, as one JSON line (no newline)."""

    def invalid(self, message: Any, violations: list[Violation]) -> None:
        """A parsed message with at least one error-severity violation."""

    def malformed(self, raw: bytes) -> None:
        """A record that does not parse, verbatim."""


def _batch_items(value: Any) -> list[Any] | None:
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
    items = _batch_items(value)
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
        sink.malformed(dump_json(message))
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
            sink.valid(raw.strip())


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
    # the first step of examine_utf8, written out: it runs for every line
    whole = None
    if fast is not None and utf8:
        whole, table, refused = fast.whole_decode, fast.whole_accepted, fast.refused
    counts: dict[Accepted, int] = {}
    # without a sink, lines that need more than a count wait for the end of the batch, in their order:
    # the cold code that looks into them then runs in one stretch, not between two hot decodes
    later: list[tuple[bytes, str, int, Outcome]] = []
    keep = later.append
    for raw, file, line in lines:
        if whole is None:
            outcome = examine(raw)
        else:
            try:
                outcome = table[type(whole(raw))]
            except REFUSALS as exc:
                outcome = refused(raw, exc)
        # a long line may nest deeper than the limit in a part the fast path skips (it cannot unless it holds
        # more [ and { than the limit: two counts, no call): _record looks
        if (
            outcome.__class__ is Accepted
            and not outcome.warnings
            and (len(raw) <= LONG_RECORD or raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH or not deeper_than_limit(raw))
        ):
            counts[outcome] = counts.get(outcome, 0) + 1
            if sink is not None:
                sink.valid(raw.strip())
        elif sink is None:
            keep((raw, file, line, outcome))
        else:
            _record(validator, report, raw, file, line, outcome, sink)
    for raw, file, line, outcome in later:
        _record(validator, report, raw, file, line, outcome, None)
    for accepted, count in counts.items():
        report.add_valid(accepted.type, accepted.event, count)
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
            sink.valid(raw.strip())
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
    stripped = raw.strip()
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


__all__ = ["Sink", "Validator", "check_parsed", "parse_json", "validate_lines"]
