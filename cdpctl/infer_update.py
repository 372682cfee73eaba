"""``cdpctl infer --update PLAN``: add what traffic shows to a plan, keeping everything people wrote.

The plan file is read as YAML data; every call and property it has is kept exactly as written
(descriptions, owners, tags, constraints, types).  Calls and properties seen in the traffic but not
in the plan are added with their inferred definitions.  Planned calls and properties the traffic
never used are kept and marked with a comment (``not observed in the logs``), never deleted.
"""

from __future__ import annotations

from typing import Any

from cdpctl.interop.yamlwrite import Path

NOT_OBSERVED = "not observed in the logs"
ADDED = "added by cdpctl infer"

SECTIONS = (("events", "properties"), ("pages", "properties"), ("screens", "properties"))


def _merge_fields(planned: dict[str, Any], inferred: dict[str, Any], path: Path, comments: dict[Path, list[str]],
                  added: list[str], label: str) -> None:
    for name, definition in inferred.items():
        if name not in planned:
            planned[name] = definition
            comments.setdefault((*path, name), []).append(ADDED)
            added.append(f"{label}: {name}")
    for name in planned:
        if name not in inferred:
            comments.setdefault((*path, name), []).append(NOT_OBSERVED)


def merge_into(document: dict[str, Any], inferred: dict[str, Any]) -> tuple[dict[str, Any], dict[Path, list[str]], list[str]]:
    """``document`` (a plan as YAML data) with the inferred calls and properties added.

    Returns the merged document, the comments to write above keys, and a line per addition.
    """
    comments: dict[Path, list[str]] = {}
    added: list[str] = []
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
            _merge_fields(fields, body.get(key) or {}, (section, name, key), comments, added, name)
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
        _merge_fields(traits, seen.get("traits") or {}, (section, "traits"), comments, added, section)
        existing["traits"] = traits
        merged[section] = existing
    return merged, comments, added
