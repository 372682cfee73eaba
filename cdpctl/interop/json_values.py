"""JSON values as JSON Schema reads them: their type (``1.0`` is an integer), and integral floats written whole."""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def matches_type(value: Any, type_name: str) -> bool:
    kind = json_type(value)
    if type_name == "integer" and isinstance(value, float):
        return value.is_integer()
    return kind == type_name or (type_name == "number" and kind == "integer")


def whole(value: Any) -> Any:
    """An integral float (``1.0``, ``1e2``) as the integer it is in JSON Schema; other values as they are."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def unique(values: list[Any]) -> list[Any]:
    """``values`` without repeats, in their order (``1`` and ``1.0`` are one integer)."""
    kept: list[Any] = []
    for value in values:
        if not any(value == seen and type(value) is type(seen) for seen in kept):
            kept.append(value)
    return kept
