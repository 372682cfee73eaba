"""Schema controls, applied to a message before it is forwarded, as Protocols applies them.

Pure functions over one message and its violations:

* ``omit_unplanned_properties`` strips every property and trait reported as
  ``unplanned_property`` (in nested objects and in every element of an array)
  and lists what it removed under ``context.violations``;
* ``block_unplanned`` blocks a message with an ``unplanned_event`` violation;
* ``block_invalid`` blocks a message with an error-severity violation left
  after omission (a message whose only problems were omitted properties is
  forwarded, without them).

Without any control the message is forwarded unchanged (the same object).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class ViolationLike(Protocol):
    """The fields of a validation violation the controls read."""

    @property
    def code(self) -> str: ...

    @property
    def type(self) -> str | None: ...

    @property
    def event(self) -> str | None: ...

    @property
    def severity(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def message(self) -> str: ...


BLOCK_CHOICES = ("unplanned", "invalid")


@dataclass(frozen=True)
class Controls:
    """Which schema controls are on."""

    block_unplanned: bool = False
    block_invalid: bool = False
    omit_unplanned_properties: bool = False

    @property
    def active(self) -> bool:
        return self.block_unplanned or self.block_invalid or self.omit_unplanned_properties


@dataclass
class Outcome:
    """What the controls decided for one message."""

    message: Any
    blocked: str | None = None
    """``unplanned`` or ``invalid`` when the message is blocked, else None."""
    omitted: list[str] = field(default_factory=list)
    """Paths of the properties and traits removed (one entry per path, arrays folded)."""

    @property
    def altered(self) -> bool:
        return bool(self.omitted)


def omission_note(violation: ViolationLike) -> dict[str, Any]:
    """The ``context.violations`` entry recording one omitted property (``validate --split``'s shape, plus ``action``)."""
    return {
        "code": violation.code,
        "severity": violation.severity,
        "type": violation.type,
        "event": violation.event,
        "path": violation.path,
        "message": violation.message,
        "action": "omitted",
    }


def _remove(node: Any, rest: str) -> int:
    """Remove what ``rest`` (a violation path below ``node``) names; how many values were removed."""
    if isinstance(node, list):
        if not rest.startswith("[]"):
            return 0
        rest = rest[2:]
        if rest.startswith("."):
            rest = rest[1:]
        if not rest:
            return 0
        return sum(_remove(item, rest) for item in node)
    if not isinstance(node, dict):
        return 0
    if rest in node:
        del node[rest]
        return 1
    # keys may contain '.' or '[': try the longest key that prefixes the path first
    for key in sorted((k for k in node if isinstance(k, str) and rest.startswith(k)), key=len, reverse=True):
        tail = rest[len(key) :]
        if tail.startswith("."):
            removed = _remove(node[key], tail[1:])
        elif tail.startswith("[]"):
            removed = _remove(node[key], tail)
        else:
            continue
        if removed:
            return removed
    return 0


def remove_path(message: Any, path: str) -> int:
    """Remove the value at a violation ``path`` (``properties.products[].extra``) from ``message`` in place."""
    if not path:
        return 0
    return _remove(message, path)


def apply_controls(
    message: Any,
    violations: Sequence[ViolationLike],
    controls: Controls,
    fresh_copy: Callable[[], Any] | None = None,
) -> Outcome:
    """Decide what to forward for ``message`` (never mutates it; alterations are made on a copy).

    ``fresh_copy`` makes that copy (the collector re-parses the message's JSON,
    which has no recursion limit to hit); the default is ``copy.deepcopy``.
    """
    remaining: Sequence[ViolationLike] = violations
    outcome = Outcome(message)
    if controls.omit_unplanned_properties and isinstance(message, dict):
        unplanned = [v for v in violations if v.code == "unplanned_property" and v.path]
        if unplanned:
            altered = fresh_copy() if fresh_copy is not None else copy.deepcopy(message)
            notes: list[dict[str, Any]] = []
            done: set[str] = set()
            for violation in unplanned:
                if violation.path in done:
                    continue
                if remove_path(altered, violation.path):
                    done.add(violation.path)
                    notes.append(omission_note(violation))
            if notes:
                context = altered.get("context")
                if context is None:
                    context = altered["context"] = {}
                if isinstance(context, dict):
                    existing = context.get("violations")
                    context["violations"] = (existing if isinstance(existing, list) else []) + notes
                outcome = Outcome(altered, omitted=[note["path"] for note in notes])
                remaining = [v for v in violations if not (v.code == "unplanned_property" and v.path in done)]
    if controls.block_unplanned and any(v.code == "unplanned_event" for v in remaining):
        outcome.blocked = "unplanned"
    elif controls.block_invalid and any(v.severity == "error" for v in remaining):
        outcome.blocked = "invalid"
    return outcome
