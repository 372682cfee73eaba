"""What ``cdpctl scan`` finds in source code: tracking calls, their event names and properties.

The parsers (:mod:`cdpctl.scan.python_source`, :mod:`cdpctl.scan.js_source`) turn a file into
:class:`FoundCall` objects; :mod:`cdpctl.scan.check` compares them with a plan.  Nothing here knows a
language or an SDK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NOT_LITERAL = object()
"""A property value whose value is not known statically."""


SURROGATE = re.compile("[\ud800-\udfff]")


def as_sent(text: str) -> str:
    """A string of the source as an SDK sends it: a surrogate pair written as two escapes (``"\\ud83c\\udf89"``,
    as transpilers write an emoji) is the one character JSON reads back; a lone surrogate, which no UTF-8
    text can hold, is kept as its escape (``\\ud800``)."""
    if not SURROGATE.search(text):
        return text
    paired = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")  # pairs joined
    return SURROGATE.sub(lambda lone: f"\\u{ord(lone.group()):04x}", paired)


def _sent(value: Any) -> Any:
    return as_sent(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class FoundProperty:
    """One property key at a call site, with its value's type and value where they are known."""

    name: str
    type: str | None = None
    """``string``, ``integer``, ``number``, ``boolean``, ``null``, ``object``, ``array``; None when unknown."""
    value: Any = NOT_LITERAL
    """The literal value (strings, numbers, booleans, None), else :data:`NOT_LITERAL`."""
    by_sdk: bool = False
    """Not in the code: the SDK adds it to the call (analytics.js adds ``path``, ``url``... to every page call)."""
    may_be_whole: bool = False
    """A ``number`` of a language without an integer type (a TypeScript ``number``) whose value is not known:
    it may be whole, and passes an ``integer`` property."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", as_sent(self.name))
        object.__setattr__(self, "value", _sent(self.value))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.value is not NOT_LITERAL:
            out["value"] = self.value
        if self.by_sdk:
            out["by_sdk"] = True
        return out


@dataclass
class FoundCall:
    """One tracking call in a source file."""

    file: str
    line: int
    column: int
    sdk: str
    call_type: str
    """``track``, ``page``, ``screen``, ``identify`` or ``group``."""
    event: str | None
    """The event (or page, screen) name when known statically; None for identify/group and dynamic names."""
    dynamic: bool = False
    """The name is an expression whose value is not known statically."""
    expression: str = ""
    """The source text of the name argument (for a dynamic name)."""
    properties: list[FoundProperty] = field(default_factory=list)
    complete: bool = True
    """False when some keys are not known (a spread of something unknown, a variable, a call)."""
    name_ref: str = field(default="", compare=False, repr=False)
    """A dynamic name written as a dotted name the file does not bind itself (``ORDER``, ``ev.ORDER``): maybe a
    constant of another scanned file (:mod:`cdpctl.scan.imports`), looked up once every file is scanned."""

    def __post_init__(self) -> None:
        self.event = _sent(self.event)
        self.expression = as_sent(self.expression)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "sdk": self.sdk,
            "type": self.call_type,
            "event": self.event,
            "dynamic": self.dynamic,
            "expression": self.expression if self.dynamic else None,
            "properties": [p.to_json() for p in self.properties],
            "properties_complete": self.complete,
        }


@dataclass(frozen=True)
class ParseFailure:
    """A file that could not be parsed (an error finding; the other files are still scanned)."""

    file: str
    line: int
    column: int
    message: str


@dataclass(frozen=True)
class Wrapper:
    """A user's own tracking function: ``myTrack(event, props)`` (``--call``, or ``scan.calls`` in the config).

    ``name`` may be dotted (``utils.track``: matched on the last parts of the callee); ``event`` and
    ``properties`` are the positions of those arguments (None when absent); ``call_type`` is
    ``identify`` or ``group`` when the arguments name ``traits``, else ``track``.
    """

    name: str
    event: int | None
    properties: int | None
    call_type: str = "track"


def parse_wrapper(text: str) -> Wrapper:
    """``myTrack(event, props)`` -> a :class:`Wrapper`; raises ValueError on another shape."""
    import re

    match = re.fullmatch(r"\s*([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(([^()]*)\)\s*", text)
    if match is None:
        raise ValueError(f"'{text}' is not a call shape such as 'myTrack(event, props)'")
    params = [p.strip() for p in match.group(2).split(",") if p.strip()]
    event = properties = None
    call_type = "track"
    for index, param in enumerate(params):
        lowered = param.lower()
        if lowered in ("event", "name", "event_name", "eventname"):
            event = index
        elif lowered in ("props", "properties", "traits", "data", "payload", "attributes"):
            properties = index
            if lowered == "traits":
                call_type = "identify"
    if event is None and call_type == "track":
        raise ValueError(f"'{text}' names no 'event' argument (write e.g. 'myTrack(event, props)')")
    return Wrapper(match.group(1), event, properties, call_type)
