"""String formats: the pattern each compiles to, and a matching jsonschema format checker.

Validators differ in which ``format`` values they check (Draft-07 validators
do not check ``uuid``; most skip ``date-time`` unless an extra library is
installed; Draft 2020-12 treats ``format`` as an annotation).  So every format
the plan format supports is compiled to ``format`` *and* an equivalent
ECMA-262-compatible ``pattern``: any standard validator enforces it.  The
checker below accepts exactly what the patterns accept, so the jsonschema
library and the fast path agree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a checker is asked for (start-up time)
    from jsonschema import FormatChecker

_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_H16 = r"[0-9A-Fa-f]{1,4}"

FORMAT_PATTERNS: dict[str, str] = {
    "date-time": rf"^{_DATE}[Tt ]{_TIME}$",
    "date": rf"^{_DATE}$",
    "time": rf"^{_TIME}$",
    "email": r"^[^\s@]+@[^\s@]+\.[^\s@]+$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$",
    "uuid": r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
    "ipv4": rf"^({_OCTET}\.){{3}}{_OCTET}$",
    "ipv6": rf"^(({_H16}:){{7}}{_H16}|(({_H16}:){{0,7}}{_H16})?::(({_H16}:){{0,7}}{_H16})?)$",
    "hostname": r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
}
"""Patterns written so that Python's ``re`` and ECMA-262 read them the same way."""

# Python's ``$`` also matches before a final newline; ECMA-262's does not.  The
# checker uses fullmatch on the pattern without anchors to mean what ECMA means.
class _Compiled(dict[str, "re.Pattern[str] | None"]):
    """Each pattern compiled on first use (start-up time: a run checks one or two formats, if any)."""

    def __missing__(self, name: str) -> re.Pattern[str] | None:
        pattern = FORMAT_PATTERNS.get(name)
        if pattern is None:
            return None
        regex = self[name] = re.compile(pattern[1:-1])
        return regex


_COMPILED = _Compiled()


def matches_format(name: str, value: str) -> bool:
    """Whether ``value`` is a valid ``name`` (as the compiled pattern reads it in ECMA-262)."""
    regex = _COMPILED[name]
    return True if regex is None else regex.fullmatch(value) is not None


def format_checker() -> FormatChecker:
    """A jsonschema format checker that checks every plan format exactly as its pattern does."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name in FORMAT_PATTERNS:

        def check(instance: Any, _name: str = name) -> bool:
            return not isinstance(instance, str) or matches_format(_name, instance)

        checker.checks(name)(check)
    return checker
