"""``cdpctl export segment``: a plan as Segment's Public API rules form, ready to upload.

Each governed call becomes a rule ``{"key", "type", "version", "jsonSchema"}`` whose schema validates the
whole message (``properties.properties`` for track, page and screen; ``properties.traits`` for identify and
group), as the Public API returns and accepts it.  The ``common:`` rules become one ``COMMON`` rule (and are
copied into the rules of calls that forbid unplanned fields, :func:`call_rule`).
Formats are written as ``format`` only (no compiled ``pattern``), so importing the file gives the plan back.
"""

from __future__ import annotations

from typing import Any

from cdpctl.compiler import object_schema, property_schema
from cdpctl.interop.notes import Note
from cdpctl.model import Call, Common, Plan, Property

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
RULE_TYPE = {"track": "TRACK", "identify": "IDENTIFY", "group": "GROUP", "page": "PAGE", "screen": "SCREEN"}


def property_rule(prop: Property) -> dict[str, Any]:
    """The Segment JSON Schema of one property (``format`` kept as is; ``nullable`` as a ``null`` type); a raw
    ``json_schema:`` block that refers inside itself or names another dialect is a schema resource of its own,
    as in a compiled schema, so its ``$ref``s and dialect mean in the rule what they mean in the plan."""
    return property_schema(prop, format_patterns=False, extensions=True, resource="07")


def object_rule(properties: dict[str, Property], additional_properties: bool) -> dict[str, Any]:
    return object_schema(properties, additional_properties, format_patterns=False, extensions=True, resource="07")


def _fields(properties: dict[str, Property], additional_properties: bool) -> dict[str, Any]:
    return {"type": "object", **object_rule(properties, additional_properties)}


def _labels(call: Call) -> dict[str, str]:
    labels: dict[str, str] = {}
    if call.owner:
        labels["owner"] = call.owner
    for tag in call.tags:
        key, _, value = tag.partition(":")
        labels[key] = value
    return labels


def _lost_labels(call: Call) -> list[str]:
    """What of a call's owner and tags Segment's labels (one value a key) cannot hold: the earlier value of a
    key written twice (``area:x``, ``area:y``; ``owner:`` beside the owner) is lost."""
    lost: list[str] = []
    seen: dict[str, str] = {"owner": call.owner} if call.owner else {}
    for tag in call.tags:
        key, _, value = tag.partition(":")
        if key in seen and seen[key] != value:
            before = f"the owner '{seen[key]}'" if key == "owner" and seen[key] == call.owner else f"'{key}:{seen[key]}'"
            lost.append(f"{before} is replaced by the tag '{tag}'")
        seen[key] = value
    return lost


def call_rule(call: Call) -> dict[str, Any]:
    """The Public API rule of one call.

    A call that forbids unplanned fields lists the ``common:`` ones it does not define too: Segment checks
    the ``COMMON`` rule and the call's rule each against the whole message, so the call's
    ``additionalProperties: false`` would refuse a common property that cdpctl admits (``import segment``
    drops such copies again)."""
    own = call.fields
    if not call.additional_properties and call.common_fields:
        own = {**own, **{name: prop for name, prop in call.common_fields.items() if name not in own}}
    fields = _fields(own, call.additional_properties)
    parts: dict[str, Any] = {"context": {"type": "object"}, "traits": {"type": "object"}, "properties": {"type": "object"}}
    parts[call.field_key] = fields
    schema: dict[str, Any] = {"$schema": DRAFT_07, "type": "object"}
    if call.description:
        schema["description"] = call.description
    labels = _labels(call)
    if labels:
        schema["labels"] = labels
    if call.deprecated:
        schema["deprecated"] = True
    for key, value in call.extra.items():
        if key.startswith("x-"):
            schema[key] = value
    schema["properties"] = parts
    if "required" in fields or any(prop.required for prop in call.common_fields.values()):
        schema["required"] = [call.field_key]  # the common ones too: validate wants the object for them
    rule: dict[str, Any] = {"type": RULE_TYPE[call.type]}
    if call.name is not None:
        rule["key"] = call.name
    rule["version"] = call.version if call.version is not None else 1
    rule["jsonSchema"] = schema
    return rule


def common_rule(common: Common) -> dict[str, Any]:
    parts = {
        "context": _fields(common.context, True),
        "traits": _fields(common.traits, True),
        "properties": _fields(common.properties, True),
    }
    schema: dict[str, Any] = {"$schema": DRAFT_07, "type": "object"}
    if common.description:
        schema["description"] = common.description
    schema["properties"] = parts
    if "required" in parts["context"]:  # every call has a context: the rule requires it (properties and
        schema["required"] = ["context"]  # traits are not every call's: their rules require them)
    return {"type": "COMMON", "version": 1, "jsonSchema": schema}


def export_segment(plan: Plan) -> tuple[dict[str, Any], list[Note]]:
    """The Public API document of ``plan`` and notes on what Segment has no place for."""
    notes: list[Note] = []
    rules: list[dict[str, Any]] = []
    if plan.common is not None:
        rules.append(common_rule(plan.common))
    for index, call in enumerate(plan.calls(), len(rules)):
        rules.append(call_rule(call))
        for label in _lost_labels(call):
            notes.append(Note(f"/rules/{index}/jsonSchema/labels", f"{call.label}: {label} (labels hold one value a key)"))
    if plan.version not in ("0.0.0", "1.0.0"):
        notes.append(Note("/", f"the plan version {plan.version} has no place in a Segment plan", "info"))
    document: dict[str, Any] = {"name": plan.name}
    if plan.description:
        document["description"] = plan.description
    document["rules"] = rules
    return document, notes
