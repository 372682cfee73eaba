"""References in imported JSON Schemas: local ``$ref``s inlined, and the schema resources a document embeds."""

from __future__ import annotations

import copy
from typing import Any

from cdpctl.interop.notes import Note, pointer_join
from cdpctl.rawschema_size import fragment_target

MAX_INLINED_NODES = 250_000
"""Objects and arrays a schema may grow to once its ``$ref``s are inlined (the plan loader's bound on
properties): a chain of definitions that each refer twice to the next doubles at every step."""


class _TooLarge(Exception):
    pass


def resolve_local_refs(root: Any, notes: list[Note], base: str) -> Any:
    """``root`` with every local ``$ref`` (``#/definitions/x``) replaced by its target (non-recursive ones).

    A schema that would grow past :data:`MAX_INLINED_NODES` keeps its references as written, with a note
    (a 2 KB chain of doubling references took minutes and hundreds of megabytes, then a 10 MB plan)."""
    budget = [MAX_INLINED_NODES]

    def target(ref: str) -> Any:
        return fragment_target(root, ref)

    def walk(node: Any, pointer: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, (list, dict)):
            budget[0] -= 1
            if budget[0] < 0:
                raise _TooLarge
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

    kept = len(notes)
    try:
        return walk(root, base, ())
    except _TooLarge:
        del notes[kept:]  # the notes of the walk given up
        notes.append(Note(base, f"inlining its $refs would grow the schema past {MAX_INLINED_NODES:,} objects and "
                                "arrays; its references are kept as written"))
        return root


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
