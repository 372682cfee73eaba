"""References in imported JSON Schemas: local ``$ref``s inlined, and the schema resources a document embeds."""

from __future__ import annotations

import copy
from typing import Any

from cdpctl.interop.notes import Note, pointer_join
from cdpctl.rawschema_size import fragment_target


def resolve_local_refs(root: Any, notes: list[Note], base: str) -> Any:
    """``root`` with every local ``$ref`` (``#/definitions/x``) replaced by its target (non-recursive ones)."""

    def target(ref: str) -> Any:
        return fragment_target(root, ref)

    def walk(node: Any, pointer: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [walk(item, pointer_join(pointer, index), stack) for index, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if "$schema" in node and pointer != base:  # a schema resource of its own: its references are its own
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#") or ref in stack:
                why = "recursive" if ref in stack else "remote"
                notes.append(Note(pointer_join(pointer, "$ref"), f"{why} $ref '{ref}' cannot be inlined; kept as is"))
                return node
            try:
                found = target(ref)
            except KeyError:
                notes.append(Note(pointer_join(pointer, "$ref"), f"$ref '{ref}' points nowhere; kept as is"))
                return node
            return walk(copy.deepcopy(found), pointer, (*stack, ref))
        return {key: walk(value, pointer_join(pointer, key), stack) for key, value in node.items()}

    return walk(root, base, ())


def own_id(key: str, value: Any) -> bool:
    """Whether ``key: value`` is the content ``$id`` cdpctl gives an exported raw block."""
    from cdpctl.rawschema import URN_PREFIX

    return key == "$id" and isinstance(value, str) and value.startswith(URN_PREFIX)


def has_ref(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or any(has_ref(value) for value in schema.values())
    if isinstance(schema, list):
        return any(has_ref(item) for item in schema)
    return False
