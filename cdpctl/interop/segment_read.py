"""Read the Segment tracking-plan formats teams have on disk into one list of rules.

* the Public API form: ``{"id": "tp_...", "name", "rules": [{"key", "type", "jsonSchema", "version"}]}``
  (the rule schema validates the whole message, or, as Typewriter caches it with an
  ``eventMetadata`` key, the ``properties`` object alone);
* the Config API form: ``{"display_name", "rules": {"events": [...], "global", "identify", "group"}}``;
* the local form of older Typewriter versions: ``{"name", "events": [{"name", "description", "rules"}]}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdpctl.errors import CdpctlError
from cdpctl.interop.notes import Note, pointer_join

RULE_TYPES = ("TRACK", "IDENTIFY", "GROUP", "PAGE", "SCREEN", "COMMON")
NEVER_DEPRECATED = "0001-01-01T00:00:00.000Z"


class SegmentFormatError(CdpctlError):
    """The file is not a Segment tracking plan cdpctl can read."""


@dataclass
class SegmentRule:
    """One rule: ``schema`` is its JSON Schema as written; ``wrapped`` says whether it validates the whole
    message (``properties.properties``, ``properties.traits``, ``properties.context``) or the
    ``properties`` / ``traits`` object alone."""

    kind: str
    name: str | None
    pointer: str
    schema: dict[str, Any]
    wrapped: bool
    description: str | None = None
    version: int | None = None
    labels: list[str] = field(default_factory=list)
    deprecated: bool = False


@dataclass
class SegmentPlan:
    form: str
    name: str
    description: str | None
    rules: list[SegmentRule]
    notes: list[Note] = field(default_factory=list)


FORMS = {
    "public-api": "Segment Public API",
    "config-api": "Segment Config API",
    "local": "Typewriter local plan",
}


def labels_to_tags(labels: Any) -> list[str]:
    """Segment labels (``{"area": "account"}`` or ``[{"key", "value"}]``) as tags ``area:account``."""
    pairs: list[tuple[str, str]] = []
    if isinstance(labels, dict):
        pairs = [(str(key), "" if value is None else str(value)) for key, value in labels.items()]
    elif isinstance(labels, list):
        for item in labels:
            if isinstance(item, dict) and "key" in item:
                value = item.get("value")
                pairs.append((str(item["key"]), "" if value is None else str(value)))
            elif isinstance(item, str):
                pairs.append((item, ""))
    return [f"{key}:{value}" if value else key for key, value in pairs]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _version(value: Any) -> int | None:
    """A rule's version: an integer, or a string of digits (``"2"``, as some exports write it); else none."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def detect_form(document: Any) -> str:
    if not isinstance(document, dict):
        raise SegmentFormatError("a Segment tracking plan is a JSON object; this file holds something else")
    rules = document.get("rules")
    if isinstance(rules, list):
        return "public-api"
    if isinstance(rules, dict):
        return "config-api"
    if isinstance(document.get("events"), list):
        return "local"
    raise SegmentFormatError(
        "not a Segment tracking plan: expected 'rules' as a list (Public API), 'rules.events' (Config API) "
        "or 'events' as a list (local Typewriter plan)"
    )


def read_segment(document: Any) -> SegmentPlan:
    """Every rule of a Segment plan document, whichever of the three forms it is in."""
    form = detect_form(document)
    if form == "public-api":
        return _public_api(document)
    if form == "config-api":
        return _config_api(document)
    return _local(document)


def _public_api(document: dict[str, Any]) -> SegmentPlan:
    plan = SegmentPlan(
        "public-api", _text(document.get("name")) or "Imported plan", _text(document.get("description")), []
    )
    _name_note(document, "name", plan)
    for index, rule in enumerate(document["rules"]):
        pointer = pointer_join("/rules", index)
        if not isinstance(rule, dict):
            plan.notes.append(Note(pointer, "a rule must be an object; skipped"))
            continue
        kind = str(rule.get("type", "")).upper()
        if kind not in RULE_TYPES:
            plan.notes.append(Note(pointer_join(pointer, "type"), f"unknown rule type {rule.get('type')!r}; skipped"))
            continue
        schema = rule.get("jsonSchema")
        if not isinstance(schema, dict):
            plan.notes.append(Note(pointer_join(pointer, "jsonSchema"), "the rule has no JSON Schema object; skipped"))
            continue
        name = _text(rule.get("key"))
        metadata = schema.get("eventMetadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("name"), str) and metadata["name"] != name:
            original = metadata["name"]
            if name is not None and original.replace("#", "") == name:
                name = original  # Typewriter strips '#' from keys; the metadata keeps the real event name
            else:
                plan.notes.append(
                    Note(
                        pointer_join(pointer, "jsonSchema", "eventMetadata", "name"),
                        f"event name {original!r} differs from the rule key {name!r}; the key is used",
                    )
                )
        if kind in ("TRACK", "PAGE", "SCREEN") and name is None:
            key = rule.get("key")
            said = "without a key" if key is None or key == "" else f"whose key is not text ({key!r})"
            plan.notes.append(Note(pointer_join(pointer, "key"), f"a {kind} rule {said}; skipped"))
            continue
        deprecated_at = rule.get("deprecatedAt")
        plan.rules.append(
            SegmentRule(
                kind=kind,
                name=name if kind in ("TRACK", "PAGE", "SCREEN") else None,
                pointer=pointer_join(pointer, "jsonSchema"),
                schema=schema,
                wrapped="eventMetadata" not in schema,
                description=_text(rule.get("description")) or _text(schema.get("description")),
                version=_version(rule.get("version")),
                labels=labels_to_tags(rule.get("labels") or schema.get("labels")),
                deprecated=bool(isinstance(deprecated_at, str) and deprecated_at and deprecated_at != NEVER_DEPRECATED)
                or schema.get("deprecated") is True,
            )
        )
    return plan


def _named_events(events: Any, base: str, plan: SegmentPlan) -> None:
    if not isinstance(events, list):
        plan.notes.append(Note(base, "'events' must be a list; nothing imported from it"))
        return
    for index, event in enumerate(events):
        pointer = pointer_join(base, index)
        if not isinstance(event, dict) or not _text(event.get("name")):
            plan.notes.append(Note(pointer, "an event needs a 'name'; skipped"))
            continue
        schema = event.get("rules")
        if schema is None:
            schema = {}
        if not isinstance(schema, dict):
            plan.notes.append(Note(pointer_join(pointer, "rules"), "'rules' must be a JSON Schema object; skipped"))
            continue
        plan.rules.append(
            SegmentRule(
                kind="TRACK",
                name=event["name"],
                pointer=pointer_join(pointer, "rules"),
                schema=schema,
                wrapped=True,
                description=_text(event.get("description")) or _text(schema.get("description")),
                version=_version(event.get("version")),
                labels=labels_to_tags(event.get("labels") or schema.get("labels")),
                deprecated=schema.get("deprecated") is True,
            )
        )


def _config_api(document: dict[str, Any]) -> SegmentPlan:
    rules = document["rules"]
    name = _text(document.get("display_name")) or _text(document.get("name")) or "Imported plan"
    plan = SegmentPlan("config-api", name, _text(document.get("description")), [])
    for key, kind in (("global", "COMMON"), ("identify", "IDENTIFY"), ("group", "GROUP")):
        schema = rules.get(key)
        if isinstance(schema, dict) and schema:
            plan.rules.append(SegmentRule(kind, None, pointer_join("/rules", key), schema, True))
    _named_events(rules.get("events", []), "/rules/events", plan)
    for key, kind in (("identify_traits", "IDENTIFY"), ("group_traits", "GROUP")):
        _trait_list(rules.get(key), key, kind, plan)
    known = {"global", "identify", "group", "events", "identify_traits", "group_traits"}
    for key in rules:
        if key not in known:
            plan.notes.append(Note(pointer_join("/rules", key), f"unknown section '{key}' is not imported"))
    return plan


def _trait_list(value: Any, key: str, kind: str, plan: SegmentPlan) -> None:
    """``identify_traits`` / ``group_traits``: a list of traits (``{"name", "description", "rules"}``, the
    ``rules`` being the trait's JSON Schema; ``{"key": "email", "type": "string"}`` is read too), added to the
    traits of the identify (group) rule, where that rule does not define them already."""
    base = pointer_join("/rules", key)
    if value is None or value == []:
        return
    if not isinstance(value, list):
        plan.notes.append(Note(base, f"'{key}' must be a list of traits; nothing imported from it"))
        return
    traits: dict[str, Any] = {}
    for index, item in enumerate(value):
        name = _text(item.get("name")) or _text(item.get("key")) if isinstance(item, dict) else None
        if name is None:
            plan.notes.append(Note(pointer_join(base, index), "a trait needs a 'name'; skipped"))
            continue
        schema = item.get("rules")
        if schema is None:
            schema = {k: v for k, v in item.items() if k not in ("name", "key", "description", "version", "rules")}
        if not isinstance(schema, dict):
            plan.notes.append(Note(pointer_join(base, index), "a trait's 'rules' must be a JSON Schema object; skipped"))
            continue
        description = _text(item.get("description"))
        traits[name] = {**schema, "description": description} if description and "description" not in schema else schema
    rule = next((r for r in plan.rules if r.kind == kind and r.wrapped), None)
    if rule is None:
        rule = SegmentRule(kind, None, base, {"type": "object", "properties": {"traits": {"type": "object"}}}, True)
        plan.rules.append(rule)
    section = rule.schema.setdefault("properties", {}).setdefault("traits", {"type": "object"})
    if isinstance(section, dict):
        known = section.setdefault("properties", {})
        for name, schema in traits.items():
            known.setdefault(name, schema)


def _name_note(document: dict[str, Any], key: str, plan: SegmentPlan) -> None:
    """A note when the document's name is there but is not text: the plan is named ``Imported plan``."""
    value = document.get(key)
    if value is not None and _text(value) is None:
        plan.notes.append(Note(pointer_join("", key), f"the plan's '{key}' is not text ({value!r}); it is named '{plan.name}'"))


def _local(document: dict[str, Any]) -> SegmentPlan:
    plan = SegmentPlan("local", _text(document.get("name")) or "Imported plan", _text(document.get("description")), [])
    _name_note(document, "name", plan)
    _named_events(document["events"], "/events", plan)
    return plan
