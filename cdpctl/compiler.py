"""Compile a plan into one self-contained JSON Schema per governed call.

Every reuse (shared properties, reusable types) is already resolved in the
model, so each schema is self-contained.  Output is deterministic: key order
follows the plan, and JSON is written with a fixed layout.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdpctl.errors import UsageError
from cdpctl.formats import FORMAT_PATTERNS
from cdpctl.model import CONSTRAINT_KEYS, JSON_SCHEMA_KEYWORD, Call, Plan, Property
from cdpctl.rawschema import as_resource
from cdpctl.slug import unique_slugs
from cdpctl.spec import envelope_schema

DRAFTS = {
    "07": "http://json-schema.org/draft-07/schema#",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
}
DRAFT_ALIASES = {"7": "07", "draft-07": "07", "draft7": "07", "draft-2020-12": "2020-12", "2020": "2020-12"}


def normalize_draft(draft: str) -> str:
    draft = DRAFT_ALIASES.get(draft, draft)
    if draft not in DRAFTS:
        raise UsageError(f"unknown JSON Schema draft '{draft}'; choose 07 or 2020-12")
    return draft


@dataclass(frozen=True)
class CompiledSchema:
    type: str
    event: str | None
    file: str
    schema: dict[str, Any]

    def index_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": self.type}
        if self.event is not None:
            entry["event"] = self.event
        entry["file"] = self.file
        return entry


@dataclass(frozen=True)
class CompiledPlan:
    plan: str
    version: str
    draft: str
    schemas: list[CompiledSchema]

    def index(self) -> dict[str, Any]:
        return {
            "plan": self.plan,
            "version": self.version,
            "schemas": [schema.index_entry() for schema in self.schemas],
        }

    def bundle(self) -> dict[str, Any]:
        """One document with every schema (what ``cdpctl compile`` prints without ``--out``)."""
        return {
            "plan": self.plan,
            "version": self.version,
            "schemas": [{**schema.index_entry(), "schema": schema.schema} for schema in self.schemas],
        }

    def for_call(self, call_type: str, event: str | None) -> CompiledSchema | None:
        for schema in self.schemas:
            if schema.type == call_type and schema.event == event:
                return schema
        return None


def property_schema(
    prop: Property, *, format_patterns: bool = True, extensions: bool = False, resource: str | None = None
) -> dict[str, Any]:
    """The JSON Schema of one resolved property (recursively).

    ``format_patterns`` adds each format's equivalent pattern (so any validator enforces it);
    ``extensions`` carries the plan's ``x-`` keys.  The Segment exporter turns the first off and the
    second on, so that importing its output gives the plan back.  ``resource`` is the draft of a
    compiled call schema: a raw ``json_schema:`` block is then written as a schema resource of its own
    where it needs to be one (:func:`cdpctl.rawschema.as_resource`); without it, as the plan has it.
    """
    if "json_schema" in prop.extra:
        schema = raw_property_schema(prop, prop.extra["json_schema"], resource=resource)
    else:
        schema = _planned_property_schema(prop, format_patterns, extensions, resource)
    if extensions:
        schema.update((key, value) for key, value in prop.extra.items() if key.startswith("x-"))
    return schema


def _planned_property_schema(
    prop: Property, format_patterns: bool, extensions: bool, resource: str | None
) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if prop.description:
        schema["description"] = prop.description
    if prop.type != "any":
        schema["type"] = [prop.type, "null"] if prop.nullable else prop.type
    constraints = prop.constraints
    for key in CONSTRAINT_KEYS:
        if key not in constraints:
            continue
        value = constraints[key]
        keyword = JSON_SCHEMA_KEYWORD[key]
        if key == "enum":
            schema[keyword] = [*value, None] if prop.nullable else list(value)
        elif key == "const":
            if prop.nullable and value is not None:
                schema["enum"] = [value, None]  # const admits null too; the loader checked const is in any enum
            else:
                schema[keyword] = value
        elif key == "format":
            schema["format"] = value
            pattern = FORMAT_PATTERNS.get(value) if format_patterns else None
            if pattern is not None:
                if "pattern" in constraints:
                    schema.setdefault("allOf", []).append({"pattern": pattern})
                else:
                    schema["pattern"] = pattern
        else:
            schema[keyword] = value
    if prop.type == "object" or prop.properties:
        schema.update(object_schema(prop.properties, prop.additional_properties, format_patterns, extensions, resource))
        if prop.type == "any":
            schema.pop("type", None)
    if prop.items is not None:
        schema["items"] = property_schema(
            prop.items, format_patterns=format_patterns, extensions=extensions, resource=resource
        )
    if prop.deprecated:
        schema["deprecated"] = True
    examples = prop.extra.get("examples")
    if isinstance(examples, list):
        schema["examples"] = examples
    return schema


def raw_property_schema(prop: Property, raw: Any, *, resource: str | None = None) -> dict[str, Any]:
    """A ``json_schema:`` escape hatch: the raw schema verbatim, with the plan's description and flags added.

    A boolean schema becomes its mapping equivalent (``true``: ``{}``, ``false``: ``{"not": {}}``).
    With ``resource`` (the draft of the compiled schema) the block is its own schema resource where it
    needs to be (:func:`cdpctl.rawschema.as_resource`): references inside it (``#``,
    ``#/definitions/...``, anchors) resolve within the block.
    """
    if isinstance(raw, bool):
        body: dict[str, Any] = {} if raw else {"not": {}}
    else:
        body = copy.deepcopy(raw) if resource is None else as_resource(raw, DRAFTS[resource])
    schema: dict[str, Any] = {}
    if prop.description and "description" not in body:
        schema["description"] = prop.description
    schema.update(body)
    if prop.deprecated:
        schema["deprecated"] = True
    examples = prop.extra.get("examples")
    if isinstance(examples, list) and "examples" not in body:
        schema["examples"] = examples
    return schema


def merge_common(schema: dict[str, Any], common: dict[str, Property], draft: str = "07") -> None:
    """Add the plan's common rules to an object schema: both apply where a name is in both."""
    if not common:
        return
    extra = object_schema(common, True, resource=draft)
    target = schema.setdefault("properties", {})
    for name, sub in extra["properties"].items():
        target[name] = {"allOf": [target[name], sub]} if name in target else sub
    for name in extra.get("required", []):
        required = schema.setdefault("required", [])
        if name not in required:
            required.append(name)


def object_schema(
    properties: dict[str, Property],
    additional_properties: bool,
    format_patterns: bool = True,
    extensions: bool = False,
    resource: str | None = None,
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "properties": {
            name: property_schema(prop, format_patterns=format_patterns, extensions=extensions, resource=resource)
            for name, prop in properties.items()
        }
    }
    required = [name for name, prop in properties.items() if prop.required]
    if required:
        schema["required"] = required
    if not additional_properties:
        schema["additionalProperties"] = False
    return schema


def call_schema(call: Call, draft: str = "07") -> dict[str, Any]:
    """The JSON Schema of a whole Segment message of ``call``."""
    name_key = {"track": "event", "page": "name", "screen": "name"}.get(call.type)
    envelope = envelope_schema(call.type, name_key, call.name)
    fields: dict[str, Any] = {"type": "object"}
    fields.update(object_schema(call.fields, call.additional_properties, resource=draft))
    merge_common(fields, call.common_fields, draft)
    envelope["properties"][call.field_key] = fields
    if call.common_context:
        context: dict[str, Any] = {"type": "object"}
        merge_common(context, call.common_context, draft)
        envelope["properties"]["context"] = context
        if "required" in context:
            envelope["required"].append("context")
    if "required" in fields:
        envelope["required"].append(call.field_key)
    schema: dict[str, Any] = {"$schema": DRAFTS[draft], "title": call.label}
    if call.description:
        schema["description"] = call.description
    if call.deprecated:
        schema["deprecated"] = True
    schema.update(envelope)
    return schema


def compile_plan(plan: Plan, draft: str = "07") -> CompiledPlan:
    """Compile every governed call of ``plan``; file names are unique, safe slugs."""
    draft = normalize_draft(draft)
    schemas: list[CompiledSchema] = []
    for call_type, calls in (("track", plan.events), ("page", plan.pages or {}), ("screen", plan.screens or {})):
        if call_type == "page" and plan.identify is not None:
            schemas.append(CompiledSchema("identify", None, "identify.json", call_schema(plan.identify, draft)))
        if call_type == "page" and plan.group is not None:
            schemas.append(CompiledSchema("group", None, "group.json", call_schema(plan.group, draft)))
        slugs = unique_slugs(list(calls))
        for name, call in calls.items():
            schemas.append(CompiledSchema(call_type, name, f"{call_type}/{slugs[name]}.json", call_schema(call, draft)))
    return CompiledPlan(plan.name, plan.version, draft, schemas)


def dumps(document: Any) -> str:
    """Deterministic JSON text: two-space indent, plan order, UTF-8, trailing newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


class UnsafeOutput(OSError):
    """An output file that would overwrite a plan file or land outside the output folder."""


def _check_target(target: Path, root: Path, protected: tuple[str, ...]) -> None:
    """Refuse ``target`` when it (through a symbolic link) leaves ``root`` or is one of the ``protected`` files."""
    real, top = os.path.realpath(target), os.path.realpath(root)
    if os.path.commonpath([real, top]) != top:
        raise UnsafeOutput(0, f"'{target}' leads out of the output folder")
    if os.path.exists(real) and any(os.path.exists(p) and os.path.samefile(real, p) for p in protected):
        raise UnsafeOutput(0, f"'{target}' is a file of the plan; writing there would destroy it")


def write_compiled(
    compiled: CompiledPlan, out_dir: str | os.PathLike[str], protected: tuple[str, ...] = ()
) -> list[Path]:
    """Write each schema and ``index.json`` under ``out_dir``; returns the files written.

    No file is written outside ``out_dir`` (a symbolic link inside it is not followed out) or over one
    of the ``protected`` files (the plan's): :class:`UnsafeOutput` is raised before anything is written.
    """
    root = Path(out_dir)
    targets = [root / schema.file for schema in compiled.schemas]
    index = root / "index.json"
    for target in (*targets, index):
        _check_target(target, root, protected)
    from cdpctl.atomic import replace_file  # each file new, renamed into place: never written through a link or FIFO

    written: list[Path] = []
    for schema, target in zip(compiled.schemas, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, dumps(schema.schema))
        written.append(target)
    root.mkdir(parents=True, exist_ok=True)
    replace_file(index, dumps(compiled.index()))
    written.append(index)
    return written
