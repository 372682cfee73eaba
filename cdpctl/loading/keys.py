"""The vocabulary of the plan format: the keys each section may have, the loader's limits, value helpers.

Everything here is data or a pure function: the key tuples (also checked against the shipped JSON
Schema of the plan format), the limits against expansion and nesting bombs, the did-you-mean used in
messages, and how a value is described in an error message.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from cdpctl.model import CONSTRAINT_KEYS

if TYPE_CHECKING:
    from cdpctl.validation.suggest import Suggester

Reader = Callable[[str], str]
"""Maps a plan file's path to its text (the file system by default, a git revision for ``cdpctl diff``)."""

TOP_KEYS = (
    "plan",
    "version",
    "description",
    "defaults",
    "include",
    "properties",
    "types",
    "events",
    "identify",
    "group",
    "pages",
    "screens",
    "common",
)
INCLUDED_KEYS = ("include", "properties", "types", "events", "identify", "group", "pages", "screens")
DEFAULTS_KEYS = ("additional_properties",)
PROPERTY_KEYS = (
    "type",
    "required",
    "nullable",
    "description",
    "items",
    "properties",
    "additional_properties",
    "deprecated",
    "examples",
    "json_schema",
    *CONSTRAINT_KEYS,
)
RAW_SCHEMA_KEYS = ("json_schema", "required", "description", "deprecated", "examples")
"""Keys a property with a ``json_schema`` escape hatch may have: the raw schema replaces type and constraints."""
COMMON_KEYS = ("description", "properties", "traits", "context")
TYPE_KEYS = ("description", "properties", "additional_properties")
EVENT_KEYS = (
    "description",
    "owner",
    "tags",
    "deprecated",
    "version",
    "properties",
    "additional_properties",
)
TRAITS_KEYS = ("description", "traits", "additional_properties")

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
MAX_EXPANDED = 250_000
"""The most properties a plan may copy from reusable types and shared properties (types nested in types multiply)."""
MAX_NESTING = 64
"""The deepest properties may nest, counting objects, arrays, types and shared properties on the way."""
MAX_INCLUDE_DEPTH = 32
"""The longest chain of files including files."""


TYPE_ALIASES = {
    **dict.fromkeys(("float", "double", "decimal", "real", "float32", "float64", "numeric"), "number"),
    **dict.fromkeys(("int", "long", "short", "int32", "int64", "bigint", "uint"), "integer"),
    **dict.fromkeys(("bool",), "boolean"),
    **dict.fromkeys(("str", "text", "varchar", "char"), "string"),
    **dict.fromkeys(("dict", "map", "hash", "struct", "record", "json"), "object"),
    **dict.fromkeys(("list", "tuple", "set", "sequence"), "array"),
}
"""Type names of other languages and databases, and the plan's type for each (``float``: ``number``)."""

DATE_TYPES = ("date", "datetime", "date-time", "timestamp", "time")


def type_alias_hint(name: str) -> str:
    """`` (did you mean 'number'?)`` for a type name of another language (``float``, ``int``, ``dict``), or how
    a date is written (``type: string`` with a ``format``); empty for any other name."""
    lowered = name.lower()
    if lowered in DATE_TYPES:
        fmt = "date" if lowered == "date" else "time" if lowered == "time" else "date-time"
        return f" (a {lowered} is a string: 'type: string' with 'format: {fmt}')"
    alias = TYPE_ALIASES.get(lowered)
    return f" (did you mean '{alias}'?)" if alias else ""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string.

    The choices are indexed once per list (:class:`~cdpctl.validation.suggest.Suggester`, kept for the
    lists seen last): a plan with thousands of misspelt references to thousands of names compared each
    word with every name (an hour's work for a plan at the size cap)."""
    return _suggester(tuple(choices)).hint(word)


@functools.lru_cache(maxsize=8)
def _suggester(names: tuple[str, ...]) -> Suggester:
    from cdpctl.validation.suggest import Suggester

    return Suggester(names)


def is_number(value: Any) -> bool:
    if isinstance(value, int):  # exact: an integer too large for a float is still a number
        return not isinstance(value, bool)
    return isinstance(value, float) and math.isfinite(value)


def value_matches_type(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return is_number(value)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "object":
        return isinstance(value, dict)
    return True


def _yaml_float(value: float) -> str:
    return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else f"{_yaml_float(value)} (JSON has no NaN or infinity)"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"
