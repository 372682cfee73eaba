"""Classifying: jsonschema errors (and the locator's own failures) into findings with codes, folded paths
and messages.

The third step of a rejected message's explanation (decide, locate, classify, report): pure functions
of one error each; :mod:`~cdpctl.validation.findings` folds their findings into violations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cdpctl.formats import date_time_hint

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


CODE_OF_KEYWORD = {
    "type": "type_mismatch",
    "enum": "value_not_allowed",
    "const": "value_not_allowed",
    "required": "required_missing",
    "additionalProperties": "unplanned_property",
}
"""Every other keyword (pattern, format, lengths, bounds, multipleOf, item counts, uniqueItems) is ``constraint_failed``."""

KEYWORD_RANK = {"format": 0}
"""Which error's message represents a (code, path) when several keywords fail there (format before its pattern)."""

JSON_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def fold_path(parts: Iterable[Any]) -> str:
    """``['properties', 'products', 0, 'price']`` -> ``properties.products[].price``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += "[]"
        else:
            text += f".{part}" if text else str(part)
    return text


_INFINITY = float("inf")


def short_repr(value: Any, limit: int = 60) -> str:
    """A value as shown in a message, cut short (hostile input can be huge); ``null``, ``true``, ``false`` and
    a number too large for a double (``1e400``) as JSON spells them, not as Python does."""
    if value is None or value is True or value is False:  # by identity: 1.0 == True, and 0.0 == False
        text = "null" if value is None else "true" if value else "false"
    elif isinstance(value, float) and value in (_INFINITY, -_INFINITY):
        text = "1e400" if value > 0 else "-1e400"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_type(value: Any) -> str:
    return JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _names(value: Any) -> list[str]:
    return [str(name) for name in value] if isinstance(value, (list, tuple)) else []


def _expected_types(expected: Any) -> str:
    names = [expected] if isinstance(expected, str) else [str(name) for name in expected]
    return " or ".join(names)


def type_message(expected: Any, value: Any) -> str:
    """The message of a ``type`` error: ``expected`` is the schema's ``type`` keyword."""
    return f"expected {_expected_types(expected)}, got {describe_type(value)} ({short_repr(value)})"


def error_message(error: ValidationError) -> str:
    """A readable message for one error (the property path is shown separately)."""
    keyword = str(error.validator)
    own = keyword_message(keyword, error.validator_value, error.instance)
    if own is not None:
        return own
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."


def keyword_message(keyword: str, expected: Any, value: Any) -> str | None:
    """The message of an error of ``keyword`` (its schema value ``expected``) on ``value``;
    ``None`` for a keyword whose message is jsonschema's own."""
    if keyword == "type":
        return type_message(expected, value)
    if keyword == "enum":
        allowed = ", ".join(short_repr(item, 30) for item in expected)
        return f"{short_repr(value)} is not one of the allowed values: {allowed}"
    if keyword == "const":
        return f"{short_repr(value)} is not the allowed value {short_repr(expected, 30)}"
    if keyword == "format":
        hint = date_time_hint(value) if expected == "date-time" else ""
        return f"{short_repr(value)} is not a valid {expected}{hint}"
    if keyword == "pattern":
        return f"{short_repr(value)} does not match the pattern {expected}"
    if keyword == "uniqueItems":
        return "the array has duplicate items"
    return None


Found = tuple[str, str, str, int]
"""``(code, path, message, rank)``."""


def classify(
    error: ValidationError,
    field_key: str,
    required_fields: Sequence[str],
    prefix: Sequence[str | int] = (),
    required_context: Sequence[str] = (),
) -> list[Found] | None:
    """Classify one error; ``None`` means it concerns the envelope (outside ``properties``/``traits``).

    ``prefix`` is prepended to the error's path when it comes from checking a part of the message alone.
    """
    path = [*prefix, *error.absolute_path]
    keyword = str(error.validator)
    instance = error.instance
    # the call's fields, and the plan's common rules inside ``context`` (its being an object is the Spec's)
    if not path or path[0] not in (field_key, "context") or (len(path) == 1 and keyword == "type"):
        if keyword == "required" and not path and required_name(error) == field_key:
            return [no_fields(field_key, required_fields)]
        if keyword == "required" and not path and required_name(error) == "context":
            return [no_fields("context", required_context)]
        return None
    base = fold_path(path)
    if keyword == "required" and isinstance(instance, dict):
        return [missing(base, name) for name in _names(error.validator_value) if name not in instance]
    if keyword == "additionalProperties" and isinstance(instance, dict):
        planned = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        return [unplanned(base, name) for name in instance if name not in planned]
    code = CODE_OF_KEYWORD.get(keyword, "constraint_failed")
    return [(code, base, error_message(error), KEYWORD_RANK.get(keyword, 1))]


def no_fields(field_key: str, required_fields: Iterable[str]) -> Found:
    """The finding of a message without its ``properties``/``traits`` (or ``context``) object when the plan
    requires some of it."""
    names = ", ".join(required_fields)
    return ("required_missing", field_key, f"the message has no '{field_key}' object (the plan requires {names})", 1)


def missing(base: str, name: str) -> Found:
    return ("required_missing", f"{base}.{name}", f"required property '{name}' is missing", 1)


def unplanned(base: str, name: str) -> Found:
    return ("unplanned_property", f"{base}.{name}", f"'{name}' is not in the tracking plan", 1)


def envelope_field(error: ValidationError) -> str:
    """The envelope field an envelope-level schema error is about (``userId`` for the id rule)."""
    path = list(error.absolute_path)
    if path:
        return str(path[0])
    if error.validator == "anyOf":
        return "userId"
    if error.validator == "required":
        return required_name(error)
    return ""


def required_name(error: ValidationError) -> str:
    """The name a ``required`` error is about (``""`` if none is missing).  jsonschema gives one error per
    missing name, each with the whole list as its ``validator_value``: its text says which."""
    if not isinstance(error.instance, dict):
        return ""
    missing = [name for name in _names(error.validator_value) if name not in error.instance]
    said = [name for name in missing if str(error.message) == f"{name!r} is a required property"]
    return (said or missing or [""])[0]
