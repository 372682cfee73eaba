"""String formats: what each ``format`` accepts, the pattern a plan format compiles to, and a format checker.

Every format cdpctl checks is checked the same way everywhere (fast path,
jsonschema reference path, generated clients): by :func:`matches_format`, which
follows the RFCs the JSON Schema specification names, as the official
JSON-Schema-Test-Suite reads them.

The nine formats a plan's ``format:`` key takes also compile to an equivalent
ECMA-262 ``pattern`` beside ``format`` (Draft 2020-12 validators treat
``format`` as an annotation): any standard validator enforces the pattern.
The patterns have no lookaround (every engine runs them in linear time), so a
few rules are checked by ``format`` alone: a leap second only at 23:59:60 UTC
(``date-time``, ``time``), at most 253 characters in a host name, and valid
Punycode in an A-label (``xn--...``, ``hostname``, the domain of ``email``).

A format outside :data:`CHECKED_FORMATS` (a name the specifications do not
define) is an annotation: any string passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cdpctl.formats_uri import IPV4, IPV6, IRI_CHECKS, URI, URI_CHECKS, hostname_labels_ok

if TYPE_CHECKING:  # jsonschema is imported only when a checker is asked for (start-up time)
    from jsonschema import FormatChecker

_YEAR_DAY = (
    r"[0-9]{4}-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_DAY = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29"
_DATE = rf"({_YEAR_DAY}|{_LEAP_DAY})"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
_IPV4 = IPV4
_IPV6 = IPV6
_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = rf"{_LABEL}(\.{_LABEL})*"
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_LOCAL = rf'({_ATEXT}+(\.{_ATEXT}+)*|"([ !#-\[\]-~]|\\[ -~])*")'
_MAIL_DOMAIN = rf"({_LABEL}(\.{_LABEL})*|\[{_IPV4}\]|\[IPv6:{_IPV6}\])"

FORMAT_PATTERNS: dict[str, str] = {
    "date-time": rf"^{_DATE}[Tt]{_TIME}$",
    "date": rf"^{_DATE}$",
    "time": rf"^{_TIME}$",
    "email": rf"^{_LOCAL}@{_MAIL_DOMAIN}$",
    "uri": rf"^{URI}$",
    "uuid": r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
    "ipv4": rf"^{_IPV4}$",
    "ipv6": rf"^{_IPV6}$",
    "hostname": rf"^{_HOSTNAME}$",
}
"""The pattern of each plan format, written so that Python's ``re`` and ECMA-262 read it the same way."""

ANNOTATION_ONLY: tuple[str, ...] = ()
"""Formats of the JSON Schema specifications that cdpctl does not check (any string passes): none."""

_JSON_POINTER = r"(/([^/~]|~[01])*)*"
_DURATION_TIME = r"T([0-9]+H([0-9]+M([0-9]+S)?)?|[0-9]+M([0-9]+S)?|[0-9]+S)"
_DURATION_DATE = r"([0-9]+D|[0-9]+M([0-9]+D)?|[0-9]+Y([0-9]+M([0-9]+D)?)?)"
_OTHER_PATTERNS: dict[str, str] = {
    "json-pointer": _JSON_POINTER,
    "relative-json-pointer": rf"(0|[1-9][0-9]*)(#|{_JSON_POINTER})",
    "duration": rf"P({_DURATION_DATE}({_DURATION_TIME})?|{_DURATION_TIME}|[0-9]+W)",
}
"""Formats checked by a pattern alone that plans cannot name in ``format:`` (raw ``json_schema:`` blocks can)."""

_TIME_PARTS = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))\Z")


def _leap_second_ok(value: str) -> bool:
    """A second of 60 only at 23:59 UTC (the time's offset applied); any other second is fine."""
    parts = _TIME_PARTS.search(value)
    if parts is None or parts[3] != "60":
        return True
    minutes = int(parts[1]) * 60 + int(parts[2])
    if parts[4] is not None:
        offset = int(parts[5]) * 60 + int(parts[6])
        minutes -= offset if parts[4] == "+" else -offset
    return minutes % 1440 == 23 * 60 + 59


def _regex_ok(value: str) -> bool:
    from cdpctl.patterns import is_ecma_pattern

    return is_ecma_pattern(value)


_EXTRA_CHECKS: dict[str, Callable[[str], bool]] = {
    "date-time": _leap_second_ok,
    "time": _leap_second_ok,
    "hostname": lambda value: len(value) <= 253 and hostname_labels_ok(value),
    "email": lambda value: hostname_labels_ok(value.rpartition("@")[2]),
    "regex": _regex_ok,
    **URI_CHECKS,
    **IRI_CHECKS,
}
"""Rules checked beyond (or instead of) a format's pattern."""

CHECKED_FORMATS = tuple(dict.fromkeys([*FORMAT_PATTERNS, *_OTHER_PATTERNS, *_EXTRA_CHECKS]))
"""Every format cdpctl checks."""


class _Compiled(dict[str, "re.Pattern[str] | None"]):
    """Each pattern compiled on first use (start-up time: a run checks one or two formats, if any)."""

    def __missing__(self, name: str) -> re.Pattern[str] | None:
        pattern = FORMAT_PATTERNS.get(name)
        source = pattern[1:-1] if pattern is not None else _OTHER_PATTERNS.get(name)
        regex = self[name] = None if source is None else re.compile(source)
        return regex


_COMPILED = _Compiled()

_URI_CHARS = "-A-Za-z0-9._~!$&'()*+,;=:@/"  # '-' first: a literal, never a range
_QUICK_PATTERNS: dict[str, str] = {
    "uri": rf"[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9._~-]*(?::[0-9]*)?(?:/[{_URI_CHARS}]*)?(?:\?[{_URI_CHARS}?]*)?"
    rf"(?:#[{_URI_CHARS}?]*)?",
}
"""Strict subsets of a format's grammar that match common values ten times faster than the whole grammar
(``https://host/path?query#fragment`` without percent-escapes or user info): a value one matches is valid;
any other value is decided by the format's own pattern."""
_QUICK = {name: re.compile(pattern) for name, pattern in _QUICK_PATTERNS.items()}


def matches_format(name: str, value: str) -> bool:
    """Whether ``value`` is a valid ``name`` (``True`` for a format cdpctl does not check).

    Python's ``$`` also matches before a final newline, ECMA-262's does not: the
    patterns are matched whole (``fullmatch``) without their anchors.
    """
    quick = _QUICK.get(name)
    if quick is None or quick.fullmatch(value) is None:
        regex = _COMPILED[name]
        if regex is not None and regex.fullmatch(value) is None:
            return False
    extra = _EXTRA_CHECKS.get(name)
    return extra is None or extra(value)


def format_search(name: str) -> Callable[[str], object | None]:
    """For the fast path: a function of a string that is ``None`` when the string is not a valid ``name``
    (:func:`matches_format`, with as few calls as the format needs: a format checked by its pattern alone
    is that pattern's own ``fullmatch``; a format with a quick pattern compiles its whole grammar only
    when a value needs it)."""
    quick, extra = _QUICK.get(name), _EXTRA_CHECKS.get(name)
    if name not in FORMAT_PATTERNS and name not in _OTHER_PATTERNS and extra is None:
        return lambda value: True  # a format cdpctl does not check
    if quick is not None and extra is None:
        quick_match = quick.fullmatch

        def quick_first(value: str) -> object | None:
            found = quick_match(value)
            if found is not None:
                return found
            regex = _COMPILED[name]
            return True if regex is None else regex.fullmatch(value)

        return quick_first
    regex = _COMPILED[name] if quick is None else None
    if regex is not None and extra is None:
        return regex.fullmatch
    if regex is not None and extra is not None:  # date-time, email...
        full_match, rule = regex.fullmatch, extra
        return lambda value: True if full_match(value) is not None and rule(value) else None

    def search(value: str) -> bool | None:
        return True if matches_format(name, value) else None

    return search


def format_checker() -> FormatChecker:
    """A jsonschema format checker that checks every format of :data:`CHECKED_FORMATS` as
    :func:`matches_format` does (and nothing else: other formats are annotations)."""
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    for name in CHECKED_FORMATS:

        def check(instance: Any, _name: str = name) -> bool:
            return not isinstance(instance, str) or matches_format(_name, instance)

        checker.checks(name)(check)
    return checker


_NO_ZONE = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?$")
_ZONE_WITHOUT_COLON = re.compile(r"[+-]\d{4}$")


def date_time_hint(value: object) -> str:
    """Why a value is not an RFC 3339 ``date-time``, for the common mistakes (``""`` when none fits):
    no zone, a space for the ``T``, an offset without its colon, an epoch number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    if not isinstance(value, str):
        return " (a number, maybe epoch time: a date-time is a string such as 2024-06-05T10:00:00Z)"
    if len(value) > 40:
        return ""
    if _NO_ZONE.match(value):
        if len(value) > 10 and value[10] == " ":
            return " (write a T between date and time, and add its zone: Z or +00:00)"
        return " (no zone: add Z or an offset such as +00:00)"
    if len(value) > 10 and value[10] == " ":
        return " (write a T between date and time, not a space)"
    if _ZONE_WITHOUT_COLON.search(value):
        return " (write the offset with a colon: +02:00)"
    return ""
