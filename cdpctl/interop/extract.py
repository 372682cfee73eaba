"""Move property definitions that recur identically into the plan's shared ``properties:`` library.

A property whose name matches a shared entry inherits it, so a name is extracted only when *every*
property of that name in the plan (at any depth) has the same definition, apart from ``required``.
Each use then shrinks to ``{}`` or ``{required: true}``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from cdpctl.interop.convert import Path

FIELD_KEYS = ("properties", "traits", "context")


def _key(definition: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in definition.items() if k != "required"}, sort_keys=True)


def _fields(document: dict[str, Any]) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every mapping of named properties in the calls and common rules, with its path."""
    for section in ("events", "pages", "screens"):
        for name, call in (document.get(section) or {}).items():
            if isinstance(call.get("properties"), dict):
                yield (section, name, "properties"), call["properties"]
    for section in ("identify", "group"):
        call = document.get(section)
        if isinstance(call, dict) and isinstance(call.get("traits"), dict):
            yield (section, "traits"), call["traits"]
    common = document.get("common")
    if isinstance(common, dict):
        for key in FIELD_KEYS:
            if isinstance(common.get(key), dict):
                yield ("common", key), common[key]


def _occurrences(fields: dict[str, Any], path: Path) -> Iterator[tuple[Path, str, dict[str, Any], dict[str, Any]]]:
    """``(path, name, definition, parent mapping)`` for each named property, depth first."""
    for name, definition in fields.items():
        if not isinstance(definition, dict):
            continue
        here = (*path, name)
        yield here, name, definition, fields
        yield from _nested(definition, here)


def _nested(definition: dict[str, Any], path: Path) -> Iterator[tuple[Path, str, dict[str, Any], dict[str, Any]]]:
    children = definition.get("properties")
    if isinstance(children, dict):
        yield from _occurrences(children, (*path, "properties"))
    items = definition.get("items")
    if isinstance(items, dict):
        yield from _nested(items, (*path, "items"))


def extract_shared(document: dict[str, Any], comments: dict[Path, list[str]]) -> dict[str, Any]:
    """Fill ``document['properties']`` with the names that recur identically; shrink their uses in place."""
    seen: dict[str, list[tuple[Path, dict[str, Any], dict[str, Any]]]] = {}
    keys: dict[str, set[str]] = {}
    for path, fields in list(_fields(document)):
        for here, name, definition, parent in _occurrences(fields, path):
            seen.setdefault(name, []).append((here, definition, parent))
            keys.setdefault(name, set()).add(_key(definition))
    library: dict[str, Any] = dict(document.get("properties") or {})
    for name, uses in seen.items():
        if len(uses) < 2 or len(keys[name]) != 1 or name in library or not name.strip():
            continue  # a blank name stays where it is: the shared library cannot hold one
        first_path, first, _ = uses[0]
        library[name] = copy.deepcopy({k: v for k, v in first.items() if k != "required"})
        if "properties" not in first and "items" not in first and first_path not in comments:
            continue
        for path, text in list(comments.items()):
            if path[: len(first_path)] == first_path:
                comments.setdefault(("properties", name, *path[len(first_path) :]), []).extend(text)
    for name in library:
        for here, definition, parent in seen.get(name, []):
            if name not in parent or parent[name] is not definition:
                continue  # already shrunk through an enclosing definition
            parent[name] = {"required": True} if definition.get("required") else {}
            if "properties" not in definition and "items" not in definition:
                continue
            for path in list(comments):
                if path[: len(here)] == here and path != here:
                    del comments[path]
    return library
