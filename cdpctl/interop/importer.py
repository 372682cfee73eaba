"""``cdpctl import segment``: a Segment tracking plan -> a cdpctl plan document, its YAML text and notes."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from cdpctl.errors import CdpctlError
from cdpctl.interop.common_reach import drop_copies, reach_notes
from cdpctl.interop.convert import Converter, Path, draft_of
from cdpctl.interop.extract import extract_shared
from cdpctl.interop.notes import Note, pointer_join
from cdpctl.interop.refs import MAX_INLINED_NODES, resolve_local_refs
from cdpctl.interop.segment_read import FORMS, SegmentPlan, SegmentRule, read_segment
from cdpctl.interop.yamlwrite import dump_plan

SECTION = {"TRACK": "events", "PAGE": "pages", "SCREEN": "screens"}
FIELD_KEY = {
    "TRACK": "properties",
    "PAGE": "properties",
    "SCREEN": "properties",
    "IDENTIFY": "traits",
    "GROUP": "traits",
}
WRAPPER_KEYS = {"$schema", "type", "properties", "required", "description", "labels", "id", "$id", "eventMetadata"}
WRAPPER_KEYS |= {"deprecated", "title", "definitions", "$defs"}  # what local $refs point at: inlined
FIELDS_KEYS = {
    "$schema",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "description",
    "labels",
    "id",
    "$id",
}
FIELDS_KEYS |= {"eventMetadata", "title", "deprecated", "definitions", "$defs"}
TRIVIAL: tuple[object, ...] = ({}, {"type": "object"}, True)
CALL_ORDER = ("description", "owner", "version", "tags", "deprecated", "additional_properties", "properties", "traits")


class SegmentImportError(CdpctlError):
    """The input cannot be imported at all (not JSON, not a Segment plan)."""


@dataclass
class ImportResult:
    document: dict[str, Any]
    comments: dict[Path, list[str]]
    notes: list[Note]
    form: str
    text: str = ""
    events: int = 0
    shared: int = 0
    raw: int = field(default=0)

    @property
    def other_calls(self) -> list[str]:
        """The calls imported besides track events: ``["2 pages", "identify"]``."""
        found = []
        for section, noun in (("pages", "page"), ("screens", "screen")):
            count = len(self.document.get(section) or {})
            if count:
                found.append(f"{count} {noun}{'s' if count != 1 else ''}")
        return found + [section for section in ("identify", "group") if section in self.document]


class _NotJson(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _no_lone_surrogate(document: Any, source: str) -> None:
    """A string with a lone surrogate (``"\\ud800"``) cannot be written as UTF-8 text, so no plan can hold it:
    name it here (the plan written from it failed to load, and the error named that plan)."""
    stack = [document]
    while stack:
        item = stack.pop()
        texts = list(item.keys()) if isinstance(item, dict) else [item] if isinstance(item, str) else []
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                shown = text.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")[:80]
                raise SegmentImportError(f"{source}: the text '{shown}' holds a lone surrogate (an escape such as "
                                         "\\ud800 without its pair): no UTF-8 file, so no plan, can hold it") from None
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse_json(text: str, source: str) -> Any:
    """The JSON document in ``text`` (a leading byte order mark is skipped); strict JSON only."""
    try:
        document = json.loads(text.removeprefix("\ufeff"), parse_constant=_reject_constant)
        _no_lone_surrogate(document, source)
        return document
    except json.JSONDecodeError as exc:
        raise SegmentImportError(f"{source}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except _NotJson as exc:
        raise SegmentImportError(f"{source}: not valid JSON: {exc}") from None
    except ValueError:  # an integer longer than Python reads (4,300 digits): say where
        import re

        found = re.search(r"\d{4000,}", text)
        start = found.start() if found else 0
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        raise SegmentImportError(f"{source}:{line}:{column}: an integer of more than 4,000 digits") from None
    except RecursionError:
        raise SegmentImportError(f"{source}: the JSON is nested too deeply to be a tracking plan") from None


MAX_DEPTH = 128
"""The deepest JSON nesting imported (60 levels of nested properties; a plan allows 64)."""


def _too_deep(document: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((value, depth + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, depth + 1) for value in node)
    return False


def _clamp_numbers_beyond_doubles(document: Any) -> list[Note]:
    """Write (in place) every number beyond a double (``1e400``: JSON allows it, Python reads it as infinity,
    and a plan holds no infinity) as the largest double of its sign, each with a note at its pointer.
    For a bound, an ``enum`` or a ``const`` this keeps the meaning for every number a message can hold."""
    notes: list[Note] = []
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, pointer = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in list(items):
            where = pointer_join(pointer, str(key))
            if isinstance(value, float) and math.isinf(value):
                node[key] = math.copysign(sys.float_info.max, value)
                notes.append(Note(where, f"a number beyond a double (JSON has no infinity): written as {node[key]!r}"))
            else:
                stack.append((value, where))
    return sorted(notes, key=lambda note: note.pointer)


def import_segment(document: Any, source: str, *, extract: bool = True) -> ImportResult:
    """Convert a parsed Segment plan document into a cdpctl plan (document, comments, notes, YAML text)."""
    if _too_deep(document, MAX_DEPTH):
        raise SegmentImportError(f"{source}: the JSON nests more than {MAX_DEPTH} levels deep; no plan nests so far")
    beyond = _clamp_numbers_beyond_doubles(document)
    segment = read_segment(document)
    importer = _Importer(segment)
    plan = importer.build()
    comments = importer.converter.comments
    if extract:
        shared = extract_shared(plan, comments)
        if shared:
            plan = _with_shared(plan, shared)
    _finalize_ap(plan)
    notes = [*beyond, *segment.notes, *importer.converter.notes]
    result = ImportResult(plan, comments, notes, segment.form)
    result.events = len(plan.get("events", {}))
    result.shared = len(plan.get("properties", {}))
    result.raw = sum(1 for note in notes if note.severity == "info" and note.message.endswith("kept as raw JSON Schema"))
    header = [
        f"Imported from {source} ({FORMS[segment.form]} form) by cdpctl import segment.",
        "Unplanned properties are allowed by default, as in JSON Schema; comments mark what was",
        "kept as raw JSON Schema or could not be represented, with its JSON pointer in the source.",
    ]
    result.text = dump_plan(plan, comments, header)
    return result


def _with_shared(plan: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in plan.items():
        if key in ("events", "identify", "group", "pages", "screens") and "properties" not in result:
            result["properties"] = shared
        result[key] = value
    if "properties" not in result:
        result["properties"] = shared
    return result


class _Importer:
    def __init__(self, segment: SegmentPlan) -> None:
        self.segment = segment
        self.converter = Converter()
        self.notes = segment.notes
        self.ref_budget = [MAX_INLINED_NODES]  # shared by every schema of the import
        self.wrapper_required = 0
        self.first_required: str | None = None
        self.object_implied = 0
        self.first_implied: str | None = None
        self.common_pointer = ""

    def note(self, pointer: str, message: str) -> None:
        self.converter.notes.append(Note(pointer, message))

    def build(self) -> dict[str, Any]:
        segment = self.segment
        plan: dict[str, Any] = {"plan": segment.name, "version": "1.0.0"}
        if segment.description:
            plan["description"] = segment.description
        plan["defaults"] = {"additional_properties": True}
        sections: dict[str, dict[str, Any]] = {}
        versions: dict[tuple[str, str | None], int] = {}
        chosen: dict[tuple[str, str | None], SegmentRule] = {}
        for rule in segment.rules:
            slot = (rule.kind, rule.name)
            if slot in chosen:
                older, newer = (
                    (chosen[slot], rule) if (rule.version or 0) >= (chosen[slot].version or 0) else (rule, chosen[slot])
                )
                label = rule.name or rule.kind.lower()
                if older.version is None and newer.version is None:
                    self.note(older.pointer, f"{label!r} has two rules without a version: the later one is kept")
                else:
                    self.note(older.pointer, f"version {older.version} of {label!r} is replaced by version {newer.version}")
                chosen[slot] = newer
            else:
                chosen[slot] = rule
            versions[slot] = max(versions.get(slot, 0), rule.version or 0)
        for rule in chosen.values():
            self.converter.draft = draft_of(rule.schema)
            schema = resolve_local_refs(rule.schema, self.converter.notes, rule.pointer, self.ref_budget)
            if rule.kind == "COMMON":
                common = self.common(rule, schema)
                if common:
                    plan["common"] = common
                continue
            if rule.kind in SECTION:
                assert rule.name is not None
                path: Path = (SECTION[rule.kind], rule.name)
                sections.setdefault(SECTION[rule.kind], {})[rule.name] = self.call(rule, schema, path)
            else:
                section = rule.kind.lower()
                plan[section] = self.call(rule, schema, (section,))
        for key in ("events", "pages", "screens"):
            if key in sections:
                plan[key] = sections[key]
        self.converter.notes.extend(drop_copies(plan, self.common_pointer))
        if "events" not in plan:
            plan["events"] = {}
        self.count_note(self.wrapper_required, self.first_required, "rule(s) require the 'properties'/'traits' object "
                        "itself; cdpctl requires it only when one of its properties is required")
        integers = self.converter.draft4_integers
        self.count_note(len(integers), integers[0] if integers else None, "integer propert(y/ies) of draft-04 rules: "
                        "draft-04 refuses 1.0 as an integer, cdpctl (as draft-06 and later) accepts it")
        self.count_note(self.object_implied, self.first_implied, "rule(s) require fields inside an object ('properties', "
                        "'traits', 'context') but not the object itself: cdpctl refuses a message without the object, "
                        "which the rule accepts")
        ordered: dict[str, Any] = {}
        for key in (
            "plan",
            "version",
            "description",
            "defaults",
            "common",
            "events",
            "identify",
            "group",
            "pages",
            "screens",
        ):
            if key in plan:
                ordered[key] = plan[key]
        return ordered

    def unwrap(
        self, rule: SegmentRule, schema: dict[str, Any], path: Path, keys: tuple[str, ...]
    ) -> dict[str, tuple[Any, str]]:
        """The schemas of the ``keys`` parts of the message (``properties``, ``traits``, ``context``)."""
        if not rule.wrapped:
            return {keys[0]: (schema, rule.pointer)}
        parts = schema.get("properties")
        parts = parts if isinstance(parts, dict) else {}
        for key in sorted(set(schema) - WRAPPER_KEYS):
            if key.startswith("x-"):
                continue
            self.lossy_call(path, pointer_join(rule.pointer, key), f"message-level keyword '{key}' is not enforced")
        required = schema.get("required")

        def implied(name: str) -> bool:  # cdpctl requires the object when something in it is required
            sub = parts.get(name) if isinstance(parts, dict) else None
            return isinstance(sub, dict) and bool(sub.get("required"))

        if isinstance(required, list) and any(name in keys and not implied(name) for name in required):
            self.wrapper_required += 1
            self.first_required = self.first_required or pointer_join(rule.pointer, "required")
        listed = required if isinstance(required, list) else []
        if any(name in keys and implied(name) and name not in listed for name in parts):
            self.object_implied += 1
            self.first_implied = self.first_implied or pointer_join(rule.pointer, "properties")
        result: dict[str, tuple[Any, str]] = {}
        for key, sub in parts.items():
            pointer = pointer_join(rule.pointer, "properties", key)
            if key in keys:
                result[key] = (sub, pointer)
            elif sub not in TRIVIAL:
                self.lossy_call(path, pointer, f"rules for the message's '{key}' are not enforced for this call")
        return result

    def count_note(self, count: int, first: str | None, what: str) -> None:
        """One ``info`` note for ``count`` rules alike (at the first one's pointer), none for no rule."""
        if count:
            self.converter.notes.append(Note(first or "", f"{count} {what}", "info"))

    def lossy_call(self, path: Path, pointer: str, message: str) -> None:
        self.converter.lossy(path, pointer, message)

    def object_fields(self, schema: Any, pointer: str, path: Path) -> tuple[dict[str, Any], bool]:
        if schema in TRIVIAL or schema is None:
            return {}, True
        if not isinstance(schema, dict):
            self.lossy_call(path, pointer, "a non-object schema for the fields is not enforced")
            return {}, True
        for key in sorted(set(schema) - FIELDS_KEYS):
            if key.startswith("x-"):
                continue
            self.lossy_call(path, pointer_join(pointer, key), f"keyword '{key}' on the whole object is not enforced")
        ap = schema.get("additionalProperties", True)
        if not isinstance(ap, bool) and ap != {}:
            self.lossy_call(
                path, pointer_join(pointer, "additionalProperties"), "a schema for unplanned properties is not enforced"
            )
        fields, ap_value = self.converter.fields(schema, pointer, path)
        return fields, ap_value if isinstance(ap, bool) else True

    def call(self, rule: SegmentRule, schema: dict[str, Any], path: Path) -> dict[str, Any]:
        field_key = FIELD_KEY[rule.kind]
        parts = self.unwrap(rule, schema, path, (field_key,))
        call: dict[str, Any] = {}
        if rule.description:
            call["description"] = rule.description
        owners = [tag for tag in rule.labels if tag.startswith("owner:")]
        if owners and rule.kind in SECTION:
            call["owner"] = owners[0][len("owner:") :]
        if rule.version is not None and rule.version != 1 and rule.kind in SECTION:  # 1 is Segment's default
            call["version"] = rule.version
        tags = [tag for tag in rule.labels if not (owners and tag == owners[0])]
        if tags and rule.kind in SECTION:
            call["tags"] = tags
        elif tags:
            self.lossy_call(path, rule.pointer, f"labels {tags} have no place on {rule.kind.lower()} rules")
        if rule.deprecated and rule.kind in SECTION:
            call["deprecated"] = True
        for key, value in schema.items():
            if key.startswith("x-"):
                call[key] = value
        sub, pointer = parts.get(field_key, ({}, rule.pointer))
        fields, ap = self.object_fields(sub, pointer, (*path, field_key))
        call["additional_properties"] = ap
        call[field_key] = fields
        ordered = {key: call[key] for key in CALL_ORDER if key in call}
        ordered.update({key: value for key, value in call.items() if key not in ordered})
        return ordered

    def common(self, rule: SegmentRule, schema: dict[str, Any]) -> dict[str, Any]:
        parts = self.unwrap(rule, schema, ("common",), ("properties", "traits", "context"))
        self.common_pointer = rule.pointer
        self.converter.notes.extend(reach_notes(rule.pointer, parts, schema.get("required") if rule.wrapped else None))
        common: dict[str, Any] = {}
        if rule.description:
            common["description"] = rule.description
        for key in ("properties", "traits", "context"):
            sub, pointer = parts.get(key, ({}, rule.pointer))
            fields, ap = self.object_fields(sub, pointer, ("common", key))
            if not ap:
                self.lossy_call(
                    ("common", key),
                    pointer_join(pointer, "additionalProperties"),
                    "common rules never forbid unplanned properties; set additional_properties on the calls",
                )
            if fields:
                common[key] = fields
        return common


def _finalize_ap(plan: dict[str, Any]) -> None:
    """Drop ``additional_properties`` wherever it equals what the level inherits anyway."""
    default = bool(plan.get("defaults", {}).get("additional_properties", False))

    def walk_fields(fields: Any, inherited: bool) -> None:
        if isinstance(fields, dict):
            for definition in fields.values():
                walk_definition(definition, inherited)

    def walk_definition(definition: Any, inherited: bool) -> None:
        if not isinstance(definition, dict) or "json_schema" in definition:
            return
        own = inherited
        if "additional_properties" in definition:
            own = bool(definition["additional_properties"])
            if own == inherited:
                del definition["additional_properties"]
        walk_fields(definition.get("properties"), own)
        if isinstance(definition.get("items"), dict):
            walk_definition(definition["items"], inherited)

    walk_fields(plan.get("properties"), default)
    for section in ("events", "pages", "screens"):
        for call in (plan.get(section) or {}).values():
            own = bool(call.get("additional_properties", default))
            if call.get("additional_properties") == default:
                del call["additional_properties"]
            walk_fields(call.get("properties"), own)
    for section in ("identify", "group"):
        call = plan.get(section)
        if isinstance(call, dict):
            own = bool(call.get("additional_properties", default))
            if call.get("additional_properties") == default:
                del call["additional_properties"]
            walk_fields(call.get("traits"), own)
    common = plan.get("common")
    if isinstance(common, dict):
        for key in ("properties", "traits", "context"):
            walk_fields(common.get(key), True)
