"""CP302 enum-consistency: no duplicate enum values, none differing only by case, one value type."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.errors import Pos
from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.model import Plan
from cdpctl.yamlsrc import YScalar, YSeq


def kind(value: Any) -> str:
    """The JSON type of an enum value (integers and numbers are one kind)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _identity(value: Any) -> tuple[str, str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("number", repr(float(value)))
    return (kind(value), repr(value))


def problems(values: list[Any], case_insensitive: bool, mixed_types: bool) -> list[tuple[int, str]]:
    """``(index, message)`` for each problem value of an enum (the message lacks the enum's label)."""
    found: list[tuple[int, str]] = []
    seen: dict[tuple[str, str], Any] = {}
    folded: dict[str, Any] = {}
    first_kind: str | None = None
    for index, value in enumerate(values):
        identity = _identity(value)
        if identity in seen:
            found.append((index, f"lists {value!r} twice"))
            continue
        seen[identity] = value
        if isinstance(value, str) and case_insensitive:
            lowered = value.casefold()
            if lowered in folded:
                found.append(
                    (index, f"has {value!r} and {folded[lowered]!r}, which differ only by case; senders will mix them up")
                )
                continue
            folded[lowered] = value
        if value is None:
            continue
        if first_kind is None:
            first_kind = kind(value)
        elif kind(value) != first_kind and mixed_types:
            found.append((index, f"mixes value types: {value!r} is a {kind(value)}, the first value a {first_kind}"))
    return found


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    for definition in source.definitions(plan):
        prop = definition.prop
        key_pos = prop.key_pos.get("enum")
        if key_pos is None or "enum" not in prop.constraints:
            continue  # inherited: reported where it is written
        values = list(prop.constraints["enum"])
        if not problems(values, options["case_insensitive"], options["mixed_types"]):
            continue
        # only now look at the source: the model drops null values, the YAML list has them all
        node = source.value_of_key(key_pos)
        positions: list[Pos] = []
        if isinstance(node, YSeq):
            values = [item.value if isinstance(item, YScalar) else None for item in node.items]
            positions = [item.pos for item in node.items]
        label = f"enum of {definition.kind} '{definition.path}' in {definition.where}"
        for index, message in problems(values, options["case_insensitive"], options["mixed_types"]):
            at = positions[index] if index < len(positions) else key_pos
            yield Hit(at, f"{label} {message}")


RULE = Rule(
    code="CP302",
    slug="enum-consistency",
    severity="warning",
    summary="Enums list each value once, not twice in different case, and values of one type.",
    description=(
        "An enum is a contract with every sender: a duplicate value is a sign of a bad merge, two values "
        "that differ only by case ('Web' and 'web') split the data in two, and an enum that mixes strings "
        "and numbers (possible on a property of type 'any') cannot be typed in generated clients or "
        "warehouse columns. Each finding points at the offending value inside the list. 'case_insensitive' "
        "and 'mixed_types' switch off those two checks."
    ),
    check=check,
    options={
        "case_insensitive": Option(True, "report string values that differ only by case"),
        "mixed_types": Option(True, "report enums that mix value types"),
    },
    passing="""\
events:
  Signup Started:
    description: The signup form was opened.
    properties:
      channel: {type: string, enum: [web, ios, android]}
""",
    failing="""\
events:
  Signup Started:
    description: The signup form was opened.
    properties:
      channel: {type: string, enum: [web, ios, Web, ios]}
      size:
        type: any
        enum:
          - small
          - 2
""",
    failing_at=[(5, 48), (5, 53), (10, 13)],
)
