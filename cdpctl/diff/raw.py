"""Rules for properties defined by a raw JSON Schema (``json_schema:``) whose change cdpctl can decide.

An arbitrary raw schema is compared as a whole and any change is a warning
(``json-schema-changed``, in :mod:`cdpctl.diff.properties`): whether one JSON
Schema accepts more than another is not decidable in general.  Three cases are:
a schema that accepts every value (``true``, ``{}``), one that accepts none
(``false``, ``{"not": {}}``), and one that says nothing but ``type`` (the
common escape hatch for a union of types, ``{type: [string, number]}``).  A
change to fewer values (to ``false``, away from ``true``, fewer types)
narrows what producers may send; a change to more values widens what
consumers may receive; types both dropped and added break both sides.
"""

from __future__ import annotations

from typing import Any

from cdpctl.diff.rules import Example, Rule

BREAK, INFO = "breaking", "info"

JSON_SCHEMA_NARROWED = Rule(
    "json-schema-narrowed", BREAK, INFO,
    "A raw JSON Schema accepts less: no value now (`false`), no longer every value (it was `true`), or fewer "
    "types where it says only `type`: producers sending what it dropped fail.",
    Example("meta: {json_schema: true}", "meta: {json_schema: false}"),
)
JSON_SCHEMA_WIDENED = Rule(
    "json-schema-widened", INFO, BREAK,
    "A raw JSON Schema accepts more: every value now (`true`), no longer none (it was `false`), or more types "
    "where it says only `type`: consumers may receive what they did not before.",
    Example("meta: {json_schema: {type: string}}", "meta: {json_schema: true}"),
)

JSON_SCHEMA_TYPES_CHANGED = Rule(
    "json-schema-types-changed", BREAK, BREAK,
    "A raw JSON Schema that says only `type` (or a plan type turned into one) drops some types and adds others: "
    "producers sending a dropped type fail, and consumers may receive a type they did not before.",
    Example("opted_in: {type: boolean}", "opted_in: {json_schema: {type: string}}"),
)

RULES: tuple[Rule, ...] = (JSON_SCHEMA_NARROWED, JSON_SCHEMA_WIDENED, JSON_SCHEMA_TYPES_CHANGED)

ACCEPTS_ALL: dict[str, Any] = {}
ACCEPTS_NONE: dict[str, Any] = {"not": {}}


def extent(schema: Any) -> str | None:
    """``"all"`` for a schema that accepts every value, ``"none"`` for one that accepts none, else ``None``
    (undecided: any other schema, even one that happens to accept everything)."""
    if schema is True or schema == ACCEPTS_ALL:
        return "all"
    if schema is False or schema == ACCEPTS_NONE:
        return "none"
    return None


def written(schema: Any) -> str | None:
    """How a message names a schema of known extent: ``true`` or ``false``."""
    return {"all": "true", "none": "false"}.get(extent(schema) or "")


JSON_TYPES = frozenset(("array", "boolean", "integer", "null", "number", "object", "string"))


def type_set(schema: Any) -> frozenset[str] | None:
    """The types a schema that says nothing but ``type`` accepts (``None`` for any other schema)."""
    if not isinstance(schema, dict) or set(schema) != {"type"}:
        return None
    value = schema["type"]
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(name, str) and name in JSON_TYPES for name in names):
        return None
    return frozenset(names)


def _within(inner: frozenset[str], outer: frozenset[str]) -> bool:
    """Whether every value of the types ``inner`` is of a type of ``outer`` (an integer is a number)."""
    return all(name in outer or (name == "integer" and "number" in outer) for name in inner)


def equivalent(before: Any, after: Any) -> bool:
    """Whether two schemas that say only ``type`` accept the same values (``[number, integer]``, ``number``)."""
    old_types, new_types = type_set(before), type_set(after)
    return old_types is not None and new_types is not None and _within(old_types, new_types) and _within(new_types, old_types)


def raw_rule(before: Any, after: Any) -> Rule | None:
    """The rule of a change between two different compiled schemas, when it can be decided (``None``:
    undecided)."""
    old, new = extent(before), extent(after)
    if new == "none" or (old == "all" and new is None):
        return JSON_SCHEMA_NARROWED
    if new == "all" or (old == "none" and new is None):
        return JSON_SCHEMA_WIDENED
    old_types, new_types = type_set(before), type_set(after)
    if old_types is None or new_types is None:
        return None
    fewer, more = _within(new_types, old_types), _within(old_types, new_types)
    if fewer and not more:
        return JSON_SCHEMA_NARROWED
    if more and not fewer:
        return JSON_SCHEMA_WIDENED
    if not fewer and not more:  # some types gone and others new: both sides break
        return JSON_SCHEMA_TYPES_CHANGED
    return None


__all__ = ["JSON_SCHEMA_NARROWED", "JSON_SCHEMA_TYPES_CHANGED", "JSON_SCHEMA_WIDENED", "JSON_TYPES", "RULES", "equivalent", "extent", "raw_rule", "type_set", "written"]
