"""How much work a raw ``json_schema:`` block asks of a validator for one value, counted before it runs.

Keywords that apply another schema to the same value (``allOf``, ``anyOf``, ``oneOf``, ``not``,
``if``/``then``/``else``, schema-valued ``dependencies``/``dependentSchemas``, and ``$ref``) multiply the
work on that value: a chain of 40 definitions, each an ``anyOf`` of two references to the next, holds 80
schema objects but asks for 2^40 checks of a value that fails (a plan that loads for ever, or a validation
that never ends).  :func:`expansion_problem` counts, for each schema object, the checks of one value it
leads to through those keywords, with the references that point into the block resolved (memoized: linear
in the size of the block), and names a block whose count passes :data:`MAX_CHECKS_PER_VALUE`.  References
that lead back to a schema without descending into the value (a cycle) are left to the probes of
:mod:`cdpctl.rawschema`, which find the value that never ends at once (the recursion is deep, not wide).  Keywords that
descend into the value (``properties``, ``items``...) are bounded by the value itself and are not counted.
"""

from __future__ import annotations

from typing import Any

MAX_CHECKS_PER_VALUE = 10_000
"""The most schema objects one value may be checked against through same-value keywords."""

SAME_VALUE_LISTS = ("allOf", "anyOf", "oneOf")
SAME_VALUE_ONE = ("not", "if", "then", "else")
SAME_VALUE_MAPS = ("dependencies", "dependentSchemas")


class _Endless(Exception):
    """A reference cycle that never descends into the value."""


class _TooMuch(Exception):
    """More checks of one value than :data:`MAX_CHECKS_PER_VALUE`."""


def fragment_target(root: Any, ref: str) -> Any:
    """What a local reference (``#``, ``#/definitions/a%20b``) names inside ``root``: the fragment
    percent-decoded, then read as a JSON pointer (RFC 6901); ``KeyError`` when it names nothing or is not
    such a reference (an anchor, another document)."""
    from urllib.parse import unquote

    if not ref.startswith("#") or (len(ref) > 1 and not ref.startswith("#/")):
        raise KeyError(ref)
    node: Any = root
    for token in unquote(ref[1:]).split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(ref)
    return node


def _same_value_children(raw: dict[str, Any], node: dict[str, Any]) -> list[Any]:
    children: list[Any] = []
    for key in SAME_VALUE_LISTS:
        value = node.get(key)
        if isinstance(value, list):
            children.extend(value)
    children.extend(node[key] for key in SAME_VALUE_ONE if key in node)
    for key in SAME_VALUE_MAPS:
        value = node.get(key)
        if isinstance(value, dict):
            children.extend(sub for sub in value.values() if isinstance(sub, dict))
    ref = node.get("$ref")
    if isinstance(ref, str):
        try:
            target = fragment_target(raw, ref)
        except KeyError:  # an anchor, another document, nothing: the block's other checks report those
            target = None
        if isinstance(target, dict):
            children.append(target)
    return children


def expansion_problem(raw: dict[str, Any], schemas: list[dict[str, Any]]) -> str | None:
    """Why checking one value against the block ``raw`` (whose schema objects are ``schemas``) would never
    end or would take more than :data:`MAX_CHECKS_PER_VALUE` checks; ``None`` when it is bounded."""
    counts: dict[int, int] = {}
    open_nodes: set[int] = set()

    def count(node: Any) -> int:
        if not isinstance(node, dict):
            return 1
        key = id(node)
        known = counts.get(key)
        if known is not None:
            return known
        if key in open_nodes:
            raise _Endless
        open_nodes.add(key)
        stack: list[tuple[dict[str, Any], list[Any], int]] = [(node, _same_value_children(raw, node), 1)]
        while True:  # depth first without recursion: a long chain of references is no RecursionError
            current, children, total = stack[-1]
            if total > MAX_CHECKS_PER_VALUE:
                raise _TooMuch
            if not children:
                stack.pop()
                counts[id(current)] = total
                open_nodes.discard(id(current))
                if not stack:
                    return total
                parent, rest, subtotal = stack[-1]
                stack[-1] = (parent, rest, subtotal + total)
                continue
            child = children.pop()
            if not isinstance(child, dict):
                stack[-1] = (current, children, total + 1)
                continue
            done = counts.get(id(child))
            if done is not None:
                stack[-1] = (current, children, total + done)
            elif id(child) in open_nodes:
                raise _Endless
            else:
                open_nodes.add(id(child))
                stack.append((child, _same_value_children(raw, child), 1))

    try:
        for schema in schemas:
            count(schema)
    except _Endless:  # the probes of the value types name the value that never ends, in a moment
        return None
    except _TooMuch:
        return (
            f"asks for more than {MAX_CHECKS_PER_VALUE:,} checks of one value (references through allOf, "
            "anyOf, oneOf, not or if multiply each other): write the alternatives out once"
        )
    return None
