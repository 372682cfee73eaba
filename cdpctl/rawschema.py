"""Raw ``json_schema:`` blocks: their dialect, their check at load time, and their form in a compiled schema.

A raw block is a JSON Schema of its own, written in the dialect its ``$schema``
names (draft-07 when it names none).  In a compiled call schema it is its own
schema resource: it gets ``$schema`` and an ``$id`` (a URN made from its
content, unless it has an ``$id`` of its own), so ``$ref: "#"``,
``#/definitions/...``, ``#/$defs/...``, anchors and ``$dynamicRef`` inside it
resolve within the block, as they would in the block standing alone, and every
standard validator reads it in its own dialect.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DIALECTS: dict[str, str] = {
    "http://json-schema.org/draft-04/schema": "draft-04",
    "http://json-schema.org/draft-06/schema": "draft-06",
    "http://json-schema.org/draft-07/schema": "draft-07",
    "https://json-schema.org/draft/2019-09/schema": "2019-09",
    "https://json-schema.org/draft/2020-12/schema": "2020-12",
}
"""The dialects a raw block may name in ``$schema`` (with or without an empty fragment)."""

LEGACY = ("draft-04", "draft-06", "draft-07")
"""Dialects where ``$ref`` hides its sibling keywords (``$id`` included) and ``$id: "#name"`` is an anchor."""

URN_PREFIX = "urn:cdpctl:json-schema:"


def dialect(raw: Any) -> str | None:
    """The dialect of a raw block (``draft-07`` when its ``$schema`` names none); ``None`` when unknown."""
    if not isinstance(raw, dict) or "$schema" not in raw:
        return "draft-07"
    uri = raw["$schema"]
    if not isinstance(uri, str):
        return None
    return DIALECTS.get(uri[:-1] if uri.endswith("#") else uri)


def check(raw: Any) -> str | None:
    """Why ``raw`` is not a JSON Schema (checked against its dialect's meta-schema), or ``None`` when it is."""
    if isinstance(raw, bool):
        return None
    if not isinstance(raw, dict):
        return "must be a JSON Schema (a mapping, or true or false)"
    name = dialect(raw)
    if name is None:
        known = ", ".join(DIALECTS)
        return f"'$schema' {json.dumps(raw['$schema'])} is not a dialect cdpctl knows ({known})"
    from jsonschema import validators
    from jsonschema.exceptions import SchemaError

    cls = validators.validator_for(raw, default=validators.Draft7Validator)
    try:
        cls.check_schema(raw)
    except SchemaError as exc:
        return f"is not a valid JSON Schema: {exc.message}"
    return None


def resource_id(raw: dict[str, Any]) -> str:
    """A URN naming the block by its content (the same block gets the same name in every compile)."""
    try:
        text = json.dumps(raw, sort_keys=True, ensure_ascii=True, allow_nan=True)
    except (TypeError, ValueError):  # keys that are not strings (YAML allows them): still deterministic
        text = repr(raw)
    return URN_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:20]


REFERENCE_KEYWORDS = frozenset(("$ref", "$dynamicRef", "$recursiveRef", "$id", "$anchor", "$dynamicAnchor"))
"""Keywords that name or use a place in a schema resource: a block with one of them must be its own resource."""


def _refers(value: Any) -> bool:
    """Whether a reference keyword appears anywhere in ``value`` (iteratively: blocks can be deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if not REFERENCE_KEYWORDS.isdisjoint(item):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def as_resource(raw: dict[str, Any], draft_uri: str) -> dict[str, Any]:
    """``raw`` as it is embedded in a compiled schema of the draft ``draft_uri``.

    A block without references, in the draft of the compiled schema, is written
    as it is.  Any other block becomes a resource of its own: where its dialect
    lets ``$id`` stand at its root, it gets ``$schema`` and ``$id`` there.  In
    draft-07 and before, ``$ref`` hides its siblings and ``$id: "#name"`` is only
    an anchor: the block is then wrapped, ``{"$id": ..., "allOf": [block],
    "definitions": <the block's>}`` (the same verdicts, and ``#/definitions/...``
    finds the same schemas).
    """
    name = dialect(raw) or "draft-07"
    body = copy.deepcopy(raw)
    uri = body.pop("$schema", DRAFT_07)
    if DIALECTS.get(draft_uri.rstrip("#")) == name and not _refers(body):
        return copy.deepcopy(raw)
    own_id = body.get("$id")
    legacy = name in LEGACY
    if isinstance(own_id, str) and not (legacy and own_id.startswith("#")):
        return {"$schema": uri, **body}
    if legacy and ("$ref" in body or isinstance(own_id, str)):
        wrapper: dict[str, Any] = {"$schema": uri, "$id": resource_id(raw), "allOf": [body]}
        if isinstance(body.get("definitions"), dict):
            wrapper["definitions"] = body["definitions"]
        return wrapper
    return {"$schema": uri, "$id": resource_id(raw), **body}
