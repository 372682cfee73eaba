"""Rules for properties defined by a raw JSON Schema (``json_schema:``) whose change cdpctl can decide.

An arbitrary raw schema is compared as a whole and any change is a warning
(``json-schema-changed``, in :mod:`cdpctl.diff.properties`): whether one JSON
Schema accepts more than another is not decidable in general.  Two cases are:
a schema that accepts every value (``true``, ``{}``) and one that accepts none
(``false``, ``{"not": {}}``).  A change to "none" or away from "every value"
narrows what producers may send; a change to "every value" or away from "none"
widens what consumers may receive.
"""

from __future__ import annotations

from typing import Any

from cdpctl.diff.rules import Example, Rule

BREAK, INFO = "breaking", "info"

JSON_SCHEMA_NARROWED = Rule(
    "json-schema-narrowed", BREAK, INFO,
    "A raw JSON Schema now accepts no value (`false`), or no longer accepts every value (it was `true`): "
    "producers sending the property fail.",
    Example("meta: {json_schema: true}", "meta: {json_schema: false}"),
)
JSON_SCHEMA_WIDENED = Rule(
    "json-schema-widened", INFO, BREAK,
    "A raw JSON Schema now accepts every value (`true`), or no longer accepts none (it was `false`): "
    "consumers may receive anything there.",
    Example("meta: {json_schema: {type: string}}", "meta: {json_schema: true}"),
)

RULES: tuple[Rule, ...] = (JSON_SCHEMA_NARROWED, JSON_SCHEMA_WIDENED)

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


def raw_rule(before: Any, after: Any) -> Rule | None:
    """The rule of a change between two different compiled schemas, when it can be decided."""
    old, new = extent(before), extent(after)
    if new == "none" or (old == "all" and new is None):
        return JSON_SCHEMA_NARROWED
    if new == "all" or (old == "none" and new is None):
        return JSON_SCHEMA_WIDENED
    return None


__all__ = ["JSON_SCHEMA_NARROWED", "JSON_SCHEMA_WIDENED", "RULES", "extent", "raw_rule", "written"]
