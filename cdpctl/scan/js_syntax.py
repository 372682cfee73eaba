"""What a tree-sitter node of JavaScript or TypeScript holds: its text, the value of a string literal (escapes
decoded as JavaScript decodes them), an object key, a property of an object literal.

Shared by :mod:`cdpctl.scan.js_source` (the calls) and :mod:`cdpctl.scan.js_names` (the names a file binds).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Any

WRAPPERS = ("parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression")
"""Expressions that hold one value unchanged: ``(x)``, ``x as T``, ``x satisfies T``, ``x!``."""


def source_text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace"))


def string_value(node: Any) -> str | None:
    """The value of a string literal (or a template string without substitutions), else None."""
    if node is None:
        return None
    template = node.type == "template_string"
    if not template and node.type != "string":
        return None
    parts = []
    for child in node.named_children:
        if child.type == "string_fragment":
            fragment = source_text(child)
            parts.append(fragment.replace("\r\n", "\n").replace("\r", "\n") if template else fragment)  # as JavaScript cooks it
        elif child.type == "escape_sequence":
            parts.append(unescape(source_text(child)))
        elif child.type == "template_substitution":
            return None
    return "".join(parts)


def unescape(sequence: str) -> str:
    """The character a JavaScript escape sequence (``\\n``, ``\\x41``, ``\\u00e9``, ``\\u{1F600}``) stands for."""
    simple = {
        "\\n": "\n", "\\t": "\t", "\\r": "\r", "\\b": "\b", "\\f": "\f", "\\v": "\v",
        "\\'": "'", '\\"': '"', "\\\\": "\\", "\\0": "\0",
    }  # fmt: skip
    if sequence in simple:
        return simple[sequence]
    if sequence[1:].lstrip("\r") in ("\n", "", "\u2028", "\u2029"):  # a line continuation: no character
        return ""
    if sequence.startswith(("\\u", "\\x")):
        digits = sequence[2:].strip("{}")
        try:
            return chr(int(digits, 16))
        except ValueError:
            return sequence
    return sequence[1:]


def unwrap(node: Any) -> Any:
    """``node`` without the parentheses, type assertions and non-null assertions around its value."""
    while node is not None and node.type in WRAPPERS:
        node = node.named_children[0] if node.named_children else None
    return node


def key_name(node: Any) -> str:
    """The name of an object key (a string key's value, else its text)."""
    literal = string_value(node)
    return literal if literal is not None else source_text(node)


def pair_value(obj: Any, name: str) -> Any:
    """The value of key ``name`` in the object literal ``obj`` (None when it has no such key)."""
    for child in obj.named_children:
        key = child.child_by_field_name("key") if child.type == "pair" else None
        if key is not None and key_name(key) == name:
            return unwrap(child.child_by_field_name("value"))
    return None


def position(source: bytes, node: Any) -> tuple[int, int]:
    """Where ``node`` starts in ``source``: line and column from 1, the column in characters (tree-sitter's
    is in bytes: each character before it on its line that is not ASCII shifted it).  Lines end at LF, CRLF
    or a lone CR, as JavaScript and editors count them (tree-sitter's rows count LF only)."""
    start = node.start_byte
    starts = _cr_line_starts(source)
    if starts is None:
        row, byte_column = node.start_point
        return row + 1, len(source[start - byte_column : start].decode("utf-8", "replace")) + 1
    row = bisect_right(starts, start) - 1
    return row + 1, len(source[starts[row] : start].decode("utf-8", "replace")) + 1


@lru_cache(maxsize=4)
def _cr_line_starts(source: bytes) -> list[int] | None:
    """The offset of each line of a source that holds a lone CR (``None`` when it holds none: tree-sitter's
    rows are right); computed once a file, not once a call."""
    if b"\r" not in source or b"\r" not in source.replace(b"\r\n", b""):
        return None
    return [0, *(found.end() for found in _LINE_END.finditer(source))]


_LINE_END = re.compile(rb"\r\n?|\n")


def number_value(literal: str) -> int | float | None:
    """The value of a JavaScript number literal: decimal, ``0x``/``0o``/``0b`` (and legacy ``017`` octal), with
    ``_`` separators; None for a BigInt (``10n``: ``JSON.stringify`` refuses it) or a literal not understood."""
    digits = literal.replace("_", "")
    if digits.endswith("n"):
        return None
    try:
        if digits[:2].lower() in ("0x", "0o", "0b"):
            return int(digits, 0)
        if digits.isdigit():
            legacy_octal = len(digits) > 1 and digits[0] == "0" and all(c in "01234567" for c in digits)
            return int(digits, 8 if legacy_octal else 10)
        return float(digits)
    except ValueError:
        return None
