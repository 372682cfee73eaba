"""Rules for calls: track events, pages and screens added, removed, renamed, deprecated; sections governed or not.

Each call is then compared property by property (:mod:`cdpctl.diff.properties`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from cdpctl.diff import docs, properties
from cdpctl.diff.rules import Change, Example, Rule, Where
from cdpctl.errors import Pos
from cdpctl.model import Call, Plan, Property

BREAK, WARN, INFO = "breaking", "warning", "info"

EVENT_ADDED = Rule(
    "event-added", INFO, INFO, "A track event, page or screen was added to the plan.",
    Example("Signed Up: {}", "Signed Up: {}\nLogged In: {}", scope="event"),
)
EVENT_REMOVED = Rule(
    "event-removed", BREAK, BREAK,
    "A track event, page or screen was removed: producers still sending it fail, consumers lose it.",
    Example("Signed Up: {}\nLogged In: {}", "Signed Up: {}", scope="event"),
)
EVENT_RENAMED = Rule(
    "event-renamed", BREAK, BREAK, "Likely rename: an event was removed and one with the same definition added.",
    Example(
        "Signup Done: {properties: {method: {type: string}}}",
        "Signed Up: {properties: {method: {type: string}}}",
        scope="event",
    ),
)
EVENT_DEPRECATED = Rule(
    "event-deprecated", WARN, WARN, "A call was marked deprecated: producers should stop sending it, consumers stop relying on it.",
    Example("Signed Up: {}", "Signed Up: {deprecated: true}", scope="event"),
)
EVENT_UNDEPRECATED = Rule(
    "event-undeprecated", INFO, INFO, "A call is no longer deprecated.",
    Example("Signed Up: {deprecated: true}", "Signed Up: {}", scope="event"),
)
SECTION_ADDED = Rule(
    "section-added", WARN, INFO,
    "A section (identify, group, pages, screens) now exists: those calls are governed by the plan from now on.",
    Example("events: {}", "events: {}\nidentify: {traits: {email: {type: string}}}", scope="plan"),
)
SECTION_REMOVED = Rule(
    "section-removed", INFO, BREAK,
    "A section (identify, group, pages, screens) was removed: those calls are no longer governed.",
    Example("events: {}\nidentify: {traits: {email: {type: string}}}", "events: {}", scope="plan"),
)

RULES: tuple[Rule, ...] = (
    EVENT_ADDED,
    EVENT_REMOVED,
    EVENT_RENAMED,
    EVENT_DEPRECATED,
    EVENT_UNDEPRECATED,
    SECTION_ADDED,
    SECTION_REMOVED,
)

_KIND = {"track": "event", "page": "page", "screen": "screen"}


def _where(call: Call) -> Where:
    return Where(call.type, call.name, "trait" if call.field_key == "traits" else "property")


def call_signature(call: Call) -> str:
    """What a call means for validation, without its name or documentation."""
    return json.dumps(
        {
            "additional_properties": call.additional_properties,
            "fields": {name: properties.definition(prop) for name, prop in sorted(call.fields.items())},
        },
        sort_keys=True,
        default=str,
    )


def with_common_stand_ins(old: Call, new: Call) -> tuple[dict[str, Property], dict[str, Property]]:
    """The call's own fields of each side, where a name is the call's own on one side only and a ``common:``
    rule of the other side defines it, with that rule standing in: a closed call admits the common names,
    so a property the call adds under a common name narrows what was accepted (it was "added, optional",
    info, while messages valid before failed), and one it drops leaves the common rule (not "removed")."""
    old_fields = dict(old.fields)
    old_fields.update({name: old.common_fields[name] for name in new.fields if name not in old.fields and name in old.common_fields})
    new_fields = dict(new.fields)
    new_fields.update({name: new.common_fields[name] for name in old.fields if name not in new.fields and name in new.common_fields})
    return old_fields, new_fields


def compare_call(old: Call, new: Call) -> Iterator[Change]:
    """Every change between two versions of one call."""
    where = _where(new)
    subject = docs.where_label(where)
    if old.deprecated != new.deprecated:
        rule = EVENT_DEPRECATED if new.deprecated else EVENT_UNDEPRECATED
        state = "is now deprecated" if new.deprecated else "is no longer deprecated"
        yield where.change(
            rule, "", f"{subject} {state}", old.deprecated, new.deprecated, new.key_pos.get("deprecated", new.pos)
        )
    fields_pos = new.key_pos.get(new.field_key, new.pos)
    yield from properties.compare_openness(
        where, new.field_key, old.additional_properties, new.additional_properties,
        new.key_pos.get("additional_properties", new.pos), f"the {new.field_key} of {subject}",
    )
    old_fields, new_fields = with_common_stand_ins(old, new)
    yield from properties.compare_fields(
        where, new.field_key, old_fields, new_fields, old.additional_properties, new.additional_properties, fields_pos
    )
    yield from docs.compare_description(where, "", old.description, new.description, new.key_pos.get("description", new.pos))
    yield from docs.compare_call_docs(
        where, old.owner, new.owner, old.tags, new.tags, old.version, new.version, new.pos, new.key_pos
    )
    yield from docs.compare_extras(where, "", old.extra, new.extra, new.pos)


def compare_named_calls(
    call_type: str, old: dict[str, Call], new: dict[str, Call], section_pos: Pos
) -> Iterator[Change]:
    """Track events, pages or screens: added, removed, likely renamed, then each common one in detail."""
    kind = _KIND[call_type]
    removed = {name: call_signature(call) for name, call in old.items() if name not in new}
    added = {name: call_signature(call) for name, call in new.items() if name not in old}
    renames = [
        (old_name, new_name)
        for old_name, new_name in properties.pair_renames(removed, added)
        # an empty definition matches any other empty one: only a shared description makes it likely
        if old[old_name].fields or (old[old_name].description and old[old_name].description == new[new_name].description)
    ]
    renamed_old = {old_name for old_name, _ in renames}
    renamed_new = {new_name for _, new_name in renames}
    for name, call in old.items():
        if name in new:
            yield from compare_call(call, new[name])
        elif name not in renamed_old:
            yield Where(call_type, name).change(
                EVENT_REMOVED, "", f"{kind} '{name}' was removed", name, None, section_pos
            )
    for old_name, new_name in renames:
        yield Where(call_type, new_name).change(
            EVENT_RENAMED, "",
            f"{kind} '{old_name}' was likely renamed to '{new_name}' (removed and added with the same definition)",
            old_name, new_name, new[new_name].pos,
        )
        yield from compare_call(old[old_name], new[new_name])
    for name, call in new.items():
        if name in old or name in renamed_new:
            continue
        yield Where(call_type, name).change(EVENT_ADDED, "", f"{kind} '{name}' was added", None, name, call.pos)


def _section_change(section: str, call_type: str, governed: bool, names: list[str], pos: Pos) -> Change:
    what = {"identify": "identify traits", "group": "group traits", "pages": "page calls", "screens": "screen calls"}[section]
    listed = f" ({len(names)}: {', '.join(names)})" if names else ""
    if governed:
        return Where(call_type, None).change(
            SECTION_ADDED, "", f"'{section}:' was added: {what} are now governed by the plan{listed}",
            None, names or None, pos,
        )
    return Where(call_type, None).change(
        SECTION_REMOVED, "", f"'{section}:' was removed: {what} are no longer governed by the plan{listed}",
        names or None, None, pos,
    )


def compare_calls(old: Plan, new: Plan) -> Iterator[Change]:
    """Every call-level change between two plans, in plan order."""
    yield from compare_named_calls("track", old.events, new.events, new.key_pos.get("events", new.pos))
    for section in ("identify", "group"):
        old_call: Call | None = getattr(old, section)
        new_call: Call | None = getattr(new, section)
        if old_call is not None and new_call is not None:
            yield from compare_call(old_call, new_call)
        elif old_call is not None or new_call is not None:
            yield _section_change(
                section, section, new_call is not None, [], new.key_pos.get(section, new.pos)
            )
    for section, call_type in (("pages", "page"), ("screens", "screen")):
        old_calls: dict[str, Call] | None = getattr(old, section)
        new_calls: dict[str, Call] | None = getattr(new, section)
        section_pos = new.key_pos.get(section, new.pos)
        if old_calls is not None and new_calls is not None:
            yield from compare_named_calls(call_type, old_calls, new_calls, section_pos)
        elif old_calls is not None or new_calls is not None:
            names = list((new_calls if new_calls is not None else old_calls) or {})
            yield _section_change(section, call_type, new_calls is not None, names, section_pos)
