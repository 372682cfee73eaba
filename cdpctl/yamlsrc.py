"""Safe YAML loading that keeps the file, line and column of every node: the node tree.

PyYAML's ``safe_load`` drops positions and silently keeps the last of two
duplicate keys.  Here the document is *composed* (never constructed into
arbitrary objects), scalars are resolved with the safe resolver (without the
timestamp rule, so ``2024-01-01`` stays a string), and the result is a small
tree of :class:`YMap`, :class:`YSeq` and :class:`YScalar` nodes, each with a
:class:`Pos`.  This module owns the tree and what reads it; the composing
itself (PyYAML's parser events into the tree) is :mod:`cdpctl.yamlcompose`,
imported by :func:`parse_yaml` when a file is read (a plan answered by the plan
cache never imports PyYAML).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

from cdpctl.errors import PlanIssue, Pos


@dataclass(slots=True)
class YScalar:
    value: Any
    pos: Pos


@dataclass(slots=True)
class YSeq:
    items: list[YNode]
    pos: Pos


@dataclass(slots=True)
class YMap:
    """A mapping; ``keys`` holds the position of each key, ``values`` the value nodes."""

    values: dict[str, YNode]
    keys: dict[str, Pos]
    pos: Pos

    def get(self, key: str) -> YNode | None:
        return self.values.get(key)


YNode = Union[YScalar, YSeq, YMap]


MAX_NUMBER_CHARS = 4000
"""The longest integer a plan may write (Python refuses to read decimal integers of more than 4,300 digits)."""


MAX_ALIAS_NODES = 100_000
"""The most nodes YAML aliases may add to a document once expanded (stops "billion laughs" documents)."""
MAX_DEPTH = 200


def parse_yaml(text: str, file: str) -> tuple[YNode | None, list[PlanIssue]]:
    """Compose ``text`` into a positioned tree; problems are returned, never raised."""
    from cdpctl.yamlcompose import compose_text

    return compose_text(text, file)


def non_finite_numbers(node: YNode) -> list[Pos]:
    """Where ``.nan``, ``.inf`` or ``-.inf`` is written (JSON, which plans compile to, has none of them)."""
    found: list[Pos] = []
    stack: list[YNode] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, YScalar):
            if isinstance(item.value, float) and not math.isfinite(item.value):
                found.append(item.pos)
        elif isinstance(item, YSeq):
            stack.extend(item.items)
        else:
            stack.extend(item.values.values())
    return sorted(found)


def offset_in_scalar(line: str, pos: Pos, offset: int) -> Pos:
    """The position of character ``offset`` of the string scalar written at ``pos`` on ``line``.

    Handles plain, single-quoted and double-quoted scalars on one line
    (escapes in double quotes count as one character); anything else
    falls back to the scalar's own position.
    """
    start = pos.column - 1
    if start >= len(line):
        return pos
    quote = line[start]
    if quote not in "\"'":
        return Pos(pos.file, pos.line, pos.column + offset)
    column = start + 1
    remaining = offset
    while remaining > 0 and column < len(line):
        char = line[column]
        if quote == '"' and char == "\\" or quote == "'" and char == "'" and line[column + 1 : column + 2] == "'":
            column += 2
        elif char == quote:
            return pos
        else:
            column += 1
        remaining -= 1
    return Pos(pos.file, pos.line, column + 1)


def to_python(node: YNode) -> Any:
    """Plain Python value of a node (positions dropped)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_python(item) for item in node.items]
    return {key: to_python(value) for key, value in node.values.items()}
