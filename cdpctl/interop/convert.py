"""JSON Schema (draft-04, -06, -07, as Segment stores it) -> plan property definitions.

Each property schema becomes the plan definition a person would write (``type``, ``nullable``,
``enum``, constraints, nested ``properties`` and ``items``).  What the plan format cannot say
(unions of several types, ``anyOf``, tuples, ``patternProperties``...) is kept verbatim under a
``json_schema:`` escape hatch, so the compiled schema still accepts exactly what the source did.
What is left out (annotations such as ``title``; a ``pattern`` Python cannot compile) is reported
as a :class:`~cdpctl.interop.notes.Note` with its JSON pointer and as a comment in the YAML.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from cdpctl.interop.json_values import json_type, matches_type, unique, whole
from cdpctl.interop.notes import Note, pointer_join
from cdpctl.interop.refs import has_ref, own_id
from cdpctl.model import APPLIES_TO, CONSTRAINT_KEYS, FORMATS, JSON_SCHEMA_KEYWORD
from cdpctl.rawschema import LEGACY, dialect, unwrapped

Path = tuple[str, ...]

PROPERTY_ORDER = (
    "type",
    "description",
    "required",
    "nullable",
    *CONSTRAINT_KEYS,
    "items",
    "additional_properties",
    "properties",
    "deprecated",
    "examples",
    "json_schema",
)

CONSTRAINTS = {keyword: key for key, keyword in JSON_SCHEMA_KEYWORD.items() if key not in ("enum", "const")}
"""JSON Schema constraint keywords and the plan keys they become (enum and const are handled apart)."""
BOOKKEEPING = ("id", "$id", "$schema", "key", "labels", "eventMetadata")
"""Segment's own bookkeeping in rule schemas: no effect on validation, not imported."""
ANNOTATIONS = ("title", "default", "$comment", "readOnly", "writeOnly", "contentMediaType", "contentEncoding")
"""Annotations without effect on validation that the plan format has no key for (reported, not imported)."""
HANDLED = {
    "type",
    "description",
    "enum",
    "const",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "deprecated",
    "examples",
    *CONSTRAINTS,
    *BOOKKEEPING,
    *ANNOTATIONS,
}
JSON_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")
SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependencies")
SCHEMA_ONE = ("additionalProperties", "additionalItems", "not", "contains", "propertyNames", "if", "then", "else")
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def draft_of(schema: Any) -> int:
    """4, 6 or 7 from a schema's ``$schema`` (7 when absent or unknown)."""
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if isinstance(uri, str):
        for number in (4, 6):
            if f"draft-0{number}" in uri:
                return number
    return 7


def ordered(definition: dict[str, Any]) -> dict[str, Any]:
    """A definition with its keys in the canonical order (known keys first, then ``x-`` keys sorted)."""
    result = {key: definition[key] for key in PROPERTY_ORDER if key in definition}
    for key in sorted(definition):
        if key not in result:
            result[key] = definition[key]
    return result


NOT_IN_DRAFT = {4: ("const", "contains", "propertyNames", "if", "then", "else"), 6: ("if", "then", "else")}
"""Draft-07 keywords an older draft does not have: a validator of that draft ignores them, so they go."""


def clean_schema(schema: Any, draft: int, dropped: list[str] | None = None, pointer: str = "") -> Any:
    """A raw schema ready to be compiled as Draft-07: bookkeeping removed, draft-04 forms rewritten, and
    the keywords the schema's own draft does not have (:data:`NOT_IN_DRAFT`: they had no effect) removed,
    each one's pointer added to ``dropped``."""
    if not isinstance(schema, dict):
        return copy.deepcopy(schema)

    def clean(sub: Any, *keys: str | int) -> Any:
        where = pointer
        for key in keys:
            where = pointer_join(where, str(key))
        return clean_schema(sub, draft, dropped, where)

    result: dict[str, Any] = {}
    absent = NOT_IN_DRAFT.get(draft, ())
    for key, value in schema.items():
        if key in BOOKKEEPING:
            continue
        if key in absent:
            if dropped is not None:
                dropped.append(pointer_join(pointer, key))
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {
                name: clean(sub, key, name) if isinstance(sub, (dict, bool)) else copy.deepcopy(sub)
                for name, sub in value.items()
            }
        elif key in SCHEMA_ONE:
            result[key] = clean(value, key)
        elif key in SCHEMA_LISTS and isinstance(value, list):
            result[key] = [clean(sub, key, index) for index, sub in enumerate(value)]
        elif key == "items":
            result[key] = (
                [clean(sub, key, index) for index, sub in enumerate(value)] if isinstance(value, list) else clean(value, key)
            )
        else:
            result[key] = copy.deepcopy(value)
    if draft == 4:
        for bound, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
            flag = result.get(exclusive)
            if isinstance(flag, bool):
                del result[exclusive]
                if flag and bound in result:
                    result[exclusive] = result.pop(bound)
    return result


@dataclass
class Converter:
    """Converts property schemas, collecting notes (with pointers) and YAML comments (by plan path)."""

    draft: int = 7
    notes: list[Note] = field(default_factory=list)
    comments: dict[Path, list[str]] = field(default_factory=dict)
    draft4_integers: list[str] = field(default_factory=list)
    """Pointers of the ``integer`` properties of draft-04 rules (draft-04 refuses ``1.0`` there; cdpctl accepts it)."""

    def comment(self, path: Path, text: str) -> None:
        self.comments.setdefault(path, []).append(text)

    def lossy(self, path: Path, pointer: str, message: str) -> None:
        self.notes.append(Note(pointer, message, "warning"))
        self.comment(path, f"lossy: {message} ({pointer})")

    # -- objects ---------------------------------------------------------
    def fields(self, schema: dict[str, Any], pointer: str, path: Path) -> tuple[dict[str, Any], bool]:
        """The properties of an object schema and its ``additionalProperties`` (true when absent)."""
        props = schema.get("properties")
        required = schema.get("required")
        if props is not None and not isinstance(props, dict):
            self.lossy(path, pointer_join(pointer, "properties"), "'properties' is not an object; ignored")
        if required is not None and not (isinstance(required, list) and all(isinstance(n, str) for n in required)):
            self.lossy(path, pointer_join(pointer, "required"), "'required' is not a list of names; ignored")
        names = [name for name in required if isinstance(name, str)] if isinstance(required, list) else []
        result: dict[str, Any] = {}
        if isinstance(props, dict):
            for name, sub in props.items():
                definition = self.property(sub, pointer_join(pointer, "properties", name), (*path, name))
                if name in names:
                    definition["required"] = True
                result[name] = ordered(definition)
        ap = schema.get("additionalProperties", True)
        for name in names:
            if name not in result:
                result[name] = {"type": "any", "required": True}
                self.comment((*path, name), "listed in 'required' but not defined in 'properties'")
                if ap is False:  # required and forbidden: the source accepts nothing here; the plan cannot say so
                    self.lossy((*path, name), pointer_join(pointer, "required"), f"'{name}' is required but not in "
                               "'properties', which 'additionalProperties: false' forbids: the rule accepts no message; "
                               "imported as a required property of any type")
        return result, ap is not False

    # -- properties ------------------------------------------------------
    def cleaned(self, schema: dict[str, Any], pointer: str, path: Path) -> Any:
        """:func:`clean_schema` of a property schema, a note for each keyword its draft does not have."""
        dropped: list[str] = []
        result = clean_schema(schema, self.draft, dropped, pointer)
        kind = schema.get("type")
        if self.draft == 4 and (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
            self.draft4_integers.append(pointer)
        for where in dropped:
            keyword = where.rpartition("/")[2]
            self.lossy(path, where, f"'{keyword}' is not a draft-0{self.draft} keyword (it had no effect): left out")
        return result

    def raw(self, schema: Any, pointer: str, path: Path, why: str) -> dict[str, Any]:
        """The escape hatch: the schema verbatim under ``json_schema:`` (description kept as a plan key)."""
        cleaned = self.cleaned(schema, pointer, path) if isinstance(schema, dict) else {"not": {}}
        definition: dict[str, Any] = {}
        if isinstance(cleaned, dict):
            description = cleaned.pop("description", None)
            if isinstance(description, str) and description:
                definition["description"] = description
            for key in ANNOTATIONS:
                cleaned.pop(key, None)
        if has_ref(cleaned):
            self.lossy(path, pointer, "a $ref that cannot be inlined; the property accepts any value")
            definition["type"] = "any"
            return definition
        problem = _schema_problem(cleaned)
        if problem is None:
            bad = _unrunnable_pattern(cleaned)
            problem = None if bad is None else f"pattern {bad!r} cannot run on cdpctl's linear-time engine"
        if problem is not None:
            self.lossy(path, pointer, f"not a valid JSON Schema ({problem}); the property accepts any value")
            definition["type"] = "any"
            return definition
        definition["json_schema"] = cleaned
        self.notes.append(Note(pointer, f"{why}: kept as raw JSON Schema", "info"))
        self.comment(path, f"{why}: kept as raw JSON Schema")
        return definition

    def resource(self, schema: dict[str, Any], pointer: str, path: Path) -> dict[str, Any]:
        """A property schema that is a schema resource of its own (it names its ``$schema``): the raw block, with
        the wrapping ``export segment`` gives a block (a content ``$id``, an ``allOf`` around a root ``$ref``) undone."""
        body = {key: copy.deepcopy(value) for key, value in schema.items() if not own_id(key, value)}
        uri = body.pop("$schema")
        inner = unwrapped(body, dialect({"$schema": uri}) in LEGACY, any(own_id(key, value) for key, value in schema.items()))
        body = body if inner is None else {key: value for key, value in inner.items() if not own_id(key, value)}
        block = body if dialect({"$schema": uri}) == "draft-07" else {"$schema": uri, **body}  # a block's default
        why = "a schema resource of its own ($schema)"
        self.notes.append(Note(pointer, f"{why}: kept as raw JSON Schema", "info"))
        self.comment(path, f"{why}: kept as raw JSON Schema")
        return {"json_schema": block}

    def other_dialect(self, schema: dict[str, Any], pointer: str, path: Path) -> dict[str, Any]:
        """A property schema naming a ``$schema`` a raw block cannot (draft-04): read as a property of its draft."""
        saved, self.draft = self.draft, draft_of(schema)
        self.notes.append(Note(pointer_join(pointer, "$schema"), f"{schema['$schema']!r}: read as draft-0{self.draft}", "info"))
        try:
            return self.property({key: value for key, value in schema.items() if key != "$schema"}, pointer, path)
        finally:
            self.draft = saved

    def property(self, schema: Any, pointer: str, path: Path) -> dict[str, Any]:
        """The plan definition of one property schema."""
        if schema is True:
            return {"type": "any"}
        if schema is False:
            return self.raw(schema, pointer, path, "a schema that accepts nothing")
        if not isinstance(schema, dict):
            self.lossy(path, pointer, f"{json_type(schema)} is not a JSON Schema; the property accepts any value")
            return {"type": "any"}
        if "$schema" in schema:  # a schema resource of its own (as cdpctl exports a raw block): kept whole
            if dialect({"$schema": schema["$schema"]}) is not None:
                return self.resource(schema, pointer, path)
            return self.other_dialect(schema, pointer, path)
        schema = self.cleaned(schema, pointer, path)
        for key in ANNOTATIONS:
            if key in schema:
                self.lossy(path, pointer_join(pointer, key), f"annotation '{key}' ({schema[key]!r}) has no plan key")
        unknown = sorted(key for key in schema if key not in HANDLED and not key.startswith("x-"))
        if unknown:
            return self.raw(schema, pointer, path, f"keyword{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")

        definition: dict[str, Any] = {key: value for key, value in schema.items() if key.startswith("x-")}
        description = schema.get("description")
        if isinstance(description, str) and description:
            definition["description"] = description
        elif description is not None and not isinstance(description, str):
            self.lossy(path, pointer_join(pointer, "description"), f"a description that is not text ({description!r})")
        if schema.get("deprecated") is True:
            definition["deprecated"] = True
        if isinstance(schema.get("examples"), list):
            definition["examples"] = schema["examples"]
        elif "examples" in schema:
            self.lossy(path, pointer_join(pointer, "examples"), "'examples' that is not a list")

        raw_type = schema.get("type", [])
        types = [raw_type] if isinstance(raw_type, str) else raw_type
        if not isinstance(types, list) or not all(isinstance(t, str) and t in JSON_TYPES for t in types):
            return self.raw(schema, pointer, path, "an unknown 'type'")
        types = list(dict.fromkeys(types))
        non_null = [t for t in types if t != "null"]
        if "integer" in non_null and "number" in non_null:
            non_null.remove("integer")
        nullable = "null" in types

        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list) or not values:
                return self.raw(schema, pointer, path, "an empty or malformed 'enum'")
            if types:
                values = [v for v in values if any(matches_type(v, t) for t in types)]
                if not values:
                    return self.raw(schema, pointer, path, "an 'enum' none of whose values has the declared type")
            nullable = None in values
            kinds = {json_type(v) for v in values if v is not None}
            if kinds == {"integer", "number"}:
                kinds = {"number"}
            if len(non_null) == 1:
                plan_type = non_null[0]
            elif len(kinds) == 1:
                plan_type = kinds.pop()  # the enum allows nothing else, so the narrower type says the same
            else:
                plan_type = "any"
            definition["enum"] = values
        elif not non_null:
            if nullable:
                return self.raw(schema, pointer, path, "type 'null'")
            plan_type = "any"
        elif len(non_null) == 1:
            plan_type = non_null[0]
        else:
            return self.raw(schema, pointer, path, f"a union type ({', '.join(types)})")
        if plan_type == "integer" and "enum" in definition:  # 1.0 is an integer in JSON Schema: written 1
            definition["enum"] = unique([whole(v) for v in definition["enum"]])
        if "const" in schema:
            value = whole(schema["const"]) if plan_type == "integer" else schema["const"]
            if plan_type != "any" and not matches_type(value, plan_type) and value is not None:
                return self.raw(schema, pointer, path, "a 'const' of another type than the property")
            if "enum" in definition and value not in definition["enum"]:
                return self.raw(schema, pointer, path, "a 'const' outside its 'enum'")
            nullable = value is None
            definition["const"] = value
        if nullable and (plan_type != "any" or "enum" in definition or "const" in definition):
            definition["nullable"] = True

        for keyword, key in CONSTRAINTS.items():
            if keyword not in schema:
                continue
            value = schema[keyword]
            if plan_type not in (*APPLIES_TO[key], "any"):
                return self.raw(schema, pointer, path, f"'{keyword}' on a property of type {plan_type}")
            if key == "format" and value not in FORMATS:
                return self.raw(schema, pointer, path, f"format '{value}'")
            if key == "pattern" and (not isinstance(value, str) or not _compiles(value)):
                message = f"pattern {value!r} is not an ECMA-262 pattern cdpctl can run in linear time"
                self.lossy(path, pointer_join(pointer, keyword), message)
                continue
            if not _valid_constraint(key, value):
                return self.raw(schema, pointer, path, f"an unusual '{keyword}' value")
            definition[key] = value
        if _contradicts(definition):
            return self.raw(schema, pointer, path, "bounds no value can satisfy")

        object_keys = ("properties", "required", "additionalProperties")
        if any(key in schema for key in object_keys):
            if plan_type != "object":
                return self.raw(schema, pointer, path, f"object keywords on a property of type {plan_type}")
            ap = schema.get("additionalProperties", True)
            if not isinstance(ap, bool) and ap != {}:
                return self.raw(schema, pointer, path, "a schema for additional properties")
            if not isinstance(schema.get("properties", {}), dict):
                return self.raw(schema, pointer, path, "malformed 'properties'")
            children, ap_value = self.fields(schema, pointer, path + ("properties",))
            if children:
                definition["properties"] = children
            definition["additional_properties"] = ap_value
        elif plan_type == "object":
            definition["additional_properties"] = True
        if "items" in schema:
            items = schema["items"]
            if plan_type != "array":
                return self.raw(schema, pointer, path, f"'items' on a property of type {plan_type}")
            if isinstance(items, list):
                return self.raw(schema, pointer, path, "tuple 'items'")
            if items is not True and items != {}:
                item = self.property(items, pointer_join(pointer, "items"), path + ("items",))
                item.pop("required", None)
                if item != {"type": "any"}:  # items of any kind say nothing
                    definition["items"] = ordered(item)
        definition["type"] = plan_type
        return ordered(definition)


def _schema_problem(schema: Any) -> str | None:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError

    from cdpctl.patterns import schema_format_checker

    try:  # 'regex' formats (patterns) are ECMA-262, as the plan's engine reads them
        Draft7Validator.check_schema(schema, format_checker=schema_format_checker(Draft7Validator))
    except SchemaError as exc:
        return str(exc.message)
    return None


def _compiles(pattern: str) -> bool:
    """Whether the plan's linear-time ECMA-262 engine runs ``pattern`` (what the loader will ask)."""
    from cdpctl.patterns import PatternError, compile_pattern

    try:
        compile_pattern(pattern)
    except PatternError:
        return False
    return True


def _unrunnable_pattern(schema: Any) -> str | None:
    """The first ``pattern`` (or ``patternProperties`` key) of a raw schema the plan's engine cannot run."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found = node.get("pattern")
            candidates = [found] if isinstance(found, str) else []
            keyed = node.get("patternProperties")
            candidates += [key for key in keyed if isinstance(key, str)] if isinstance(keyed, dict) else []
            for pattern in candidates:
                if not _compiles(pattern):
                    return pattern
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _contradicts(definition: dict[str, Any]) -> bool:
    pairs = (
        ("minimum", "maximum", False),
        ("exclusive_minimum", "exclusive_maximum", True),
        ("minimum", "exclusive_maximum", True),
        ("exclusive_minimum", "maximum", True),
        ("min_length", "max_length", False),
        ("min_items", "max_items", False),
    )
    for low, high, strict in pairs:
        if low in definition and high in definition:
            a, b = definition[low], definition[high]
            if (a >= b) if strict else (a > b):
                return True
    return False


def _valid_constraint(key: str, value: Any) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if key in ("min_length", "max_length", "min_items", "max_items"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if key == "unique_items":
        return isinstance(value, bool)
    if key == "multiple_of":
        return number and value > 0
    if key in ("minimum", "maximum", "exclusive_minimum", "exclusive_maximum"):
        return number
    return True
