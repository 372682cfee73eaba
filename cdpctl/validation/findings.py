"""The last step of a rejected message's explanation: findings folded into violations.

decide (:mod:`~cdpctl.validation.engine`) -> locate (:mod:`~cdpctl.validation.localize`, or jsonschema on
the whole message) -> classify (:mod:`~cdpctl.validation.classify`) -> report (here).  A finding is
``(code, path, message, rank)``; one violation is kept per ``(code, path)``: the first finding, or a more
telling one (a lower rank: a format before its pattern).  A wrong type hides the enum and constraint
failures of the same value.
"""

from __future__ import annotations

from cdpctl.model import Call
from cdpctl.validation.classify import Found
from cdpctl.validation.violations import Violation

Kept = dict[tuple[str, str], Found]
"""The findings kept so far, by ``(code, path)``, in the order they were first found."""


def keep(found: Kept, item: Found) -> None:
    """Keep one finding per (code, path): the first, or a more telling one (format before its pattern)."""
    key = (item[0], item[1])
    previous = found.get(key)
    if previous is None or item[3] < previous[3]:
        found[key] = item


def violations(call: Call, items: list[Found]) -> list[Violation]:
    """:func:`finish` of the findings :func:`keep` keeps from ``items``, in order."""
    if len(items) == 1:  # nothing to fold or hide
        code, path, text, _ = items[0]
        return [Violation(code, "error", call.type, call.name, path, text)]
    found: Kept = {}
    for item in items:
        keep(found, item)
    return finish(call, found)


def finish(call: Call, found: Kept) -> list[Violation]:
    """Violations from findings; a wrong type hides the enum/constraint failures of the same value."""
    mistyped = {path for code, path in found if code == "type_mismatch"}
    out = []
    for (code, path), (_, _, text, _) in found.items():
        if code in ("value_not_allowed", "constraint_failed") and path in mistyped:
            continue
        out.append(Violation(code, "error", call.type, call.name, path, text))
    return out


def deprecated(call: Call) -> Violation:
    """The ``deprecated_event`` warning of a call the plan marks deprecated."""
    text = f"'{call.label}' is deprecated in the tracking plan"
    return Violation("deprecated_event", "warning", call.type, call.name, "event", text)


def envelope_violation(call: Call, path: str, text: str) -> Violation:
    """An ``invalid_envelope`` error of a message of ``call``."""
    return Violation("invalid_envelope", "error", call.type, call.name, path, text)
