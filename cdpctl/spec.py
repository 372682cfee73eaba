"""The Segment Spec envelope: what every message must carry, whatever the plan says.

The same rules are available as a JSON Schema fragment (compiled into every
call's schema) and as a fast Python check (used by ``validate`` and ``serve``),
so the two never drift apart.
"""

from __future__ import annotations

from typing import Any

from cdpctl.formats import FORMAT_PATTERNS, date_time_hint, matches_format
from cdpctl.model import SPEC_CALL_TYPES

TIMESTAMP_FIELDS = ("timestamp", "sentAt", "originalTimestamp", "receivedAt")
"""The Spec's timestamps: ISO-8601 date strings ("Spec: Common fields", Timestamps)."""
ID_FIELDS = ("userId", "anonymousId")
OBJECT_FIELDS = ("properties", "traits", "context", "integrations")
ABSENT: Any = object()
"""What ``dict.get`` gives for a field the message does not have (``null`` is a value, and not a valid one)."""
MESSAGE_ID_MAX = 100
"""The Spec's limit on ``messageId``: a string of at most 100 characters ("Spec: Common fields")."""


def _present_id(value: Any) -> bool:
    if isinstance(value, str):
        return value != ""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def envelope_problems(message: Any) -> list[tuple[str, str]]:
    """Every Segment Spec envelope problem of ``message``, as ``(path, message)`` pairs."""
    if not isinstance(message, dict):
        return [("", "a message must be a JSON object (not an array, a string, a number, a boolean or null)")]
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
        previous = get("previousId")
        if not _present_id(previous):
            problems.append(("previousId", "an alias call needs a 'previousId'"))
    elif call_type == "group" and not _present_id(get("groupId")):
        problems.append(("groupId", "a group call needs a 'groupId'"))
    elif call_type in ("page", "screen"):
        name = get("name")
        if name is not None and not isinstance(name, str):
            problems.append(("name", f"the 'name' of a {call_type} call is a string, not {name!r}"))
    if not (_present_id(get("userId")) or _present_id(get("anonymousId"))):
        problems.append(("userId", "a message needs a 'userId' or an 'anonymousId'"))
    matched = None  # the timestamps of a message are often the same text: match it once
    for name in TIMESTAMP_FIELDS:  # null is not a date-time: only an absent field is let through
        value = get(name, ABSENT)
        if value is ABSENT or (matched is not None and value == matched):
            continue
        if isinstance(value, str) and matches_format("date-time", value):
            matched = value
        else:
            problems.append((name, f"'{name}' must be an RFC 3339 date-time, not {'null' if value is None else repr(value)}{date_time_hint(value)}"))
    for name in OBJECT_FIELDS:
        value = get(name, ABSENT)
        if value is not ABSENT and not isinstance(value, dict):
            problems.append((name, f"'{name}' must be an object, not {'null' if value is None else type(value).__name__}"))
    if "messageId" in message:
        value = get("messageId")
        if not isinstance(value, str) or len(value) > MESSAGE_ID_MAX:
            shown = f"{len(value)} characters long" if isinstance(value, str) else repr(value)
            problems.append(("messageId", f"'messageId' must be a string of at most {MESSAGE_ID_MAX} characters, not {shown}"))
    return problems


def envelope_schema(call_type: str, name_key: str | None, name: str | None) -> dict[str, Any]:
    """The envelope part of a compiled call schema (``properties`` / ``traits`` are added by the compiler)."""
    id_schema: dict[str, Any] = {"type": ["string", "number", "null"]}
    present: dict[str, Any] = {"type": ["string", "number"], "minLength": 1}
    timestamp: dict[str, Any] = {
        "type": "string",
        "format": "date-time",
        "pattern": FORMAT_PATTERNS["date-time"],
    }
    properties: dict[str, Any] = {"type": {"const": call_type}}
    required = ["type"]
    if name_key is not None and name is not None:
        properties[name_key] = {"const": name}
        required.append(name_key)
    properties["userId"] = id_schema
    properties["anonymousId"] = id_schema
    if call_type == "group":
        properties["groupId"] = present
        required.append("groupId")
    properties["messageId"] = {"type": "string", "maxLength": MESSAGE_ID_MAX}
    for field in TIMESTAMP_FIELDS:
        properties[field] = timestamp
    properties["properties"] = {"type": "object"}  # the call's own object is replaced by its rules
    properties["traits"] = {"type": "object"}
    properties["context"] = {"type": "object"}
    properties["integrations"] = {"type": "object"}
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "anyOf": [{"required": [field], "properties": {field: present}} for field in ID_FIELDS],
    }
