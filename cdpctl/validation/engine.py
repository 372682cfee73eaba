"""The validator: the per-message decision, Segment envelope rules plus the plan's compiled rules.

Every message is judged as the jsonschema library judges it against the compiled
schema of its call (with :func:`cdpctl.formats.format_checker`), after the
Segment Spec envelope check of :func:`cdpctl.spec.envelope_problems`: the
reference path.  A fast path (:mod:`cdpctl.validation.fastpath`) accepts the
messages that are valid straight from their bytes; only the others get an
explanation, which goes one way: decide (here: which call, planned or not, and
which route can explain it), locate (:mod:`~cdpctl.validation.localize`, or
jsonschema on the whole message), classify (:mod:`~cdpctl.validation.classify`),
report (:mod:`~cdpctl.validation.findings`); :mod:`~cdpctl.validation.explain`
runs the last three.  The fast path never accepts a message the jsonschema path
would reject, and its explanations are the reference path's (differential tests
hold it to that).

Everything per call that the validator builds is built when a message of that
call first needs it: the jsonschema validator, the tree of its fields, the
did-you-mean index of its names.  Batches of records are
:mod:`~cdpctl.validation.batch`'s (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from cdpctl.compiler import call_schema
from cdpctl.formats import format_checker
from cdpctl.model import Call, Plan
from cdpctl.rawschema import reference_validator
from cdpctl.spec import envelope_problems
from cdpctl.validation.batch import Sink, check_parsed, validate_lines
from cdpctl.validation.batch import batch_items as _batch_items
from cdpctl.validation.explain import (
    envelope_extras,
    partial_violations,
    reference_violations,
    unparsed_violations,
    with_context_traits,
)
from cdpctl.validation.fastpath import Accepted, Entry, FastPath, Outcome, Partial, Unplanned
from cdpctl.validation.jsonread import (
    LONG_RECORD,
    deeper_than_limit,
    dump_json,
    has_non_finite,
    parse_json,
    parse_record,
)
from cdpctl.validation.nodes import Node, Roots
from cdpctl.validation.report import OTHER_EVENTS, Report, message_call
from cdpctl.validation.suggest import Suggester
from cdpctl.validation.violations import Violation

MAX_SUGGESTIONS_CACHED = 4096
"""Did-you-mean hints a validator remembers (by call type and name)."""


if TYPE_CHECKING:
    from jsonschema import Draft7Validator, FormatChecker

NO_VIOLATIONS: list[Violation] = []
"""Shared empty result of the fast path (never mutated)."""


class Validator:
    """Checks Segment messages against one plan.  Built once per process; pickles as its plan.

    Unpickled (a worker process, a Spark executor), it has nothing built but the
    fast path: as in the process that made it, a call's jsonschema validator and
    field tree are built when a message of the call first needs one.
    """

    def __init__(self, plan: Plan, *, fast: bool = True) -> None:
        self.plan = plan
        self.fast_enabled = fast
        self._schemas: dict[tuple[str, str | None], Draft7Validator] = {}
        self._format_checker: FormatChecker | None = None
        self._suggestions: dict[tuple[str, str], str] = {}
        self._suggesters: dict[str, Suggester] = {}
        self._roots = Roots()
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
        envelope_paths = {path for path, _ in problems}
        violations.extend(reference_violations(call, self.schema_validator(call), fields_read, envelope_paths))
        return violations

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
        return partial_violations(partial, self._roots, message.get(partial.entry.call.field_key), message)

    def check_fields(self, partial: Partial) -> list[Violation] | None:
        """:meth:`check_partial` for a :class:`Partial` of a well-formed envelope, without the message
        (``None``: parse the whole message and use :meth:`check_message`)."""
        return unparsed_violations(partial, self._roots)

    def root(self, entry: Entry) -> Node:
        """The fields of a call the fast path expresses, as a tree of :class:`Node` (built on first use)."""
        return self._roots.of(entry)

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


def _unplanned_text(call_type: str, event: str) -> str:
    return f"{call_type} '{event}' is not in the tracking plan"


__all__ = [
    "NO_VIOLATIONS",
    "Sink",
    "Validator",
    "_batch_items",
    "check_parsed",
    "dump_json",
    "envelope_extras",
    "parse_json",
    "validate_lines",
    "with_context_traits",
]
