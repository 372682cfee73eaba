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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported only when a schema is checked or validated (start-up time)
    from jsonschema import FormatChecker

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
DIALECTS: dict[str, str] = {
    "http://json-schema.org/draft-06/schema": "draft-06",
    "http://json-schema.org/draft-07/schema": "draft-07",
    "https://json-schema.org/draft/2019-09/schema": "2019-09",
    "https://json-schema.org/draft/2020-12/schema": "2020-12",
}
"""The dialects a raw block may name in ``$schema`` (with or without an empty fragment)."""

LEGACY = ("draft-06", "draft-07")
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
    """Why ``raw`` is not a JSON Schema cdpctl can apply, or ``None`` when it is.

    It is checked against its dialect's meta-schema (``pattern`` as ECMA-262), every pattern in it
    must run on the engine of :mod:`cdpctl.patterns`, and every reference must stay inside the block
    (or name a meta-schema): cdpctl reads no other document.
    """
    if isinstance(raw, bool):
        return None
    if not isinstance(raw, dict):
        return "must be a JSON Schema (a mapping, or true or false)"
    name = dialect(raw)
    if name is None:
        known = ", ".join(DIALECTS)
        return f"'$schema' {json.dumps(raw['$schema'])} is not a dialect cdpctl knows ({known})"
    from jsonschema import FormatChecker, validators
    from jsonschema.exceptions import SchemaError

    from cdpctl.patterns import is_ecma_pattern

    checker = FormatChecker(formats=())
    checker.checks("regex")(is_ecma_pattern)
    cls = validators.validator_for(raw, default=validators.Draft7Validator)
    try:
        cls.check_schema(raw, format_checker=checker)  # type: ignore[call-arg]  # (the stubs lag: jsonschema >= 4.18 has it)
    except SchemaError as exc:
        return f"is not a valid JSON Schema: {exc.message}"
    subschemas = _subschemas(raw)  # walked once, read by each check below
    return (
        _pattern_problem(subschemas)
        or _reference_problem(raw, subschemas)
        or _size_problem(raw, subschemas)
        or _endless_problem(raw)
    )


def _size_problem(raw: dict[str, Any], subschemas: list[tuple[str, dict[str, Any]]]) -> str | None:
    """Why one value would take a validator too long or for ever (counted, never run: the probes of
    :func:`_endless_problem` would themselves take exponential time on such a block)."""
    from cdpctl.rawschema_size import expansion_problem

    return expansion_problem(raw, [contents for _, contents in subschemas])


PROBES: tuple[Any, ...] = (None, True, 0, 0.5, "", [], {})
"""A value of each JSON type: a block that recurses for ever on one of them checks no value of that type."""


def _endless_problem(raw: dict[str, Any]) -> str | None:
    """Why a block with references cannot check a value: a reference that leads back to itself without
    descending into the value (``x: {anyOf: [{$ref: x}, ...]}``) recurses for ever, in every validator."""
    if not _refers(raw):
        return None
    # embedded as a compiled schema embeds it: a property of a draft-07 schema
    validator = reference_validator({"$schema": DRAFT_07, "properties": {"value": as_resource(raw, DRAFT_07)}})
    for probe in PROBES:
        try:
            for _ in validator.iter_errors({"value": probe}):
                pass
        except RecursionError:
            return (
                f"refers back to itself without descending into the value (checking {json.dumps(probe)} never "
                "ends): a $ref cycle through allOf, anyOf, oneOf, not or if must pass through properties or items"
            )
        except Exception:  # noqa: BLE001 (a reference pointing nowhere: the loader's own check names it)
            return None
    return None


def _pattern_problem(subschemas: list[tuple[str, dict[str, Any]]]) -> str | None:
    from cdpctl.patterns import PatternError, compile_pattern

    for _, contents in subschemas:
        patterns = [contents.get("pattern"), *(contents.get("patternProperties") or {})]
        for pattern in patterns:
            if isinstance(pattern, str):
                try:
                    compile_pattern(pattern)
                except PatternError as exc:
                    return f"has a pattern cdpctl cannot run ({json.dumps(pattern)}): {exc}"
    return None


def _reference_problem(raw: dict[str, Any], subschemas: list[tuple[str, dict[str, Any]]]) -> str | None:
    outside = outside_references(raw, subschemas)
    if outside:
        return (
            f"refers to another document ({json.dumps(outside[0])}): cdpctl reads no other document; "
            "copy the schema it needs into the block (under definitions or $defs)"
        )
    return None


REFERRING = ("$ref", "$dynamicRef", "$recursiveRef")


def _subschemas(raw: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every schema object of a block (read by its dialect's rules), with the base URI it is read under."""
    from urllib.parse import urljoin

    from referencing import Resource
    from referencing.jsonschema import DRAFT7

    found: list[tuple[str, dict[str, Any]]] = []
    stack = [("", Resource.from_contents(raw, default_specification=DRAFT7))]
    while stack:
        base, resource = stack.pop()
        own = resource.id()
        if own is not None:
            base = urljoin(base, own)
        if isinstance(resource.contents, dict):
            found.append((base, resource.contents))
        stack.extend((base, sub) for sub in resource.subresources())
    return found


def outside_references(raw: dict[str, Any], subschemas: list[tuple[str, dict[str, Any]]] | None = None) -> list[str]:
    """The references of a block that point neither into the block nor at a meta-schema jsonschema knows
    (``subschemas``: the block's, when already walked)."""
    from urllib.parse import urldefrag, urljoin

    from jsonschema_specifications import REGISTRY as META_SCHEMAS  # type: ignore[import-untyped]

    if subschemas is None:
        subschemas = _subschemas(raw)
    own = {""} | {urldefrag(base).url for base, _ in subschemas}
    outside = []
    for base, contents in subschemas:
        for key in REFERRING:
            ref = contents.get(key)
            if isinstance(ref, str):
                target = urldefrag(urljoin(base, ref)).url
                if target not in own and target.rstrip("#") not in META_SCHEMAS:
                    outside.append(ref)
    return outside


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
    as it is.  Any other block becomes a resource of its own, with ``$schema``
    and an ``$id`` (its own, or :func:`resource_id`).  A document read with
    draft-07 rules ignores an ``$id`` beside ``$ref``, so a block whose root has
    ``$ref`` is put under ``{"$schema": ..., "allOf": [block]}``; in draft-07 and
    before the block's own ``$ref`` hides its ``$id`` too (and ``$id: "#name"`` is
    only an anchor), so the ``$id`` goes on that wrapper, and each reference into
    the block (``#``, ``#/definitions/...``, ``#/$defs/...``, ``#/properties/x``)
    is rewritten to the block's place under it (``#/allOf/0/...``).  Every form
    gives the verdicts of the block standing alone.
    """
    name = dialect(raw) or "draft-07"
    if DIALECTS.get(draft_uri.rstrip("#")) == name and not _refers(raw):
        return copy.deepcopy(raw)
    body = copy.deepcopy(raw)
    uri = body.pop("$schema", DRAFT_07)
    own_id = body.get("$id")
    if name in LEGACY:
        if "$ref" in body or (isinstance(own_id, str) and own_id.startswith("#")):
            return {"$schema": uri, "$id": resource_id(raw), "allOf": [rebased(body, into_wrapper=True)]}
    elif "$ref" in body:
        if not isinstance(own_id, str):
            body = {"$id": resource_id(raw), **body}
        return {"$schema": uri, "allOf": [body]}
    if isinstance(own_id, str):
        return {"$schema": uri, **body}
    return {"$schema": uri, "$id": resource_id(raw), **body}


NOT_SCHEMAS = frozenset(("enum", "const", "default", "examples"))
"""Keywords whose values are data, never schemas: a ``$ref`` key inside them is not a reference."""
SCHEMA_MAPS = frozenset(("properties", "patternProperties", "definitions", "$defs", "dependencies"))
"""Keywords whose values map names to schemas: a name (``$ref`` too) is not a keyword there."""
WRAPPED_AT = "#/allOf/0"


def rebased(block: dict[str, Any], into_wrapper: bool) -> dict[str, Any]:
    """A draft-07 ``block`` (a fresh copy, changed in place) with each reference to its own root (``#``,
    ``#/...``) rewritten to the block's place in the wrapper (``#/allOf/0...``), or back (``into_wrapper``
    false: a wrapped block read back, as ``import segment`` does); a subschema with an ``$id`` of its own (a
    new base) keeps its references."""
    stack: list[Any] = [block]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict):
            continue
        if item is not block and isinstance(item.get("$id"), str) and not item["$id"].startswith("#") and "$ref" not in item:
            continue  # a resource of its own: its "#" is itself
        reference = item.get("$ref")
        if not isinstance(reference, str):
            pass
        elif into_wrapper and (reference == "#" or reference.startswith("#/")):
            item["$ref"] = WRAPPED_AT + reference[1:]
        elif not into_wrapper and (reference == WRAPPED_AT or reference.startswith(WRAPPED_AT + "/")):
            item["$ref"] = "#" + reference[len(WRAPPED_AT) :]
        for key, value in item.items():
            if key in SCHEMA_MAPS and isinstance(value, dict):
                stack.extend(value.values())
            elif key not in NOT_SCHEMAS:
                stack.append(value)
    return block


def unwrapped(body: dict[str, Any], legacy: bool, own_id: bool) -> dict[str, Any] | None:
    """The block :func:`as_resource` put under ``{"allOf": [block]}`` (``body`` without ``$schema`` and its
    content ``$id``: ``own_id`` says it had one), with its references as written (``legacy``: draft-06/07,
    rewritten under the wrapper); ``None`` when ``body`` is not that wrapper (a block of the same shape without
    cdpctl's ``$id``, or whose root holds no ``$ref``; a wrapper from before the rewrite also held a copy of the
    block's ``definitions``)."""
    inner = body.get("allOf")
    if not (isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], dict) and "$ref" in inner[0]):
        return None
    inner_id = inner[0].get("$id")
    if not own_id and not (not legacy and isinstance(inner_id, str) and inner_id.startswith(URN_PREFIX)):
        return None
    if set(body) != {"allOf"} and not (set(body) == {"allOf", "definitions"} and body["definitions"] == inner[0].get("definitions")):
        return None
    return rebased(inner[0], into_wrapper=False) if legacy else inner[0]


def reference_validator(schema: dict[str, Any], format_checker: FormatChecker | None = None) -> Any:
    """The jsonschema validator of a compiled (draft-07) schema, every resource embedded in it registered.

    jsonschema registers embedded resources only when a ``$ref`` looks one up;
    ``$dynamicRef`` walks its dynamic scope without looking, so the registry is
    crawled beforehand (a block with ``$dynamicRef`` would otherwise fail).
    """
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    from cdpctl.patterns import draft7_validator

    resource = Resource.from_contents(schema, default_specification=DRAFT7)
    registry: Registry[Any] = Registry().with_resource(resource.id() or "", resource).crawl()
    return draft7_validator()(schema, registry=registry, format_checker=format_checker)
