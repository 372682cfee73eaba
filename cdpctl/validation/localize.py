"""Locating the wrong parts of a message the fast path rejected, without running jsonschema on all of it.

The second step of a rejected message's explanation (decide in :mod:`~cdpctl.validation.engine`,
locate here, classify in :mod:`~cdpctl.validation.classify`, report in :mod:`~cdpctl.validation.findings`):
:func:`find` walks the tree of the call's fields and hands back each finding classified.

A planned call's fields form a tree of :class:`~cdpctl.validation.nodes.Node` objects.  Each node can
tell from raw bytes whether its value is free of errors (its msgspec decoder,
the same the fast path uses).  Only the nodes that are not go through
jsonschema: an object or array node checks its own keywords (its schema
without ``properties``/``items``) and recurses into the children that fail; a
leaf runs its whole schema.  The findings are exactly those jsonschema reports
for the whole message, because jsonschema's ``properties`` and ``items``
keywords only descend into each child with its path.

Shortcuts give the same findings for less work:

* only the parts that fail are parsed (:func:`load`), and only when a check needs the value;
* an object whose only fault is unplanned names decodes under a lenient copy of
  its struct (unknown fields allowed), so its children are not decoded one by one;
* a value of the wrong JSON type yields the one type error jsonschema would keep
  (the enum and constraint errors of a mistyped value are hidden anyway);
* a string of the right type is checked against ``enum``, ``const``, ``pattern``
  and ``format`` here, with the words :mod:`classify` gives them (a length that
  fails is left to jsonschema, whose words those are), and an array's item
  counts likewise: jsonschema is imported only when a rejected value needs it;
* the findings for a scalar value are remembered per node (a bounded memo: bad
  values repeat in a log).
"""

from __future__ import annotations

from typing import Any

import msgspec
import orjson
from msgspec import UNSET, Raw

from cdpctl.formats import FORMAT_PATTERNS, matches_format
from cdpctl.validation.classify import (
    CODE_OF_KEYWORD,
    KEYWORD_RANK,
    Found,
    classify,
    fold_path,
    keyword_message,
    missing,
    type_message,
    unplanned,
)
from cdpctl.validation.nodes import (
    JSON_TYPE_NAMES,
    MAX_MEMO,
    MAX_MEMO_TEXT,
    Node,
    Relative,
    TextCheck,
    fields_node,
    json_types,
)

__all__ = ["JSON_TYPE_NAMES", "MAX_MEMO", "Node", "Reread", "fields_node", "find", "json_types", "load"]
"""The tree's names are re-exported: they were this module's before :mod:`cdpctl.validation.nodes` took them."""

RAW_OBJECT: msgspec.json.Decoder[dict[str, Raw]] = msgspec.json.Decoder(dict[str, Raw])
RAW_ARRAY: msgspec.json.Decoder[list[Raw]] = msgspec.json.Decoder(list[Raw])


def _text_errors(checks: tuple[TextCheck, ...], value: str) -> Relative | None:
    """What jsonschema finds in a string of the right type (``None``: a length is wrong, let it say so)."""
    out: list[tuple[str, str, int]] = []
    for keyword, expected, search in checks:
        if keyword == "pattern":
            failed = search(value) is None
        elif keyword == "enum":
            failed = value not in expected
        elif keyword == "const":
            failed = not (value is expected or value == expected)
        elif keyword == "format":
            failed = expected in FORMAT_PATTERNS and not matches_format(expected, value)
        else:  # minLength, maxLength: their messages are jsonschema's
            if len(value) < expected if keyword == "minLength" else len(value) > expected:
                return None
            continue
        if failed:
            text = keyword_message(keyword, expected, value)
            assert text is not None
            out.append((CODE_OF_KEYWORD.get(keyword, "constraint_failed"), text, KEYWORD_RANK.get(keyword, 1)))
    return tuple(out)



class Reread(ValueError):
    """A value that could read differently alone than inside its message: read the message whole."""


DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= code <= 0x39 else 0x78 for code in range(256))
"""A ``bytes.translate`` table: digits to ``0``, every other byte to ``x``."""

LONG_DIGITS = b"0" * 19
"""A run of digits long enough to be an integer beyond 64 bits (found in the translated bytes)."""


def load(raw: Raw) -> Any:
    """A part of a message read alone, as reading the whole message reads it.

    The whole message is read by orjson, or by the json module when a number
    in it is beyond a double's range: the two read integers beyond 64 bits
    differently (a float, an exact integer), so a part holding one raises
    :class:`Reread`.  A part that orjson does not read raises ``ValueError``.
    """
    text = bytes(raw)
    if LONG_DIGITS in text.translate(DIGITS_AS_ZERO):
        raise Reread("a long integer")
    return orjson.loads(text)


def find(
    node: Node, raw: Raw, prefix: tuple[str | int, ...], field_key: str, value: Any = UNSET
) -> list[Found]:
    """What jsonschema finds under ``node`` in a value its decoder rejected.

    ``raw`` is the value's JSON text; ``value`` the value when already parsed
    (``UNSET``: the parts that need it are parsed with :func:`load`).
    """
    children = node.children
    if children is not None and (value is UNSET or isinstance(value, dict)):
        try:
            members = RAW_OBJECT.decode(raw)
        except msgspec.DecodeError:  # not an object
            members = None
        if members is not None:
            return _find_object(node, children, members, raw, prefix, field_key, value)
    items = node.items
    if items is not None and (value is UNSET or isinstance(value, list)):
        try:
            elements = RAW_ARRAY.decode(raw)
        except msgspec.DecodeError:  # not an array
            elements = None
        if elements is not None:
            found = _own(node, elements, raw, value, prefix, field_key)
            for index, item_raw in enumerate(elements):
                if not items.passes(item_raw):
                    item = UNSET if value is UNSET else value[index]
                    found.extend(find(items, item_raw, (*prefix, index), field_key, item))
            return found
    return _leaf(node, load(raw) if value is UNSET else value, prefix, field_key)


def _find_object(
    node: Node,
    children: dict[str, Node],
    members: dict[str, Raw],
    raw: Raw,
    prefix: tuple[str | int, ...],
    field_key: str,
    value: Any,
) -> list[Found]:
    found = _own(node, members, raw, value, prefix, field_key)
    extra = () if node.additional else [name for name in members if name not in children]
    # with unplanned names, the lenient struct tells whether they are all that is wrong; without,
    # it reads the object as the struct that rejected it
    if not extra or not _decodes(node.lenient, raw):
        for name, child_raw in members.items():
            child = children.get(name)
            if child is None:
                continue
            try:
                decoded = child.decoder.decode(child_raw)
            except msgspec.DecodeError:
                pass
            else:
                check = child.check
                if check is None or decoded is None or check(decoded):
                    continue
            found.extend(find(child, child_raw, (*prefix, name), field_key, UNSET if value is UNSET else value[name]))
    if extra:
        base = fold_path(prefix)
        found.extend(unplanned(base, name) for name in extra)
    return found


def _decodes(decoder: msgspec.json.Decoder[Any] | None, raw: Raw) -> bool:
    if decoder is None:
        return False
    try:
        decoder.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


SCALARS = (str, int, bool, type(None))
"""Values whose findings a node remembers (floats are not: ``0.0 == -0.0`` but they read differently)."""


def _leaf(node: Node, value: Any, prefix: tuple[str | int, ...], field_key: str) -> list[Found]:
    """Every error of ``value`` against the node's whole schema."""
    types = node.types
    if types is not None:
        names = json_types(value)
        if names is None:
            is_type = node.whole.is_type
            mistyped = not any(is_type(value, name) for name in types[1])
        else:
            mistyped = names.isdisjoint(types[1])
        if mistyped:
            return [("type_mismatch", fold_path(prefix), type_message(types[0], value), 1)]
    kind = value.__class__
    base = fold_path(prefix)
    key: tuple[type, Any] | None = None
    if kind in SCALARS and (kind is not str or len(value) <= MAX_MEMO_TEXT):
        key = (kind, value)
        relative = node.memo.get(key)
        if relative is not None:
            return [(code, base, text, rank) for code, text, rank in relative]
    checks = node.text_checks
    relative = _text_errors(checks, value) if kind is str and checks is not None else None
    if relative is None:
        found: list[Found] = []
        for error in node.whole.iter_errors(value):
            found.extend(classify(error, field_key, (), prefix) or ())
        if key is None or any(path != base for _, path, _, _ in found):  # not expected of a scalar: no memo
            return found
        relative = tuple((code, text, rank) for code, _, text, rank in found)
    if key is not None and len(node.memo) < MAX_MEMO:
        node.memo[key] = relative
    return [(code, base, text, rank) for code, text, rank in relative]


def _own(
    node: Node, members: Any, raw: Raw, value: Any, prefix: tuple[str | int, ...], field_key: str
) -> list[Found]:
    """The errors of the node's own keywords (not its children's) for an object or array.

    ``members`` are its members or elements, unparsed; ``value`` the parsed value (``UNSET``: not yet).
    """
    if node.own_schema is None:
        if not node.required:
            return []
        base = fold_path(prefix)
        return [missing(base, name) for name in node.required if name not in members]
    bounds = node.list_bounds
    if bounds is not None and members.__class__ is list:
        low, high = bounds
        if len(members) >= low and (high is None or len(members) <= high):
            return []  # within its item counts: no error (else jsonschema words it)
    out: list[Found] = []
    for error in node.own.iter_errors(load(raw) if value is UNSET else value):
        out.extend(classify(error, field_key, (), prefix) or ())
    return out
