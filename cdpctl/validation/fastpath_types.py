"""The fast path's types: msgspec structs and annotations generated from resolved plan properties.

:class:`TypeBuilder` turns a call's properties into a msgspec struct: unknown
fields are forbidden where the plan forbids them, constraints become
``msgspec.Meta``, enums become ``Literal``, nested objects become structs of
their own.  What ``Meta`` cannot say (a plan pattern, a ``format``,
``unique_items``) is checked by a ``__post_init__`` whose source
:mod:`cdpctl.validation.fastpath_source` writes.  A plan feature the fast path
does not express raises :class:`Unsupported`: calls using it always take the
reference path.

Where the two paths could read the same bytes differently, these types are the
stricter: integers outside int64 are refused (orjson reads larger ones as
floats); bounds apply to exact integers, never rounded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union

import msgspec
from msgspec import UNSET, Meta, Raw

from cdpctl.formats import FORMAT_PATTERNS, format_checker, format_search
from cdpctl.model import Property
from cdpctl.patterns import compile_pattern
from cdpctl.patterns_quick import QUICK_MAX_CHARS
from cdpctl.validation.fastpath_source import Checker, GeneratedModule, Unsupported, post_init, value_checker

if TYPE_CHECKING:
    from jsonschema import FormatChecker

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1
EXACT_FLOAT = 2**53
"""Numeric bounds beyond this are not turned into float constraints (they would be rounded)."""


class Empty(msgspec.Struct, gc=False):
    """Any JSON object (its content skipped)."""


def _full_pattern(fmt: str) -> str:
    """A pattern that ``re.search`` matches exactly when the whole string has format ``fmt``.

    Its groups do not capture (the format patterns have no back-references): that matches faster.
    """
    inner = re.sub(r"\((?![?])", "(?:", FORMAT_PATTERNS[fmt][1:-1])
    return "^(?:" + inner + r")\Z"


def _passes(value: Any, annotation: Any, check: Checker | None) -> bool:
    """Whether the fast path accepts ``value`` (a plan's enum value) as ``annotation``."""
    if annotation is Raw:
        return True
    try:
        msgspec.convert(value, annotation)
    except msgspec.ValidationError:
        return False
    return check is None or value is None or check(value)


def _int_safe(constraints: dict[str, Any]) -> bool:
    divisor = constraints.get("multiple_of")
    return divisor is None or type(divisor) is int


def only(constraints: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse constraints beyond ``allowed`` (the fast path does not express them here)."""
    extra = set(constraints) - set(allowed)
    if extra:
        raise Unsupported(f"constraints {sorted(extra)} here")


class TypeBuilder:
    """Generates msgspec types from resolved plan properties (struct names come from a counter only)."""

    def __init__(self, module: GeneratedModule | None = None) -> None:
        self.count = 0
        self.module = module if module is not None else GeneratedModule()
        """Where the source of the structs' ``__post_init__`` is written and run."""
        self._checker: FormatChecker | None = None

    @property
    def checker(self) -> FormatChecker:
        """The jsonschema format checker (jsonschema is loaded only when a message needs it)."""
        if self._checker is None:
            self._checker = format_checker()
        return self._checker

    def name(self, hint: str = "") -> str:
        """A new struct name: ``S`` and a number (``hint``, plan text, is not used: names never carry it)."""
        self.count += 1
        return f"S{self.count}"

    def struct(self, properties: dict[str, Property], additional: bool, hint: str = "") -> type[msgspec.Struct]:
        """The struct of an object with ``properties`` (``additional``: unknown fields allowed).

        Its fields are named ``f0``, ``f1``... (renamed to the plan's keys for decoding): the
        generated ``__post_init__`` reads them under those names, never under plan text.
        """
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        rename: dict[str, str] = {}
        checks: list[tuple[str, str, Checker]] = []
        searches: list[tuple[str, str, Callable[[str], Any]]] = []
        for index, (key, prop) in enumerate(properties.items()):
            attribute = f"f{index}"
            rename[attribute] = key
            plain = "json_schema" in prop.extra or bool(prop.properties)  # value_type refuses those
            patterned = None if plain else self.field_pattern(prop)
            if patterned is not None:  # value_type would compile a format's whole grammar for nothing
                annotation = patterned[0]
                searches.append((attribute, key, patterned[1]))
            else:
                annotation = self.value_type(prop)  # also refuses what the fast path cannot express
            if prop.required:
                fields.append((attribute, annotation))
            else:
                fields.append((attribute, annotation, UNSET))
            check = value_checker(prop, searched=patterned is not None)
            if check is not None:
                checks.append((attribute, key, check))
        namespace: dict[str, Any] = {}
        if searches or checks:
            namespace["__post_init__"] = post_init(self.module, searches, checks)
        return msgspec.defstruct(
            self.name(),
            fields,
            rename=rename,
            forbid_unknown_fields=not additional,
            kw_only=True,
            gc=False,
            namespace=namespace,
        )

    def value_checker(self, prop: Property) -> Checker | None:
        """The check of ``prop`` that its type cannot say (see :func:`~cdpctl.validation.fastpath_source.value_checker`)."""
        return value_checker(prop)

    # --- types -----------------------------------------------------------------------------------

    def value_type(self, prop: Property) -> Any:
        """The annotation of one property's values."""
        if "json_schema" in prop.extra:
            raise Unsupported("a raw JSON Schema (json_schema)")
        constraints = prop.constraints
        if "enum" in constraints or "const" in constraints:
            return self.choices(prop)
        kind = prop.type
        if kind == "string":
            base: Any = self.string(prop)
        elif kind == "integer":
            base = self.integer(constraints)
        elif kind == "number":
            base = self.number(constraints)
        elif kind == "boolean":
            only(constraints, ())
            base = bool
        elif kind == "object":
            only(constraints, ())
            if prop.items is not None:
                raise Unsupported("items on an object")
            base = self.struct(prop.properties, prop.additional_properties)
        elif kind == "array":
            base = self.array(prop)
        else:  # any
            if constraints or prop.properties or prop.items is not None:
                raise Unsupported("constraints on an untyped property")
            return Raw
        if kind != "object" and prop.properties:
            raise Unsupported("properties on a non-object")
        return Optional[base] if prop.nullable else base

    def choices(self, prop: Property) -> Any:
        """An enum or const as a ``Literal`` of the values the whole property schema accepts."""
        constraints = prop.constraints
        values = list(constraints["enum"]) if "enum" in constraints else [constraints["const"]]
        if "enum" in constraints and "const" in constraints:
            values = [v for v in values if v == constraints["const"] and type(v) is type(constraints["const"])]
        if prop.nullable:
            values.append(None)
        base = replace(prop, constraints={k: v for k, v in constraints.items() if k not in ("enum", "const")})
        base_type = self.value_type(base)
        base_check = value_checker(base)
        kept = []
        for value in values:
            exact = value is None or type(value) is str or (type(value) is int and INT_MIN <= value <= INT_MAX)
            if exact and value not in kept and _passes(value, base_type, base_check):
                kept.append(value)
        if not kept:
            raise Unsupported("no enum value the fast path can express")
        return Literal[tuple(kept)]

    def string(self, prop: Property) -> Any:
        """A string type; a plan pattern is left to :func:`value_checker` (msgspec would run it with ``re``)."""
        meta, _ = self.string_parts(prop)
        fmt = prop.constraints.get("format")
        if fmt is not None and "pattern" not in prop.constraints:
            meta = {**meta, "pattern": _full_pattern(fmt)}
        return Annotated[str, Meta(**meta)] if meta else str

    @staticmethod
    def string_parts(prop: Property) -> tuple[dict[str, Any], Callable[[str], Any] | None]:
        """A string's length constraints (as ``Meta`` keywords) and the search of the pattern it must match.

        A plan pattern runs on the linear-time engine of :mod:`cdpctl.patterns`; a format's own pattern
        (written by cdpctl, not by the plan) on ``re``.
        """
        constraints = prop.constraints
        only(constraints, ("pattern", "format", "min_length", "max_length"))
        meta: dict[str, Any] = {}
        if "min_length" in constraints:
            meta["min_length"] = constraints["min_length"]
        if "max_length" in constraints:
            meta["max_length"] = constraints["max_length"]
        fmt = constraints.get("format")
        if fmt is not None and fmt not in FORMAT_PATTERNS:
            raise Unsupported(f"format {fmt}")
        if "pattern" in constraints:
            return meta, compile_pattern(str(constraints["pattern"])).search
        if fmt is not None:
            return meta, format_search(fmt)
        return meta, None

    def field_pattern(self, prop: Property) -> tuple[Any, Callable[[str], Any]] | None:
        """For a string field of a struct with a pattern (or a format): its type without the pattern, and
        the pattern, which the struct's ``__post_init__`` matches (cheaper than ``Meta(pattern=...)``,
        which costs msgspec about twice a plain ``search``).  ``None`` for any other field.

        A simple plan pattern is matched by its ``re`` form (:attr:`cdpctl.patterns.Pattern.quick`, a
        quarter of a call into RE2), its length bounded in the type: a longer value takes the reference path.
        """
        constraints = prop.constraints
        if prop.type != "string" or "enum" in constraints or "const" in constraints:
            return None
        meta, pattern = self.string_parts(prop)
        if pattern is None:
            return None
        if "pattern" in constraints:
            quick = compile_pattern(str(constraints["pattern"])).quick
            if quick is not None:  # Python's re, bounded by the value's length (a longer one: reference path)
                pattern = quick
                meta["max_length"] = min(meta.get("max_length", QUICK_MAX_CHARS), QUICK_MAX_CHARS)
        annotation: Any = Annotated[str, Meta(**meta)] if meta else str
        return (Optional[annotation] if prop.nullable else annotation), pattern

    @staticmethod
    def integer(constraints: dict[str, Any]) -> Any:
        """An int64 with the plan's bounds (made exact integers) and ``multiple_of``."""
        only(constraints, ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum", "multiple_of"))
        low, high = INT_MIN, INT_MAX
        if "minimum" in constraints:
            low = max(low, math.ceil(constraints["minimum"]))
        if "exclusive_minimum" in constraints:
            low = max(low, math.floor(constraints["exclusive_minimum"]) + 1)
        if "maximum" in constraints:
            high = min(high, math.floor(constraints["maximum"]))
        if "exclusive_maximum" in constraints:
            high = min(high, math.ceil(constraints["exclusive_maximum"]) - 1)
        if low > high:
            raise Unsupported("no integer fits the bounds")
        meta: dict[str, Any] = {"ge": low, "le": high}
        if "multiple_of" in constraints:
            divisor = constraints["multiple_of"]
            if type(divisor) is not int or divisor <= 0:
                raise Unsupported("a non-integer multiple_of on an integer")
            meta["multiple_of"] = divisor
        return Annotated[int, Meta(**meta)]

    def number(self, constraints: dict[str, Any]) -> Any:
        """Integers stay exact integers (as orjson reads them), floats stay floats."""
        as_int = self.integer(constraints) if _int_safe(constraints) else Annotated[int, Meta(ge=1, le=0)]
        meta: dict[str, Any] = {}
        for key, name in (
            ("minimum", "ge"),
            ("maximum", "le"),
            ("exclusive_minimum", "gt"),
            ("exclusive_maximum", "lt"),
        ):
            if key in constraints:
                bound = constraints[key]
                if abs(bound) > EXACT_FLOAT:
                    raise Unsupported("a bound too large to compare exactly as a float")
                meta[name] = float(bound)
        if "multiple_of" in constraints and not isinstance(constraints["multiple_of"], float):
            raise Unsupported("an integer multiple_of on a number")  # a float one: value_checker, exactly
        as_float = Annotated[float, Meta(**meta)] if meta else float
        return Union[as_int, as_float]

    def array(self, prop: Property) -> Any:
        """A list of the items' type with the plan's length bounds (``unique_items``: a check)."""
        constraints = prop.constraints
        only(constraints, ("min_items", "max_items", "unique_items"))
        if prop.items is None:
            item: Any = Raw
            if constraints.get("unique_items"):
                raise Unsupported("unique_items on untyped items")
        else:
            item = self.value_type(prop.items)
        meta: dict[str, Any] = {}
        if "min_items" in constraints:
            meta["min_length"] = constraints["min_items"]
        if "max_items" in constraints:
            meta["max_length"] = constraints["max_items"]
        return Annotated[list[item], Meta(**meta)] if meta else list[item]


__all__ = ["EXACT_FLOAT", "INT_MAX", "INT_MIN", "Empty", "TypeBuilder", "Unsupported"]
