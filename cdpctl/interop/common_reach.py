"""Where Segment's ``COMMON`` rule reaches further than a plan's ``common:`` section, on import.

Segment checks the ``COMMON`` rule against the whole payload of every call.  A plan's ``common:``
section applies its ``properties`` to track, page and screen calls, its ``traits`` to identify and group
calls, and admits a common field on a call that forbids unplanned ones.  Three differences follow, each
named by a note (:func:`reach_notes`, :func:`drop_copies`):

* rules on ``traits`` are not applied to the ``traits`` of a track, page, screen or alias call, nor
  rules on ``properties`` to those of an identify, group or alias call (an ``info`` note: the Spec gives
  those calls no such field, and ``export segment`` writes the same ``COMMON`` rule);
* a ``required`` list of the message (``required: ["traits"]``) is enforced only on the calls the part
  applies to;
* a call whose rule forbids unplanned fields and does not list a common one refuses it in Segment.

``export segment`` copies the common fields into such calls' rules; :func:`drop_copies` takes those
copies out again, so export then import is a fixed point and keeps the meaning.
"""

from __future__ import annotations

from typing import Any

from cdpctl.interop.notes import Note

FIELD_KEY = {"events": "properties", "pages": "properties", "screens": "properties", "identify": "traits", "group": "traits"}
"""The part of the message that ``common:`` governs on each section's calls."""

OTHER_CALLS = {
    "properties": "identify, group and alias calls",
    "traits": "track, page, screen and alias calls",
}
"""The calls whose ``properties`` / ``traits`` Segment's ``COMMON`` rule checks and ``common:`` does not."""


def reach_notes(pointer: str, parts: dict[str, tuple[Any, str]], required: Any) -> list[Note]:
    """The notes on a ``COMMON`` rule's parts (``parts``: the schema and pointer of ``properties`` and
    ``traits``) and its message-level ``required`` list (at ``pointer``/required)."""
    notes: list[Note] = []
    for key, calls in OTHER_CALLS.items():
        sub, where = parts.get(key, (None, pointer))
        if isinstance(sub, dict) and (sub.get("properties") or sub.get("required") or sub.get("additionalProperties") is False):
            notes.append(
                Note(
                    where,
                    f"the common rules on '{key}' are not applied to the '{key}' of {calls} (Segment applies them; "
                    "the Spec gives those calls none)",
                    "info",
                )
            )
    names = [name for name in required if name in OTHER_CALLS] if isinstance(required, list) else []
    for name in names:
        notes.append(
            Note(
                f"{pointer}/required",
                f"every message must have '{name}': enforced only where common '{name}' rules apply, not on {OTHER_CALLS[name]}",
            )
        )
    return notes


def drop_copies(plan: dict[str, Any], pointer: str) -> list[Note]:
    """Remove from each call that forbids unplanned fields the copies of common fields (what ``export
    segment`` adds); a note for each call that lacks a common field it would refuse in Segment."""
    common = plan.get("common")
    if not isinstance(common, dict):
        return []
    notes: list[Note] = []
    for section, key in FIELD_KEY.items():
        shared = common.get(key)
        if not isinstance(shared, dict) or not shared:
            continue
        for label, call in _calls(plan, section):
            if call.get("additional_properties", plan.get("defaults", {}).get("additional_properties", True)):
                continue
            fields = call.get(key)
            if not isinstance(fields, dict):
                fields = call[key] = {}
            missing = []
            for name, definition in shared.items():
                if name not in fields:
                    missing.append(name)
                elif fields[name] == definition:
                    del fields[name]
            if missing:
                shown = ", ".join(repr(name) for name in missing)
                notes.append(
                    Note(
                        pointer,
                        f"{label} forbids unplanned {key} and does not list the common {shown}: Segment refuses "
                        "them there, cdpctl admits them (a common field is always allowed)",
                    )
                )
    return notes


def _calls(plan: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
    value = plan.get(section)
    if section in ("identify", "group"):
        return [(section, value)] if isinstance(value, dict) else []
    if not isinstance(value, dict):
        return []
    kind = {"events": "track", "pages": "page", "screens": "screen"}[section]
    return [(f"{kind} {name!r}", call) for name, call in value.items() if isinstance(call, dict)]
