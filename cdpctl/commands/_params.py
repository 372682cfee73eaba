"""Plain option values read without pydantic: what keeps a small command's start-up small.

Recent typer releases coerce every parameter value through a pydantic ``TypeAdapter`` built
the first time the command reads the parameter (an option left unset included), and importing
pydantic costs more than the rest of ``cdpctl lint`` on a small plan.  cdpctl's parameters
are text, lists of text, flags and plain numbers: :func:`use_plain_values` gives each such
parameter of a command (``--help`` included) a coercion that returns what typer's would for an unambiguous value
(``"8088"`` -> ``8088``, ``"0.5"`` -> ``0.5``, text as it is) and hands every other value
(``" 8"``, ``"1_000"``, ``"abc"``, ``"nan"``...) and every other annotation to typer's own
coercion, built only then: the same values and the same error messages, without the import
when no odd value is given.  Under a typer release without per-parameter coercion this
changes nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

_INT = re.compile(r"[+-]?[0-9]{1,40}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,40}(?:\.[0-9]{0,40})?|\.[0-9]{1,40})(?:[eE][+-]?[0-9]{1,3})?")
_UNDECIDED = object()
"""A value the plain coercion leaves to typer's."""


def _plain_value(annotation: Any, value: Any) -> Any:
    """``value`` coerced to ``annotation`` when the answer is certain, else :data:`_UNDECIDED`."""
    if annotation is str:
        return value if isinstance(value, str) else _UNDECIDED
    if annotation == list[str]:
        if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
            return list(value)
        return _UNDECIDED
    if annotation in (bool, int) and type(value) is annotation:  # a flag, a declared default
        return value
    if annotation is float and type(value) in (int, float):
        return float(value)
    if isinstance(value, str) and annotation is int and _INT.fullmatch(value):
        return int(value)
    if isinstance(value, str) and annotation is float and _FLOAT.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else _UNDECIDED
    return _UNDECIDED


class PlainCoercion:
    """Stands in for typer's coercion of one parameter; builds typer's own only for a value it leaves."""

    def __init__(self, param: Any) -> None:
        self.param = param
        self.annotation = param.type_descriptor.annotation
        self._typer: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:  # what typer's coercion answers for an unset parameter
            return () if param.multiple or param.nargs == -1 else None
        plain = _plain_value(self.annotation, value)
        if plain is not _UNDECIDED:
            return plain
        if self._typer is None:
            from typer._coercion import build_runtime_param  # brings pydantic: only for an odd value

            self._typer = build_runtime_param(self.param.type_descriptor)
        return self._typer.coerce(value, param=param, ctx=ctx)


def _plain(param: Any) -> bool:
    """Whether ``param`` is one :class:`PlainCoercion` can stand in for (typer's attributes checked first)."""
    descriptor: Any = getattr(param, "type_descriptor", None)
    info = getattr(descriptor, "parameter_info", None)
    if info is None or getattr(param, "_runtime_param", False) is not None:
        return False  # another typer release, or a coercion already chosen
    if getattr(descriptor, "file_annotation", None) is not None:
        return False
    if any(getattr(info, name, None) is not None for name in ("parser", "min", "max")):
        return False
    return descriptor.annotation in (str, bool, int, float) or descriptor.annotation == list[str]


def use_plain_values(params: Iterable[Any]) -> None:
    """Give each plain parameter a :class:`PlainCoercion` (other parameters keep typer's); call before parsing."""
    for param in params:
        if _plain(param):
            param._runtime_param = PlainCoercion(param)
