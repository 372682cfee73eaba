"""``cdpctl infer``: a first tracking plan from real traffic, or new calls and properties merged into a plan.

Every message feeds a :class:`Sketch` per call: for each property (nested objects and array items
too) how often it was present and null, the JSON types seen, whether every string matched each
detectable format, and its distinct string values up to a cap (so memory stays bounded whatever
the traffic: no sketch keeps more than ``enum_max + 1`` values).  :func:`plan_document` turns the
sketches into a plan document in cdpctl's format, which :func:`cdpctl.interop.yamlwrite.dump_plan`
writes; :func:`merge_into` adds what is new to an existing plan without touching what people wrote.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cdpctl.formats import matches_format
from cdpctl.interop.json_values import json_type

DETECTED_FORMATS = ("date-time", "date", "uuid", "email", "ipv4", "uri")
"""Formats looked for, most specific first: a property gets the first that every string matched."""

MAX_DEPTH = 6
"""Nesting followed; deeper values are typed ``any``."""

MAX_KEYS = 1_000
"""Properties kept per object; beyond, an object admits unplanned properties."""

MAX_CALLS = 10_000
"""Distinct calls described (memory stays bounded); messages of further calls are counted, and the run
says the plan does not describe them (exit 1)."""


@dataclass
class Options:
    """Thresholds of the inference."""

    enum_max: int = 10
    """A string property whose distinct values number at most this becomes an enum ..."""
    enum_min_samples: int = 20
    """... when it was seen at least this often, and at least twice per distinct value."""


@dataclass
class Sketch:
    """What was seen at one place of the messages (a property, an array's items)."""

    seen: int = 0
    null: int = 0
    types: dict[str, int] = field(default_factory=dict)
    strings: int = 0
    formats: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(DETECTED_FORMATS, True))
    values: dict[str, int] | None = field(default_factory=dict)
    objects: int = 0
    props: dict[str, Sketch] = field(default_factory=dict)
    open: bool = False
    """More distinct keys than :data:`MAX_KEYS`: the object admits unplanned properties."""
    items: Sketch | None = None

    def add(self, value: Any, options: Options, depth: int = 0) -> None:
        self.seen += 1
        if value is None:
            self.null += 1
            return
        kind = json_type(value)  # not None: counted above
        self.types[kind] = self.types.get(kind, 0) + 1
        if depth >= MAX_DEPTH:  # not looked into: an object here admits whatever it holds
            if kind == "object":
                self.open = True
            return
        if kind == "string":
            self.strings += 1
            for name, still in self.formats.items():
                if still and not matches_format(name, value):
                    self.formats[name] = False
            if self.values is not None:
                self.values[value] = self.values.get(value, 0) + 1
                if len(self.values) > options.enum_max:
                    self.values = None
        elif kind == "object":
            self.add_object(value, options, depth + 1)
        elif kind == "array":
            if self.items is None:
                self.items = Sketch()
            for item in value:
                self.items.add(item, options, depth + 1)

    def add_object(self, value: dict[str, Any], options: Options, depth: int = 0) -> None:
        self.objects += 1
        for key, item in value.items():
            child = self.props.get(key)
            if child is None:
                if len(self.props) >= MAX_KEYS:
                    self.open = True
                    continue
                child = self.props[key] = Sketch()
            child.add(item, options, depth)


@dataclass
class Inference:
    """Per call, the sketch of its properties or traits; and what could not be placed."""

    calls: dict[tuple[str, str | None], Sketch] = field(default_factory=dict)
    messages: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    """Messages that name no plannable call, by reason."""
    unnamed: dict[str, int] = field(default_factory=dict)
    """Pages and screens seen without a name (or with a blank one), by call type: a plan's ``pages:`` or
    ``screens:`` section refuses them, so :func:`plan_document` leaves that section out."""
    beyond_cap: int = 0
    """Messages of calls beyond :data:`MAX_CALLS` distinct ones: the plan does not describe them."""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def add_message(inference: Inference, message: Any, options: Options) -> None:
    """Feed one parsed message to its call's sketch."""
    from cdpctl.observe import fields_of

    inference.messages += 1
    if not isinstance(message, dict):
        inference.skip("not a JSON object")
        return
    kind = message.get("type")
    if kind == "track":
        name = message.get("event")
    elif kind in ("page", "screen"):
        name = message.get("name")
    elif kind in ("identify", "group"):
        name = None
    else:
        inference.skip("alias or unknown type" if kind == "alias" else "no Spec type")
        return
    if kind in ("page", "screen") and (not isinstance(name, str) or not name.strip()):
        inference.unnamed[kind] = inference.unnamed.get(kind, 0) + 1
        return
    if kind == "track" and (not isinstance(name, str) or not name):
        inference.skip(f"{kind} without a name")
        return
    if isinstance(name, str) and not name.strip():  # a plan has no blank name: never written
        inference.skip(f"{kind} with a blank name")
        return
    key = (kind, name)
    sketch = inference.calls.get(key)
    if sketch is None:
        if len(inference.calls) >= MAX_CALLS:
            inference.beyond_cap += 1
            return
        sketch = inference.calls[key] = Sketch()
    sketch.add_object(fields_of(message) or {}, options)


def infer_records(records: Iterable[Any], options: Options | None = None) -> Inference:
    """Sketches of every message of raw records (NDJSON lines, or documents; ``None``: a record not read);
    an input that broke part-way (:class:`~cdpctl.observe.InputFailure`) raises ``InputError``."""
    from cdpctl.observe import InputFailure, Unread, read_messages
    from cdpctl.validation.inputs import InputError

    options = options or Options()
    inference = Inference()
    for message in read_messages(records):
        if isinstance(message, InputFailure):  # a plan describes all the traffic given, or is not written
            raise InputError(message.message)
        if isinstance(message, Unread):
            inference.skip(message.reason)
        else:
            add_message(inference, message, options)
    return inference


def infer_sources(paths: list[str], options: Options | None = None) -> Inference:
    """Sketches of every message of the inputs ``cdpctl validate`` would read for ``paths``."""
    from cdpctl.observe import records_of_paths

    return infer_records(records_of_paths(paths), options)


# --- sketches -> plan document -------------------------------------------------------------------------


def property_definition(sketch: Sketch, parent_objects: int, options: Options) -> dict[str, Any]:
    """The plan definition of one property from its sketch (``parent_objects``: how often its parent was seen)."""
    out: dict[str, Any] = {}
    kinds = set(sketch.types)
    if kinds == {"integer", "number"}:
        kinds = {"number"}
    if len(kinds) == 1:
        kind = kinds.pop()
        out["type"] = kind
        if kind == "string":
            fmt = next((name for name, ok in sketch.formats.items() if ok), None) if sketch.strings else None
            if fmt is not None:
                out["format"] = fmt
            elif sketch.values is not None and _enum_worthy(sketch, options):
                out["enum"] = sorted(sketch.values)
        elif kind == "object":
            out.update(object_definition(sketch, options))
        elif kind == "array" and sketch.items is not None and sketch.items.seen:
            out["items"] = property_definition(sketch.items, sketch.items.seen, options)
            out["items"].pop("required", None)
        if sketch.null:
            out["nullable"] = True
    elif not kinds:
        out["type"] = "any"
        out["description"] = "Only null was seen."
    else:
        types = sorted(kinds) + (["null"] if sketch.null else [])
        out["json_schema"] = {"type": types}
    if sketch.seen == parent_objects:
        out["required"] = True
    return out


def _enum_worthy(sketch: Sketch, options: Options) -> bool:
    assert sketch.values is not None
    return sketch.strings >= options.enum_min_samples and sketch.strings >= 2 * len(sketch.values)


def object_definition(sketch: Sketch, options: Options) -> dict[str, Any]:
    """``properties`` (and ``additional_properties`` when too many keys were seen) of an object sketch."""
    out: dict[str, Any] = {}
    if sketch.props:
        out["properties"] = {name: property_definition(child, sketch.objects, options) for name, child in sorted(sketch.props.items())}
    if sketch.open:
        out["additional_properties"] = True
    return out


def plan_document(
    inference: Inference, name: str = "Inferred plan", options: Options | None = None, extract: bool = True, *, governing: bool = False
) -> dict[str, Any]:
    """A plan document (cdpctl's YAML format, as plain values) describing the traffic sketched.

    Pages (screens) seen without a name leave the ``pages:`` (``screens:``) section out, since it would
    refuse them, unless ``governing`` (a plan to merge into, whose author decides)."""
    from cdpctl.interop.extract import extract_shared

    options = options or Options()
    document: dict[str, Any] = {"plan": name, "version": "0.1.0",
                                "description": f"Inferred by cdpctl infer from {inference.messages:,} messages."}
    sections: dict[str, dict[str, Any]] = {"events": {}, "pages": {}, "screens": {}}
    traits: dict[str, dict[str, Any]] = {}
    for (kind, call_name), sketch in sorted(inference.calls.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        body = object_definition(sketch, options)
        if kind in ("identify", "group"):
            traits[kind] = {"traits": body.get("properties", {})} | ({"additional_properties": True} if sketch.open else {})
        else:
            sections[{"track": "events", "page": "pages", "screen": "screens"}[kind]][call_name or ""] = body
    if sections["events"]:
        document["events"] = sections["events"]
    document.update(traits)
    for section, kind in (("pages", "page"), ("screens", "screen")):
        if sections[section] and (governing or not inference.unnamed.get(kind)):  # it would refuse the unnamed ones
            document[section] = sections[section]
    harmonise(document, options)
    if extract:
        library = extract_shared(document, {})
        if library:
            ordered = {k: document[k] for k in ("plan", "version", "description")}
            ordered["properties"] = dict(sorted(library.items()))
            ordered.update({k: v for k, v in document.items() if k not in ordered})
            document = ordered
    return document


def _type_text(definition: dict[str, Any]) -> str:
    items = definition.get("items")
    if definition.get("type") == "array" and isinstance(items, dict):
        return f"array of {_type_text(items)}"
    return str(definition.get("type", "json_schema"))


def _widen(definition: dict[str, Any]) -> None:
    """``integer`` becomes ``number`` (down an array's items too)."""
    if definition.get("type") == "integer":
        definition["type"] = "number"
    items = definition.get("items")
    if definition.get("type") == "array" and isinstance(items, dict):
        _widen(items)


def harmonise(document: dict[str, Any], options: Options) -> None:
    """One name, one type and one enum across the plan, as lint's ``property-type-conflict`` wants.

    A name whole in one call and fractional in another is a ``number`` everywhere; differing enums of
    one name become their union (or no enum, beyond ``enum_max`` values).  Both still admit every value
    seen.  A name seen with truly different types keeps them (lint's finding is suppressed in the file
    written, and reported).
    """
    from cdpctl.interop.extract import _fields, _occurrences

    named: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for path, fields in _fields(document):
        kind = "trait" if path[0] in ("identify", "group") else "property"
        for _here, name, definition, _parent in _occurrences(fields, path):
            named.setdefault((kind, name), []).append(definition)
    for definitions in named.values():
        if len(definitions) < 2:
            continue
        texts = {_type_text(d) for d in definitions if d.get("type") != "any"}
        if len(texts) > 1 and len({text.replace("integer", "number") for text in texts}) == 1:
            for definition in definitions:
                _widen(definition)
        enums = [d for d in definitions if "enum" in d]
        values = {json.dumps(sorted(d["enum"])) for d in enums}
        if len(values) > 1:
            union = sorted({value for d in enums for value in d["enum"]})
            for definition in enums:
                if len(union) <= options.enum_max:
                    definition["enum"] = union
                else:
                    del definition["enum"]
