"""Python type annotations for plan properties, and the ``TypedDict`` classes they need.

Mapping (documented in the README, under ``cdpctl generate python``):

- ``string`` -> ``str`` (``format: date-time`` -> ``str | datetime``, ``format: date`` -> ``str | date``),
  ``integer`` -> ``int``, ``number`` -> ``float``, ``boolean`` -> ``bool``, ``any`` -> ``Any``;
- ``enum`` -> a named ``Literal`` alias at module level (``Currency = Literal["USD", "EUR"]``),
  named after the property (the shared definition's name, an array's items in the singular) and reused
  by every property with the same values; ``const`` -> an inline ``Literal[...]`` (when every value can
  be a ``Literal``: strings, integers, booleans; a float enum keeps its base type);
- ``nullable`` -> ``X | None``; ``array`` -> ``list[X]``;
- an object with planned properties -> a ``TypedDict`` (a reusable type keeps one class wherever it is
  used); when it also admits unplanned properties -> ``TheClass | dict[str, Any]``; an object without
  planned properties -> ``dict[str, Any]``;
- a ``json_schema:`` escape hatch -> a ``Literal`` of its ``const`` / ``enum``, else the union of its
  ``type`` names (``[string, number, "null"]`` -> ``str | float | None``), else ``Any``.

The renderer runs twice over the same plan: once to collect the class and alias names it wants
(``want``), once with the allocated, collision-free names, so both passes walk exactly the same keys.
An alias's key is ``("enum", values)``: one alias per distinct list of values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cdpctl.codegen.naming import pascal_case, py_str
from cdpctl.model import Property

ClassKey = tuple[str, ...]


@dataclass
class TypedDictDef:
    """One ``TypedDict`` to emit: its keys (original names) with their annotations."""

    name: str
    description: str | None
    required: list[tuple[str, str]] = field(default_factory=list)
    optional: list[tuple[str, str]] = field(default_factory=list)


def _literal(value: Any) -> str | None:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return py_str(value)
    return None


_RAW_TYPES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "array": "list[Any]",
    "object": "dict[str, Any]",
    "null": "None",
}
"""Annotation of each JSON Schema ``type`` name in a ``json_schema:`` escape hatch."""


def alias_wanted(prop: Property) -> str:
    """The alias name an enum property asks for: ``order_status`` -> ``OrderStatus``, ``channels[]`` -> ``Channel``."""
    name = prop.shared or prop.name
    if name.endswith("[]"):
        name = name.removesuffix("[]")
        if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
            name = name[:-1]
    return pascal_case(name, "Enum")


@dataclass
class TypeRenderer:
    """Renders annotations; ``class_name(key, wanted)`` names the ``TypedDict`` at ``key``."""

    class_name: Callable[[ClassKey, str], str]
    type_descriptions: dict[str, str | None] = field(default_factory=dict)
    definitions: list[TypedDictDef] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    """Alias name -> its ``Literal[...]``, in the order first used."""
    uses: set[str] = field(default_factory=set)
    _done: set[ClassKey] = field(default_factory=set)

    def annotation(self, prop: Property, key: ClassKey, wanted: str) -> str:
        """The annotation of ``prop``; ``key`` and ``wanted`` name the class an inline object would get."""
        base = self._base(prop, key, wanted)
        if prop.nullable and base != "Any":
            return f"{base} | None"
        return base

    def _base(self, prop: Property, key: ClassKey, wanted: str) -> str:
        raw = prop.extra.get("json_schema")
        if isinstance(raw, dict):
            return self._raw(raw)
        constraints = prop.constraints
        if "const" in constraints and constraints["const"] is not None:
            literal = _literal(constraints["const"])
            if literal is not None:
                self.uses.add("Literal")
                return f"Literal[{literal}]"
        if "enum" in constraints:
            literals = [_literal(value) for value in constraints["enum"]]
            if literals and all(item is not None for item in literals):
                self.uses.add("Literal")
                text = f"Literal[{', '.join(item for item in literals if item is not None)}]"
                name = self.class_name(("enum", text), alias_wanted(prop))
                self.aliases.setdefault(name, text)
                return name
        kind = prop.type
        if kind == "string":
            fmt = constraints.get("format")
            if fmt == "date-time":
                return "str | datetime"
            if fmt == "date":
                return "str | date"
            return "str"
        if kind == "integer":
            return "int"
        if kind == "number":
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "array":
            if prop.items is None:
                self.uses.add("Any")
                return "list[Any]"
            item = self.annotation(prop.items, (*key, "[]"), f"{wanted}Item")
            return f"list[{item}]"
        if kind == "object":
            if prop.ref is not None:
                key, wanted = ("type", prop.ref), pascal_case(prop.ref, "T")
            if not prop.properties:
                self.uses.add("Any")
                return "dict[str, Any]"
            name = self.class_name(key, wanted)
            if key not in self._done:
                self._done.add(key)
                description = self.type_descriptions.get(prop.ref) if prop.ref is not None else prop.description
                self._define(name, prop, key, wanted, description)
            if prop.additional_properties:
                self.uses.add("Any")
                return f"{name} | dict[str, Any]"
            return name
        self.uses.add("Any")
        return "Any"

    def _raw(self, raw: dict[str, Any]) -> str:
        """A ``json_schema:`` escape hatch: a ``Literal`` of its ``const`` / ``enum``, or the union of its
        ``type`` names; ``Any`` when neither says it (validation uses the raw schema either way)."""
        values: list[Any] | None = None
        if "const" in raw:
            values = [raw["const"]]
        elif isinstance(raw.get("enum"), list) and raw["enum"]:
            values = list(raw["enum"])
        if values is not None:
            literals = [_literal(value) for value in values if value is not None]
            if all(item is not None for item in literals) and literals:
                self.uses.add("Literal")
                text = f"Literal[{', '.join(dict.fromkeys(item for item in literals if item is not None))}]"
                return text + " | None" if None in values else text
        kinds = raw.get("type")
        names = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else None
        if not names or not all(isinstance(name, str) and name in _RAW_TYPES for name in names):
            self.uses.add("Any")
            return "Any"
        if "number" in names:
            names = [name for name in names if name != "integer"]  # float admits int already
        parts = list(dict.fromkeys(_RAW_TYPES[name] for name in names if name != "null"))
        if any("Any" in part for part in parts):
            self.uses.add("Any")
        if "null" in names:
            parts.append("None")
        return " | ".join(parts)

    def _define(self, name: str, prop: Property, key: ClassKey, wanted: str, description: str | None) -> None:
        self.uses.add("TypedDict")
        definition = TypedDictDef(name, description)
        for child_name, child in prop.properties.items():
            child_wanted = wanted + pascal_case(child_name, "P")
            annotation = self.annotation(child, (*key, child_name), child_wanted)
            (definition.required if child.required else definition.optional).append((child_name, annotation))
        self.definitions.append(definition)  # after its children: no forward references
