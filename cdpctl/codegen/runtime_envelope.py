"""The Segment Spec envelope in generated Python tracking clients, embedded verbatim after :mod:`.runtime`.

``Tracker.check(message)`` judges any message dict as ``cdpctl validate`` does: these are the rules of
``cdpctl.spec.envelope_problems`` (a message is an object, a Spec ``type``, a track's ``event``, an
alias's ``previousId``, a group's ``groupId``, a page or screen ``name`` that is a string, a ``userId``
or an ``anonymousId``, RFC 3339 timestamps, objects where the Spec has objects, a ``messageId`` of at
most 100 characters), so ``check`` reports the same ``invalid_envelope`` violations at the same places
(the texts are the engine's, without its hints on a date-time's spelling); and how a jsonschema error against a call's schema becomes a violation
(:func:`_classify`), with the codes and paths ``validate`` gives.  A test compares the two on messages that break each rule.
"""

import importlib
from collections.abc import Mapping, Sequence
from typing import Any, Final, cast

from cdpctl.codegen.runtime_formats import _DATE_TIME_PATTERN, _leap_second_ok

# --- runtime ---
SPEC_CALL_TYPES: Final = ("track", "identify", "page", "screen", "group", "alias")
"""The Segment Spec's call types, in the order ``cdpctl validate`` names them."""
_TIMESTAMPS: Final = ("timestamp", "sentAt", "originalTimestamp", "receivedAt")
_OBJECTS: Final = ("properties", "traits", "context", "integrations")
_ABSENT: Final[Any] = object()
_STAMP: list[Any] = []
"""The compiled RFC 3339 date-time pattern, once the first timestamp is checked."""


def _present_id(value: object) -> bool:
    if isinstance(value, str):
        return value != ""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date_time_ok(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if not _STAMP:
        pattern = _DATE_TIME_PATTERN.removeprefix("^").removesuffix("$")
        _STAMP.append(importlib.import_module("re").compile(pattern).fullmatch)
    return _STAMP[0](value) is not None and _leap_second_ok(value)


def _shown(value: object) -> str:
    """A value as the envelope's texts show it."""
    return "null" if value is None else repr(value)


def _envelope_problems(message: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every Segment Spec envelope problem of ``message``, as ``(path, text)`` pairs."""
    problems: list[tuple[str, str]] = []
    get = message.get
    call_type = get("type")
    if call_type not in SPEC_CALL_TYPES:
        shown = "missing" if call_type is None else repr(call_type)
        problems.append(("type", f"'type' is {shown}; it must be one of {', '.join(SPEC_CALL_TYPES)}"))
    elif call_type == "track":
        event = get("event")
        if not isinstance(event, str) or not event.strip():
            problems.append(("event", "a track call needs a non-empty 'event' name"))
    elif call_type == "alias":
        if not _present_id(get("previousId")):
            problems.append(("previousId", "an alias call needs a 'previousId'"))
    elif call_type == "group" and not _present_id(get("groupId")):
        problems.append(("groupId", "a group call needs a 'groupId'"))
    elif call_type in ("page", "screen"):
        name = get("name")
        if name is not None and not isinstance(name, str):
            problems.append(("name", f"the 'name' of a {call_type} call is a string, not {name!r}"))
    if not (_present_id(get("userId")) or _present_id(get("anonymousId"))):
        problems.append(("userId", "a message needs a 'userId' or an 'anonymousId'"))
    for name in _TIMESTAMPS:  # null is not a date-time: only an absent field is let through
        value = get(name, _ABSENT)
        if value is not _ABSENT and not _date_time_ok(value):
            problems.append((name, f"'{name}' must be an RFC 3339 date-time, not {_shown(value)}"))
    for name in _OBJECTS:
        value = get(name, _ABSENT)
        if value is not _ABSENT and not isinstance(value, dict):
            problems.append((name, f"'{name}' must be an object, not {'null' if value is None else type(value).__name__}"))
    if "messageId" in message:
        value = get("messageId")
        if not isinstance(value, str) or len(value) > 100:
            shown = f"{len(value)} characters long" if isinstance(value, str) else repr(value)
            problems.append(("messageId", f"'messageId' must be a string of at most 100 characters, not {shown}"))
    return problems


_CODES: Final = {"type": "type_mismatch", "enum": "value_not_allowed", "const": "value_not_allowed"}


def _fold(path: Sequence[object]) -> str:
    text = ""
    for part in path:
        text += "[]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _classify(error: Any, field_key: str) -> list[tuple[str, str, str]]:
    """``(code, path, message)`` for one jsonschema error against a compiled call schema."""
    path = list(error.absolute_path)
    keyword = str(error.validator)
    instance = error.instance
    if not path and keyword == "required" and isinstance(instance, dict):
        missing = [name for name in (field_key, "context") if name in error.validator_value and name not in instance]
        if missing:  # one error per missing name, but which one it is only its text says: each missing says it
            return [("required_missing", name, f"the message has no '{name}' object") for name in missing]
    # the call's fields, and the plan's common rules inside ``context`` (its being an object is the Spec's)
    if not path or path[0] not in (field_key, "context") or (len(path) == 1 and keyword == "type"):
        return [("invalid_envelope", _fold(path), str(error.message))]
    base = _fold(path)
    if keyword == "required" and isinstance(instance, dict):
        return [
            ("required_missing", f"{base}.{name}", f"required property '{name}' is missing")
            for name in error.validator_value
            if name not in instance
        ]
    raw_schema: object = error.schema
    schema = cast("dict[str, Any]", raw_schema) if isinstance(raw_schema, dict) else {}
    if keyword == "additionalProperties" and isinstance(instance, dict):
        planned = cast("dict[str, Any]", schema.get("properties", {}))
        listed: list[str] | None = getattr(error, "extras", None)
        extras = listed or [name for name in cast("dict[str, Any]", instance) if name not in planned]
        return [("unplanned_property", f"{base}.{name}", f"'{name}' is not in the tracking plan") for name in extras]
    if keyword == "pattern" and isinstance(schema.get("format"), str):
        return [("constraint_failed", base, f"{instance!r} is not a valid {schema['format']}")]
    return [(_CODES.get(keyword, "constraint_failed"), base, str(error.message))]
