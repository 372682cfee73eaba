"""Explaining a message the fast path did not accept: its violations, each once under its most specific code.

The engine (:mod:`~cdpctl.validation.engine`) decides which call a message is and whether it needs an
explanation; the functions here take that decision and go forward only: locate the failures (the
tree walk of :mod:`~cdpctl.validation.localize` on the parts the fast path rejected, or jsonschema on
the whole message for the reference path), classify each (:mod:`~cdpctl.validation.classify`), and
fold the findings into violations (:mod:`~cdpctl.validation.findings`).  Both routes give the same
violations for the same message: the differential tests hold them to it.

A result of ``None`` means: this route cannot tell without the whole message parsed (the engine
then takes the next route, ending with the reference path, which always answers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from msgspec import UNSET

from cdpctl.model import Call
from cdpctl.spec import envelope_problems
from cdpctl.validation.classify import classify, envelope_field, no_fields
from cdpctl.validation.fastpath import Partial, is_object
from cdpctl.validation.findings import Kept, deprecated, envelope_violation, finish, keep, violations
from cdpctl.validation.localize import find
from cdpctl.validation.nodes import Roots
from cdpctl.validation.violations import Violation

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

UNCHECKABLE = (ArithmeticError, ValueError, RecursionError, msgspec.DecodeError)
"""What reading or checking a part alone may raise (then the message is read whole)."""


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


# --- the reference route: jsonschema on the whole message ----------------------------------------


def reference_violations(
    call: Call, schema: Draft7Validator, message: dict[str, Any], envelope_paths: set[str]
) -> list[Violation]:
    """The violations jsonschema finds in a message of a planned call, beyond the envelope rules' own
    (``envelope_paths``: the fields those rules already spoke of)."""
    field_key = call.field_key
    required = required_fields(call)
    context_required = [name for name, prop in call.common_context.items() if prop.required]
    found: Kept = {}
    extra_envelope: dict[str, str] = {}
    for error in _errors(call, schema, message):
        classified = classify(error, field_key, required, (), context_required)
        if classified is None:
            where = envelope_field(error)
            if where not in envelope_paths and where not in extra_envelope:
                plain = not where or error.validator == "required"  # "'context' is a required property"
                extra_envelope[where] = str(error.message) if plain else f"'{where}': {error.message}"
            continue
        for item in classified:
            keep(found, item)
    out = [envelope_violation(call, path, text) for path, text in extra_envelope.items()]
    out.extend(finish(call, found))
    return out


def required_fields(call: Call) -> list[str]:
    """The properties (traits) a call requires: its own, then the plan's ``common:`` ones it does not define."""
    own = [name for name, prop in call.fields.items() if prop.required]
    return own + [name for name, prop in call.common_fields.items() if prop.required and name not in call.fields]


def _errors(call: Call, schema: Draft7Validator, message: dict[str, Any]) -> list[ValidationError]:
    try:
        return list(schema.iter_errors(message))
    except (ArithmeticError, ValueError, RecursionError) as exc:  # e.g. multipleOf on an infinity
        from jsonschema.exceptions import ValidationError

        return [ValidationError(f"a value cannot be checked: {exc}", validator="check", path=[call.field_key])]


# --- the fast path's routes: only the parts it rejected ------------------------------------------


def unparsed_violations(partial: Partial, roots: Roots) -> list[Violation] | None:
    """The violations of a :class:`Partial` of a well-formed envelope, without the message.

    Only the parts of the raw ``properties``/``traits`` that fail are parsed
    (the envelope is known right; when it is not, the struct that decoded the
    message whole tells the envelope rules what they read).  ``None`` means: parse
    the whole message and use :func:`partial_violations` (the envelope was not right and
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
        out = [envelope_violation(call, path, text) for path, text in envelope_problems(envelope)]
        out.extend(partial.entry.accepted.warnings)  # deprecated_event, when the call is
        return out
    raw = partial.fields
    if raw is UNSET:
        return partial_violations(partial, roots, None, None)
    if not is_object(raw):  # not an object: the envelope rules speak
        return None
    return fields_violations(partial, roots, UNSET)


def fields_violations(partial: Partial, roots: Roots, fields: Any) -> list[Violation] | None:
    """The violations of a message whose envelope is right and whose fields are an object
    (``fields``: parsed, or ``UNSET``); ``None`` when the fields must be read with the message."""
    entry = partial.entry
    call = entry.call
    field_key = call.field_key
    try:
        items = find(roots.of(entry), partial.fields, (field_key,), field_key, fields)
    except UNCHECKABLE:
        return None
    if call.deprecated:
        return [deprecated(call), *violations(call, items)]
    return violations(call, items)


def partial_violations(
    partial: Partial, roots: Roots, fields: Any, message: dict[str, Any] | None
) -> list[Violation] | None:
    """The violations of a planned call's message that the fast path rejected, given its parsed fields
    (``message`` is needed when the envelope is not right); ``None``: use the reference route."""
    if partial.envelope_ok and isinstance(fields, dict):  # the common case: only the fields are wrong
        return fields_violations(partial, roots, fields)
    entry = partial.entry
    call = entry.call
    field_key = call.field_key
    out: list[Violation] = []
    found: Kept = {}
    extra_envelope: dict[str, str] = {}
    # the envelope struct reads the fields as raw JSON: when they are not an object, look at the envelope
    envelope_ok = partial.envelope_ok and (partial.fields is UNSET or isinstance(fields, dict))
    try:
        if not envelope_ok:
            if message is None:
                return None
            envelope_paths: set[str] = set()
            for path, text in envelope_problems(message):
                out.append(envelope_violation(call, path, text))
                envelope_paths.add(path)
            extra_envelope = envelope_extras(call, message, envelope_paths)
            if field_key not in message:
                required = required_fields(call)
                if required:
                    keep(found, no_fields(field_key, required))
        elif partial.fields is UNSET:
            keep(found, no_fields(field_key, required_fields(call)))
        if partial.fields is not UNSET and isinstance(fields, dict):
            root = roots.of(entry)
            if partial.envelope_ok or not root.passes(partial.fields):  # the fast path saw them fail
                for item in find(root, partial.fields, (field_key,), field_key, fields):
                    keep(found, item)
    except UNCHECKABLE:
        return None
    if call.deprecated:
        out.append(deprecated(call))
    for path, text in extra_envelope.items():
        out.append(envelope_violation(call, path, text))
    if found:
        out.extend(finish(call, found))
    return out
