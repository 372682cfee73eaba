"""Checks of untrusted plan text the loader applies: a pattern the engine can run, pointed at inside its scalar.

Pure functions of a value, its position and the text of its file; the loader
words the findings into its problems.
"""

from __future__ import annotations

from cdpctl.errors import Pos
from cdpctl.yamlsrc import YMap, YNode, YScalar, YSeq, offset_in_scalar


def pattern_problem(source: str, pos: Pos, file_text: str) -> tuple[Pos, str] | None:
    """Where and why ``source`` (a plan pattern written at ``pos``) cannot be used, or ``None``.

    The position is that of the construct at fault inside the pattern when the
    scalar is written on one line.
    """
    from cdpctl.patterns import PatternError, UnsupportedPattern, compile_pattern

    try:
        compile_pattern(source)
    except UnsupportedPattern as exc:
        return _at(pos, file_text, exc.offset), f"cannot be used: {exc.message}"
    except PatternError as exc:
        why = f"is not a valid regular expression: {exc.message} (patterns are ECMA-262)"
        return _at(pos, file_text, exc.offset), why
    return None


def _at(pos: Pos, file_text: str, offset: int) -> Pos:
    lines = file_text.splitlines()
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    return offset_in_scalar(line, pos, offset)


def unresolved_reference(raw: object) -> str | None:
    """The first ``$ref`` of a raw ``json_schema:`` block that points nowhere inside it, or ``None``.

    Each reference is looked up from where it is written (nested ``$id`` change the
    base, as the block's dialect says), in a registry holding the block and the
    meta-schemas: what the reference path would find when a message reaches it.
    """
    if not isinstance(raw, dict):
        return None
    from jsonschema_specifications import REGISTRY as META_SCHEMAS  # type: ignore[import-untyped]
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT7, specification_with

    uri = raw.get("$schema")
    spec = specification_with(uri, default=DRAFT7) if isinstance(uri, str) else DRAFT7
    resource: Resource[object] = spec.create_resource(raw)
    base = resource.id() or "urn:cdpctl:json-schema-block"
    registry: Registry[object] = META_SCHEMAS.combine(Registry().with_resource(base, resource)).crawl()
    stack = [(registry.resolver(base_uri=base), resource)]
    while stack:
        resolver, node = stack.pop()
        resolver = resolver.in_subresource(node)
        contents = node.contents
        ref = contents.get("$ref") if isinstance(contents, dict) else None
        if isinstance(ref, str):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                return ref
        stack.extend((resolver, sub) for sub in node.subresources())
    return None


def key_position(node: YNode, key: str, value: object) -> Pos | None:
    """Where ``key: value`` is written inside ``node`` (the first such pair), or ``None``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, YMap):
            found = item.values.get(key)
            if isinstance(found, YScalar) and found.value == value:
                return found.pos
            stack.extend(reversed(list(item.values.values())))
        elif isinstance(item, YSeq):
            stack.extend(reversed(item.items))
    return None
