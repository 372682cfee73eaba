"""References in imported JSON Schemas: local ``$ref``s inlined, and the schema resources a document embeds."""

from __future__ import annotations

import copy
from typing import Any

from cdpctl.interop.notes import Note, pointer_join
from cdpctl.rawschema_size import fragment_target

MAX_INLINED_NODES = 50_000
"""Objects and arrays an import may grow to once its ``$ref``s are inlined, all its schemas together (the plan
loader's bound on properties): a chain of definitions that each refer twice to the next doubles at every step."""


DEFINITIONS = ("definitions", "$defs")


def resolve_local_refs(root: Any, notes: list[Note], base: str, budget: list[int] | None = None) -> Any:
    """``root`` with every local ``$ref`` (``#/definitions/x``) replaced by its target (non-recursive ones).

    ``budget`` (one-item list, shared by the schemas of an import): the objects and arrays inlining may still
    add.  A reference whose target would take more than is left stays as written, with a note (the property
    accepts any value): a 2 KB chain of doubling references took minutes and hundreds of megabytes."""
    left = budget if budget is not None else [MAX_INLINED_NODES]
    sizes: dict[str, int] = {}

    def target(ref: str) -> Any:
        return fragment_target(root, ref)

    def size(node: Any, stack: tuple[str, ...]) -> int:
        """The objects and arrays ``node`` holds once inlined (counted no further than the budget)."""
        if isinstance(node, list):
            return min(1 + sum(size(item, stack) for item in node), MAX_INLINED_NODES + 1)
        if not isinstance(node, dict):
            return 0
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#") and ref not in stack and ("$schema" not in node):
            if ref not in sizes:
                try:
                    found = target(ref)
                except KeyError:
                    return 1
                sizes[ref] = size(found, (*stack, ref))
            return sizes[ref]
        return min(1 + sum(size(value, stack) for value in node.values()), MAX_INLINED_NODES + 1)

    def walk(node: Any, pointer: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, (list, dict)):
            left[0] -= 1
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
            if size(found, (*stack, ref)) > left[0]:
                notes.append(Note(pointer_join(pointer, "$ref"), f"$ref '{ref}' is not inlined: it would grow the import "
                                  f"past {MAX_INLINED_NODES:,} objects and arrays (references that multiply); kept as is"))
                return node
            return walk(copy.deepcopy(found), pointer, (*stack, ref))
        return {
            key: value if pointer == base and key in DEFINITIONS else walk(value, pointer_join(pointer, key), stack)
            for key, value in node.items()
        }  # the definitions themselves are only targets: read where they are referred to, never inlined in place

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
