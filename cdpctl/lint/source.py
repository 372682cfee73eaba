"""Exact positions inside a plan's YAML: enum values, characters of a pattern, words of a name.

The model keeps the position of every key; a few rules need finer positions
(the third value of an enum, the lookbehind inside a pattern).  This index
re-parses a source file only when a rule first asks about it, so a clean plan
costs nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cdpctl.errors import Pos
from cdpctl.yamlsrc import YMap, YNode, YSeq, offset_in_scalar, parse_yaml

if TYPE_CHECKING:
    from cdpctl.lint.walk import Definition
    from cdpctl.model import Plan


@dataclass
class _FileIndex:
    by_key: dict[tuple[int, int], YNode] = field(default_factory=dict)
    by_node: dict[tuple[int, int], YNode] = field(default_factory=dict)


class SourceIndex:
    """Look up the YAML node of a key or at a position, and columns inside scalars.

    It also keeps the plan's property definitions (:func:`cdpctl.lint.walk.definitions`)
    once computed, since most rules walk them.
    """

    def __init__(self, sources: dict[str, str]) -> None:
        self._sources = sources
        self._files: dict[str, _FileIndex] = {}
        self._lines: dict[str, list[str]] = {}
        self._definitions: tuple[Plan, list[Definition]] | None = None

    def definitions(self, plan: Plan) -> list[Definition]:
        """Every property definition of ``plan``, each once (computed on first use)."""
        if self._definitions is None or self._definitions[0] is not plan:
            from cdpctl.lint.walk import definitions

            self._definitions = (plan, list(definitions(plan)))
        return self._definitions[1]

    def _index(self, file: str) -> _FileIndex:
        cached = self._files.get(file)
        if cached is not None:
            return cached
        index = _FileIndex()
        text = self._sources.get(file)
        if text is not None:
            root, _ = parse_yaml(text, file)
            if root is not None:
                stack: list[YNode] = [root]
                while stack:
                    node = stack.pop()
                    index.by_node.setdefault((node.pos.line, node.pos.column), node)
                    if isinstance(node, YMap):
                        for key, child in node.values.items():
                            kpos = node.keys[key]
                            index.by_key[(kpos.line, kpos.column)] = child
                            stack.append(child)
                    elif isinstance(node, YSeq):
                        stack.extend(node.items)
        self._files[file] = index
        return index

    def value_of_key(self, key_pos: Pos) -> YNode | None:
        """The value node of the mapping key written at ``key_pos``."""
        return self._index(key_pos.file).by_key.get((key_pos.line, key_pos.column))

    def node_at(self, pos: Pos) -> YNode | None:
        """The node that starts at ``pos``."""
        return self._index(pos.file).by_node.get((pos.line, pos.column))

    def line(self, file: str, number: int) -> str:
        """Line ``number`` (1-based) of ``file``, without its newline; empty when unknown."""
        lines = self._lines.get(file)
        if lines is None:
            lines = self._sources.get(file, "").splitlines()
            self._lines[file] = lines
        return lines[number - 1] if 0 < number <= len(lines) else ""

    def offset_in_scalar(self, pos: Pos, offset: int) -> Pos:
        """The position of character ``offset`` of the string scalar written at ``pos``.

        Handles plain, single-quoted and double-quoted scalars on one line
        (escapes in double quotes count as one character); anything else
        falls back to the scalar's own position.
        """
        return offset_in_scalar(self.line(pos.file, pos.line), pos, offset)
