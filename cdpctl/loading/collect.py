"""Error collection: every problem of a plan is collected with its position, never raised one at a time.

:class:`Collector` is the base of the loader: it keeps the issues found so far and the small checks
every section uses (unknown keys with a did-you-mean, "must be a mapping", typed scalars, ``x-`` keys).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cdpctl.errors import PlanIssue, Pos
from cdpctl.loading.keys import describe, did_you_mean
from cdpctl.yamlsrc import YMap, YNode, YScalar, to_python


class Collector:
    """The issues found so far (``unreadable``: positions the YAML layer already reported)."""

    def __init__(self) -> None:
        self.issues: list[PlanIssue] = []
        self.unreadable: set[Pos] = set()

    def error(self, pos: Pos, message: str) -> None:
        if pos in self.unreadable:
            return  # the YAML layer already said the value there cannot be read
        self.issues.append(PlanIssue(pos, message))

    def check_keys(self, node: YMap, allowed: Iterable[str], where: str, misplaced: str = "") -> None:
        """Each key of ``node`` not in ``allowed`` is an error, with the closest allowed key as a hint; else, when
        its value is a mapping, ``misplaced`` (what such a key usually is, and where it goes)."""
        allowed = tuple(allowed)
        for key, pos in node.keys.items():
            if key in allowed or key.startswith("x-"):
                continue
            hint = did_you_mean(key, allowed)
            if not hint and misplaced and isinstance(node.values.get(key), YMap):
                hint = f" ({misplaced})"
            self.error(pos, f"unknown key '{key}' in {where}{hint}")

    def as_map(self, node: YNode | None, what: str) -> YMap | None:
        if node is None:
            return None
        if isinstance(node, YMap):
            return node
        if isinstance(node, YScalar) and node.value is None:
            return YMap({}, {}, node.pos)
        self.error(node.pos, f"{what} must be a mapping, not {describe(to_python(node))}")
        return None

    def scalar(self, node: YMap, key: str, kinds: tuple[type, ...], what: str) -> Any:
        child = node.get(key)
        if child is None:
            return None
        value = to_python(child)
        if value is None:
            return None
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(
                {str: "a string", bool: "true or false", int: "an integer", float: "a number"}[k] for k in kinds
            )
            self.error(child.pos, f"'{key}' of {what} must be {names}, not {describe(value)}")
            return None
        return value

    def extras(self, node: YMap) -> dict[str, Any]:
        return {key: to_python(value) for key, value in node.values.items() if key.startswith("x-")}
