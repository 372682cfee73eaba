"""Rules for the constraints of a property: enum, const, bounds, pattern, format, unique items.

Tightening a constraint breaks producers (a value they send today may now
fail); loosening or dropping one breaks consumers (values they rely on being
bounded may now arrive).  ``minimum`` and ``maximum`` compare the effective
bound, folding in ``exclusive_minimum`` / ``exclusive_maximum`` (and, for
integers, ``exclusive_minimum: 0`` is the same bound as ``minimum: 1``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from cdpctl.diff.rules import Change, Example, Rule, Where, field_name, show
from cdpctl.errors import Pos
from cdpctl.model import Property

BREAK, WARN, INFO = "breaking", "warning", "info"


def _rule(rule_id: str, producer: str, consumer: str, summary: str, before: str, after: str) -> Rule:
    return Rule(rule_id, producer, consumer, summary, Example(before, after))


ENUM_VALUE_ADDED = _rule(
    "enum-value-added", INFO, WARN, "A value was added to an enum (consumers matching on values should learn it).",
    "currency: {type: string, enum: [USD, EUR]}", "currency: {type: string, enum: [USD, EUR, GBP]}",
)
ENUM_VALUE_REMOVED = _rule(
    "enum-value-removed", BREAK, INFO, "A value was removed from an enum: producers sending it now fail.",
    "currency: {type: string, enum: [USD, EUR, GBP]}", "currency: {type: string, enum: [USD, EUR]}",
)
ENUM_SET = _rule(
    "enum-set", BREAK, INFO, "An enum now restricts a property that took any value of its type.",
    "currency: {type: string}", "currency: {type: string, enum: [USD, EUR]}",
)
ENUM_REMOVED = _rule(
    "enum-removed", INFO, BREAK, "The enum of a property was dropped: any value of its type is now accepted.",
    "currency: {type: string, enum: [USD, EUR]}", "currency: {type: string}",
)
CONST_ADDED = _rule(
    "const-added", BREAK, INFO, "A property is now fixed to one value.",
    "channel: {type: string}", "channel: {type: string, const: web}",
)
CONST_CHANGED = _rule(
    "const-changed", BREAK, BREAK, "The fixed value of a property changed.",
    "channel: {type: string, const: web}", "channel: {type: string, const: app}",
)
CONST_REMOVED = _rule(
    "const-removed", INFO, BREAK, "A property is no longer fixed to one value.",
    "channel: {type: string, const: web}", "channel: {type: string}",
)
PATTERN_ADDED = _rule(
    "pattern-added", BREAK, INFO, "A regular expression now restricts a string.",
    "sku: {type: string}", 'sku: {type: string, pattern: "^[A-Z]{3}-[0-9]+$"}',
)
PATTERN_CHANGED = _rule(
    "pattern-changed", BREAK, BREAK, "The regular expression of a string changed.",
    'sku: {type: string, pattern: "^[A-Z]{3}-[0-9]+$"}', 'sku: {type: string, pattern: "^[A-Z]{4}-[0-9]+$"}',
)
PATTERN_REMOVED = _rule(
    "pattern-removed", INFO, BREAK, "A string is no longer restricted by a regular expression.",
    'sku: {type: string, pattern: "^[A-Z]{3}-[0-9]+$"}', "sku: {type: string}",
)
FORMAT_ADDED = _rule(
    "format-added", BREAK, INFO, "A string now has to follow a format.",
    "email: {type: string}", "email: {type: string, format: email}",
)
FORMAT_CHANGED = _rule(
    "format-changed", BREAK, BREAK, "The format of a string changed.",
    "seen_at: {type: string, format: date}", "seen_at: {type: string, format: date-time}",
)
FORMAT_REMOVED = _rule(
    "format-removed", INFO, BREAK, "A string no longer has to follow a format.",
    "email: {type: string, format: email}", "email: {type: string}",
)
UNIQUE_ITEMS_SET = _rule(
    "unique-items-set", BREAK, INFO, "The items of an array now have to be unique.",
    "tags: {type: array, items: string}", "tags: {type: array, items: string, unique_items: true}",
)
UNIQUE_ITEMS_REMOVED = _rule(
    "unique-items-removed", INFO, BREAK, "The items of an array no longer have to be unique.",
    "tags: {type: array, items: string, unique_items: true}", "tags: {type: array, items: string}",
)
MULTIPLE_OF_CHANGED = _rule(
    "multiple-of-changed", BREAK, BREAK, "The step of a number changed to one that is neither finer nor coarser.",
    "amount: {type: number, multiple_of: 0.25}", "amount: {type: number, multiple_of: 0.1}",
)

# bound name -> (plan key, which end, property type used in the examples, example values tight / loose)
_BOUNDS: dict[str, tuple[str, str, str, Any, Any]] = {
    "min-length": ("min_length", "low", "name: {type: string%s}", 5, 1),
    "max-length": ("max_length", "high", "name: {type: string%s}", 50, 100),
    "minimum": ("minimum", "low", "total: {type: number%s}", 10, 0),
    "maximum": ("maximum", "high", "total: {type: number%s}", 100, 1000),
    "min-items": ("min_items", "low", "products: {type: array, items: string%s}", 2, 1),
    "max-items": ("max_items", "high", "products: {type: array, items: string%s}", 10, 50),
    "multiple-of": ("multiple_of", "step", "amount: {type: number%s}", 0.5, 0.01),
}


def _bound_rules() -> dict[tuple[str, str], Rule]:
    rules: dict[tuple[str, str], Rule] = {}
    for name, (key, _end, shape, tight, loose) in _BOUNDS.items():
        with_tight, with_loose, without = shape % f", {key}: {tight}", shape % f", {key}: {loose}", shape % ""
        rules[name, "set"] = _rule(
            f"{name}-set", BREAK, INFO, f"A `{key}` bound was added.", without, with_tight
        )
        rules[name, "removed"] = _rule(
            f"{name}-removed", INFO, BREAK, f"The `{key}` bound was dropped.", with_tight, without
        )
        rules[name, "tightened"] = _rule(
            f"{name}-tightened", BREAK, INFO, f"The `{key}` bound got stricter: fewer values pass.", with_loose, with_tight
        )
        rules[name, "loosened"] = _rule(
            f"{name}-loosened", INFO, BREAK, f"The `{key}` bound got looser: more values pass.", with_tight, with_loose
        )
    return rules


BOUND_RULES = _bound_rules()

RULES: tuple[Rule, ...] = (
    ENUM_VALUE_ADDED,
    ENUM_VALUE_REMOVED,
    ENUM_SET,
    ENUM_REMOVED,
    CONST_ADDED,
    CONST_CHANGED,
    CONST_REMOVED,
    *BOUND_RULES.values(),
    MULTIPLE_OF_CHANGED,
    UNIQUE_ITEMS_SET,
    UNIQUE_ITEMS_REMOVED,
    PATTERN_ADDED,
    PATTERN_CHANGED,
    PATTERN_REMOVED,
    FORMAT_ADDED,
    FORMAT_CHANGED,
    FORMAT_REMOVED,
)

Bound = tuple[Any, bool]
"""A bound value and whether it is exclusive."""


def _range_bound(prop: Property, end: str) -> Bound | None:
    """The effective lower (``low``) or upper (``high``) bound of a number, exclusive variants folded in."""
    inclusive_key, exclusive_key = ("minimum", "exclusive_minimum") if end == "low" else ("maximum", "exclusive_maximum")
    candidates: list[Bound] = []
    if inclusive_key in prop.constraints:
        candidates.append((prop.constraints[inclusive_key], False))
    if exclusive_key in prop.constraints:
        candidates.append((prop.constraints[exclusive_key], True))
    if not candidates:
        return None
    if end == "low":
        value, exclusive = max(candidates, key=lambda bound: (bound[0], bound[1]))
    else:
        value, exclusive = min(candidates, key=lambda bound: (bound[0], not bound[1]))
    if prop.type == "integer":
        # on integers every bound is an inclusive whole number: > 0 is >= 1, <= 2.5 is <= 2
        if end == "low":
            value = math.floor(value) + 1 if exclusive else math.ceil(value)
        else:
            value = math.ceil(value) - 1 if exclusive else math.floor(value)
        exclusive = False
    return value, exclusive


def _tighter(end: str, old: Bound, new: Bound) -> bool | None:
    """True if ``new`` admits fewer values than ``old``, False if more, None if the same."""
    if old[0] == new[0] and old[1] == new[1]:
        return None
    if old[0] == new[0]:
        return bool(new[1])  # same value: the exclusive one is tighter
    return bool(new[0] > old[0]) if end == "low" else bool(new[0] < old[0])


def _show_bound(end: str, bound: Bound) -> str:
    symbol = {("low", False): ">=", ("low", True): ">", ("high", False): "<=", ("high", True): "<"}[end, bound[1]]
    return f"{symbol} {show(bound[0])}"


def _json_bound(end: str, bound: Bound) -> Any:
    if not bound[1]:
        return bound[0]
    return {"exclusive_minimum" if end == "low" else "exclusive_maximum": bound[0]}


def _fraction(value: Any) -> Fraction:
    return Fraction(str(value))


def _step_relation(old: Any, new: Any) -> str | None:
    """``tightened`` when every multiple of ``new`` is a multiple of ``old``, ``loosened`` the reverse."""
    old_f, new_f = _fraction(old), _fraction(new)
    if old_f == new_f:
        return None
    if (new_f / old_f).denominator == 1:
        return "tightened"
    if (old_f / new_f).denominator == 1:
        return "loosened"
    return "changed"


def _key(value: Any) -> Any:
    """Values JSON Schema calls equal share a key (``1`` and ``1.0``; never ``true`` and ``1``)."""
    from cdpctl.patterns import json_key

    return json_key(value)


def _enum_beside_const(constraints: dict[str, Any]) -> bool:
    """Whether an ``enum`` restricts values beyond the ``const`` beside it (not when it holds the const)."""
    enum = constraints.get("enum")
    if not isinstance(enum, list):
        return False
    return "const" not in constraints or not any(_key(v) == _key(constraints["const"]) for v in enum)


def _integer_step(step: Any) -> int | None:
    """The integers a ``multiple_of`` admits, as one integer step: an integer ``n`` is a multiple of ``p/q``
    (lowest terms, read as the decimal JSON writes) exactly when ``p`` divides ``n``; ``None`` when unsure."""
    from decimal import Decimal, InvalidOperation
    from fractions import Fraction

    if isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0:
        return None
    try:
        exact = Fraction(Decimal(repr(step)) if isinstance(step, float) else step)
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return exact.numerator


def _effective(prop: Property, other: Property) -> dict[str, Any]:
    """The constraints of ``prop`` that restrict its values: ``min_length: 0``, ``min_items: 0``, ``multiple_of: 1``
    on an integer and an enum of both booleans on a boolean say nothing; an enum of one value beside a ``const``
    on the other side is that const (``enum: [web]`` and ``const: web`` admit the same value)."""
    found = dict(prop.constraints)
    for key in ("min_length", "min_items"):
        if found.get(key) == 0:
            del found[key]
    if prop.type == "integer" and "multiple_of" in found:
        step = _integer_step(found["multiple_of"])  # 0.5 admits every integer, 1.5 the multiples of 3
        if step == 1:
            del found["multiple_of"]
        elif step is not None:
            found["multiple_of"] = step
    enum = found.get("enum")
    if "const" in found and isinstance(enum, list) and not _enum_beside_const(found):
        del found["enum"]  # the const is the one value admitted: the enum beside it says nothing more
        enum = None
    if prop.type == "boolean" and isinstance(enum, list) and {_key(v) for v in enum} == {_key(True), _key(False)}:
        del found["enum"]
    elif (isinstance(enum, list) and len(enum) == 1 and "const" not in found
          and "const" in other.constraints and not _enum_beside_const(other.constraints)):
        found["const"] = enum[0]
        del found["enum"]
    return found


def compare_constraints(where: Where, path: str, old: Property, new: Property, pos: Pos) -> Iterator[Change]:
    """Every constraint change between two versions of one property; ``pos`` is where to point in NEW."""
    if old.type == new.type != "any" and old.constraints == new.constraints:
        return  # the common case; values of one builtin type compare exactly (no True == 1 across types)
    name = field_name(path)
    noun = where.noun
    oc, nc = _effective(old, new), _effective(new, old)

    def at(*keys: str) -> Pos:
        for key in keys:
            if key in new.key_pos:
                return new.key_pos[key]
        return pos

    # enum
    if "enum" in oc and "enum" in nc:
        old_values = {_key(v): v for v in oc["enum"]}
        new_values = {_key(v): v for v in nc["enum"]}
        for key, value in new_values.items():
            if key not in old_values:
                yield where.change(
                    ENUM_VALUE_ADDED, path, f"{noun} '{name}' accepts the new enum value {show(value)}",
                    None, value, at("enum"),
                )
        for key, value in old_values.items():
            if key not in new_values:
                yield where.change(
                    ENUM_VALUE_REMOVED, path, f"{noun} '{name}' no longer accepts the enum value {show(value)}",
                    value, None, at("enum"),
                )
    elif "enum" in nc:
        yield where.change(
            ENUM_SET, path, f"{noun} '{name}' is now restricted to {show(nc['enum'])}", None, nc["enum"], at("enum")
        )
    elif "enum" in oc:
        yield where.change(
            ENUM_REMOVED, path, f"{noun} '{name}' is no longer restricted to {show(oc['enum'])}", oc["enum"], None, pos
        )

    # const
    if "const" in oc and "const" in nc:
        if _key(oc["const"]) != _key(nc["const"]):
            yield where.change(
                CONST_CHANGED, path, f"{noun} '{name}' must now be {show(nc['const'])} instead of {show(oc['const'])}",
                oc["const"], nc["const"], at("const"),
            )
    elif "const" in nc:
        yield where.change(
            CONST_ADDED, path, f"{noun} '{name}' must now be {show(nc['const'])}", None, nc["const"], at("const")
        )
    elif "const" in oc:
        yield where.change(
            CONST_REMOVED, path, f"{noun} '{name}' no longer has to be {show(oc['const'])}", oc["const"], None, pos
        )

    # bounds
    for bound_name, (key, end, _shape, _tight, _loose) in _BOUNDS.items():
        if end == "step":
            old_step, new_step = oc.get(key), nc.get(key)
            if old_step is None and new_step is None:
                continue
            if old_step is None or new_step is None:
                relation = "set" if old_step is None else "removed"
            else:
                step = _step_relation(old_step, new_step)
                if step is None:
                    continue
                relation = step
            rule = MULTIPLE_OF_CHANGED if relation == "changed" else BOUND_RULES[bound_name, relation]
            yield where.change(
                rule, path, _bound_message(noun, name, key, relation, show(old_step), show(new_step)),
                old_step, new_step, at(key),
            )
            continue
        if key in ("minimum", "maximum"):
            old_bound, new_bound = _range_bound(old, end), _range_bound(new, end)
            keys: tuple[str, ...] = (key, f"exclusive_{key}")
        else:
            old_bound = (oc[key], False) if key in oc else None
            new_bound = (nc[key], False) if key in nc else None
            keys = (key,)
        if old_bound is None and new_bound is None:
            continue
        if old_bound is None or new_bound is None:
            relation = "set" if old_bound is None else "removed"
        else:
            tighter = _tighter(end, old_bound, new_bound)
            if tighter is None:
                continue
            relation = "tightened" if tighter else "loosened"
        old_text = _show_bound(end, old_bound) if old_bound else "none"
        new_text = _show_bound(end, new_bound) if new_bound else "none"
        if key in ("min_length", "max_length", "min_items", "max_items"):
            old_text = show(old_bound[0]) if old_bound else "none"
            new_text = show(new_bound[0]) if new_bound else "none"
        yield where.change(
            BOUND_RULES[bound_name, relation], path, _bound_message(noun, name, key, relation, old_text, new_text),
            _json_bound(end, old_bound) if old_bound else None,
            _json_bound(end, new_bound) if new_bound else None,
            at(*keys),
        )

    # unique items
    old_unique, new_unique = bool(oc.get("unique_items")), bool(nc.get("unique_items"))
    if new_unique and not old_unique:
        yield where.change(
            UNIQUE_ITEMS_SET, path, f"the items of {noun} '{name}' must now be unique", False, True, at("unique_items")
        )
    elif old_unique and not new_unique:
        yield where.change(
            UNIQUE_ITEMS_REMOVED, path, f"the items of {noun} '{name}' no longer have to be unique", True, False, pos
        )

    # pattern and format
    for key, added, changed, removed, what in (
        ("pattern", PATTERN_ADDED, PATTERN_CHANGED, PATTERN_REMOVED, "match"),
        ("format", FORMAT_ADDED, FORMAT_CHANGED, FORMAT_REMOVED, "be in format"),
    ):
        old_value, new_value = oc.get(key), nc.get(key)
        if old_value == new_value:
            continue
        if old_value is None:
            yield where.change(added, path, f"{noun} '{name}' must now {what} {show(new_value)}", None, new_value, at(key))
        elif new_value is None:
            yield where.change(
                removed, path, f"{noun} '{name}' no longer has to {what} {show(old_value)}", old_value, None, pos
            )
        else:
            yield where.change(
                changed, path, f"{noun} '{name}' must now {what} {show(new_value)} instead of {show(old_value)}",
                old_value, new_value, at(key),
            )


def _bound_message(noun: str, name: str, key: str, relation: str, old_text: str, new_text: str) -> str:
    label = key.replace("_", " ")
    if relation == "set":
        return f"{noun} '{name}' gained a {label} bound: {new_text}"
    if relation == "removed":
        return f"{noun} '{name}' lost its {label} bound ({old_text})"
    return f"{noun} '{name}': {label} {relation} from {old_text} to {new_text}"
