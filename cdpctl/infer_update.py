"""``cdpctl infer --update PLAN``: add what traffic shows to a plan, keeping everything people wrote.

The plan file is read as YAML data; every call and property it has is kept exactly as written
(descriptions, owners, tags, constraints, types).  Calls and properties seen in the traffic but not
in the plan are added with their inferred definitions, at any depth (a key new to a planned object, to
the objects of a planned array); a key new to an object whose properties a reusable type or a shared
property defines is named instead (added there, it would reach every use).  Planned calls and properties
the traffic never used are kept and marked with a comment (``not observed in the logs``), never deleted.
"""

from __future__ import annotations

from typing import Any

from cdpctl.interop.yamlwrite import Path

NOT_OBSERVED = "not observed in the logs"
ADDED = "added by cdpctl infer"

SECTIONS = (("events", "properties"), ("pages", "properties"), ("screens", "properties"))


class _Merge:
    """One merge: the plan's reusable types and shared library (to say where a nested addition belongs),
    and what it writes: comments by path, a line per addition, a note per key it could not place."""

    def __init__(self, document: dict[str, Any]) -> None:
        types, library = document.get("types"), document.get("properties")
        self.types: dict[str, Any] = types if isinstance(types, dict) else {}
        self.library: dict[str, Any] = library if isinstance(library, dict) else {}
        self.comments: dict[Path, list[str]] = {}
        self.added: list[str] = []
        self.elsewhere: list[str] = []

    def fields(self, planned: dict[str, Any], inferred: dict[str, Any], path: Path, label: str, prefix: str = "") -> None:
        """Add to ``planned`` (properties or traits, in place) what ``inferred`` has and it lacks, at any depth."""
        for name, definition in inferred.items():
            if name not in planned:
                planned[name] = definition
                self.comments.setdefault((*path, name), []).append(ADDED)
                self.added.append(f"{label}: {prefix}{name}")
            elif isinstance(planned[name], dict) and isinstance(definition, dict):
                planned[name] = self.definition(name, planned[name], definition, (*path, name), label, f"{prefix}{name}")
        for name in planned:
            if name not in inferred:
                self.comments.setdefault((*path, name), []).append(NOT_OBSERVED)

    def definition(self, name: str, planned: dict[str, Any], inferred: dict[str, Any], path: Path, label: str, where: str) -> dict[str, Any]:
        """``planned`` with the nested properties (of an object, of array items) ``inferred`` adds."""
        merged = planned
        seen = inferred.get("properties")
        if isinstance(seen, dict) and seen:
            own = planned.get("properties")
            if isinstance(own, dict):
                fields = dict(own)
                self.fields(fields, seen, (*path, "properties"), label, f"{where}.")
                merged = {**merged, "properties": fields}
            else:
                self._defined_elsewhere(name, planned, seen, label, where)
        seen_items, own_items = inferred.get("items"), planned.get("items")
        if isinstance(seen_items, dict) and isinstance(own_items, dict):
            items = self.definition(name, own_items, seen_items, (*path, "items"), label, f"{where}[]")
            merged = {**merged, "items": items}
        return merged

    def _defined_elsewhere(self, name: str, planned: dict[str, Any], seen: dict[str, Any], label: str, where: str) -> None:
        """Name the keys traffic sends in an object whose properties a reusable type or the shared library
        defines: added there, they would reach every use, so they are left to the plan's author."""
        kind = planned.get("type")
        if isinstance(kind, str) and isinstance(self.types.get(kind), dict):
            source, body = f"type '{kind}'", self.types[kind]
        elif kind is None and isinstance(self.library.get(name), dict):
            source, body = f"the shared property '{name}'", self.library[name]
        else:
            return
        known = body.get("properties")
        missing = [key for key in seen if not isinstance(known, dict) or key not in known]
        if missing:
            keys = ", ".join(f"{where}.{key}" for key in missing)
            self.elsewhere.append(f"{label}: {keys} (defined by {source}: add {'it' if len(missing) == 1 else 'them'} there)")


def merge_into(
    document: dict[str, Any], inferred: dict[str, Any]
) -> tuple[dict[str, Any], dict[Path, list[str]], list[str], list[str]]:
    """``document`` (a plan as YAML data) with the inferred calls and properties added.

    Returns the merged document, the comments to write above keys, a line per addition, and a line per
    key traffic sends that belongs to a reusable type or a shared property (not added: named).
    """
    merge = _Merge(document)
    comments, added = merge.comments, merge.added
    merged = dict(document)  # ``inferred`` is written without shared definitions: each addition stands alone
    for section, key in SECTIONS:
        planned_calls = dict(merged.get(section) or {})
        seen_calls = inferred.get(section) or {}
        for name, body in seen_calls.items():
            if name not in planned_calls:
                planned_calls[name] = body
                comments.setdefault((section, name), []).append(ADDED)
                added.append(f"{section}: {name}")
                continue
            call = dict(planned_calls[name] or {})
            fields = dict(call.get(key) or {})
            merge.fields(fields, body.get(key) or {}, (section, name, key), name)
            if fields:
                call[key] = fields
            planned_calls[name] = call
        for name in planned_calls:
            if name not in seen_calls:
                comments.setdefault((section, name), []).append(NOT_OBSERVED)
        if planned_calls:
            merged[section] = planned_calls
    for section in ("identify", "group"):
        seen: dict[str, Any] | None = inferred.get(section)
        existing = dict(merged.get(section) or {}) if isinstance(merged.get(section), dict) else None
        if seen is None:
            if existing is not None:
                comments.setdefault((section,), []).append(NOT_OBSERVED)
            continue
        if existing is None:
            merged[section] = seen
            comments.setdefault((section,), []).append(ADDED)
            added.append(section)
            continue
        traits = dict(existing.get("traits") or {})
        merge.fields(traits, seen.get("traits") or {}, (section, "traits"), section)
        existing["traits"] = traits
        merged[section] = existing
    return merged, comments, added, merge.elsewhere
