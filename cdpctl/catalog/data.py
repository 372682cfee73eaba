"""The catalog's data: the plan as plain JSON-able values, with what traffic and a diff add to it.

Everything the catalog shows is here, and only here: the page's script renders this data with DOM text
nodes (never HTML), so a name or description holding markup shows as text.  The output is
deterministic: the same plan (and logs, and diff) gives the same data, key for key.
"""

from __future__ import annotations

from typing import Any

from cdpctl.model import Call, Plan, Property
from cdpctl.observe import Observations
from cdpctl.slug import unique_slugs

SECTION = {"track": "events", "page": "pages", "screen": "screens", "identify": "identify", "group": "group"}
"""The route segment of each call type: ``#/events/order-completed``, ``#/identify``."""


def _constraints(prop: Property) -> dict[str, Any]:
    shown = dict(prop.constraints)
    raw = prop.extra.get("json_schema")
    if raw is not None:
        shown["json_schema"] = raw
    return shown


def _property(name: str, prop: Property, path: str, used_by: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "path": path,
        "type": prop.type + (" or null" if prop.nullable else ""),
        "required": prop.required,
        "description": prop.description or "",
        "constraints": _constraints(prop),
        "examples": prop.extra.get("examples", []),
        "deprecated": prop.deprecated,
    }
    if prop.ref:
        out["ref"] = prop.ref
    if prop.shared:
        out["shared"] = prop.shared  # its users are listed once, under the data's "shared"
    children = [_property(child, value, f"{path}.{child}", used_by) for child, value in prop.properties.items()]
    if prop.items is not None:
        children.append(_property("[]", prop.items, f"{path}[]", used_by))
    if children:
        out["children"] = children
    return out


def _shared_users(plan: Plan) -> dict[str, list[str]]:
    """For each shared definition, the labels of the calls that use it (sorted)."""
    users: dict[str, set[str]] = {}
    for call in plan.calls():
        for _path, prop in call.walk():
            if prop.shared:
                users.setdefault(prop.shared, set()).add(call.label)
            if prop.ref:
                users.setdefault(prop.ref, set()).add(call.label)
    return {name: sorted(labels) for name, labels in users.items()}


def _note(call: Call) -> str:
    replaced = call.extra.get("x-replaced-by")
    if isinstance(replaced, str):
        return f"Replaced by {replaced}."
    return ""


def _observed(call: Call, observations: Observations) -> dict[str, Any]:
    stats = observations.calls.get((call.type, call.name))
    if stats is None:
        return {"volume": 0, "valid": 0, "first_seen": None, "last_seen": None, "violations": {},
                "never_sent": sorted(call.fields)}
    return {
        "volume": stats.volume,
        "valid": stats.valid,
        "first_seen": stats.first,
        "last_seen": stats.last,
        "violations": dict(sorted(stats.codes.items())),
        "never_sent": sorted(name for name in call.fields if name not in stats.sent),
        "always_null": sorted(name for name in call.fields if stats.sent.get(name) and stats.null.get(name) == stats.sent[name]),
        "unplanned_properties": sorted(
            ({"name": name, "volume": count} for name, count in stats.sent.items() if name not in call.fields),
            key=lambda item: (-item["volume"], item["name"]),
        ),
    }


def catalog_data(plan: Plan, observations: Observations | None = None, changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The whole catalog as JSON-able data."""
    used_by = _shared_users(plan)
    calls = list(plan.calls())
    slugs: dict[str, dict[str, str]] = {}
    for kind in ("track", "page", "screen"):
        slugs[kind] = unique_slugs([c.name or "" for c in calls if c.type == kind])
    entries = []
    for call in calls:
        route = SECTION[call.type] + (f"/{slugs[call.type][call.name or '']}" if call.type in slugs else "")
        entry: dict[str, Any] = {
            "route": route,
            "type": call.type,
            "name": call.name or call.type,
            "label": call.label,
            "description": call.description or "",
            "owner": call.owner or "",
            "tags": sorted(call.tags),
            "status": "deprecated" if call.deprecated else "active",
            "note": _note(call),
            "field_key": call.field_key,
            "additional_properties": call.additional_properties,
            "properties": [_property(name, prop, f"{call.field_key}.{name}", used_by) for name, prop in call.fields.items()],
        }
        if observations is not None:
            entry["observed"] = _observed(call, observations)
        entries.append(entry)
    data: dict[str, Any] = {
        "plan": {"name": plan.name, "version": plan.version, "description": plan.description or ""},
        "calls": entries,
        "shared": {name: users for name, users in sorted(used_by.items())},
    }
    if observations is not None:
        planned = {(c.type, c.name) for c in calls}
        governed = {"page"} if plan.pages is not None else set()  # a section, even empty, governs its calls
        governed |= {"screen"} if plan.screens is not None else set()
        unplanned = [
            {"type": key[0], "name": key[1] or key[0], "volume": stats.volume}
            for key, stats in observations.calls.items()
            if key not in planned and key[0] in ("track", "page", "screen") and (key[0] == "track" or key[0] in governed)
        ]
        data["observed"] = {
            "records": observations.records,
            "malformed": observations.malformed,
            "unplanned": sorted(unplanned, key=lambda item: (-item["volume"], item["type"], item["name"])),
        }
    if changes is not None:
        data["changes"] = changes
    return data
