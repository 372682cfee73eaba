"""Reading one record's JSON as every engine reads it: exact integers, one nesting limit, no NaN.

The rules (the same under every Python version, on every path: fast, reference,
``--split``, ``--jobs``, Spark):

* **Nesting.**  A record (an NDJSON line, or a whole JSON document) whose arrays
  and objects nest more than :data:`MAX_DEPTH` levels, its outermost one
  included, is one malformed record.  The limit is cdpctl's own, checked on the
  bytes before any recursive reader runs, so a verdict never depends on the
  interpreter's recursion limit.
* **Integers** are read exactly, however long (orjson reads integers beyond 64
  bits as floats: a record holding one is read again by the json module).  An
  integer of more than 4,300 digits (Python's limit on reading one) reads as an
  infinite number, as ``1e400`` does.
* **NaN, Infinity, -Infinity** are not JSON.  A record holding one is read anyway
  (some SDKs write them): the message holding it is one malformed record; the other
  messages of a batch or array are checked.  A number beyond a double's range
  (``1e400``) is JSON: it reads as an infinite number.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

import orjson

JSON_SPACE = b" \t\r\n"
"""The whitespace JSON allows around a value (RFC 8259): a form feed or vertical tab is not (``bytes.strip()``
strips them)."""

MAX_DEPTH = 200
"""Levels of arrays and objects a record may nest (its outermost one included)."""

LONG_RECORD = 2 * MAX_DEPTH
"""JSON text shorter than this cannot nest deeper than :data:`MAX_DEPTH` (each level takes two bytes)."""

DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= code <= 0x39 else 0x78 for code in range(256))
"""A ``bytes.translate`` table: digits to ``0``, every other byte to ``x``."""

LONG_DIGITS = b"0" * 19
"""A run of digits long enough to be an integer beyond 64 bits (found in the translated bytes)."""

STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
"""A JSON string (an unterminated one runs to the end): stripped before brackets are counted."""

BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")
NOT_BRACKETS = bytes(code for code in range(256) if code not in b"[{]}")


class NotJson(float):
    """``NaN``, ``Infinity`` or ``-Infinity`` as read from a record (a float that remembers it was not JSON)."""

    __slots__ = ()


def _not_json(token: str) -> NotJson:
    return NotJson(token)


def too_deep_message() -> str:
    return f"nests more than {MAX_DEPTH} levels of arrays and objects"


def nesting(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped; an unclosed text counts what opened).

    Exact above :data:`MAX_DEPTH`; below it, an upper bound (the number of ``[`` and ``{``).
    """
    openers = raw.count(b"{") + raw.count(b"[")
    if openers <= MAX_DEPTH:  # the common case: two counts, no scan (depth cannot exceed the openers)
        return openers
    marks = STRING.sub(b"", raw).translate(BRACKETS, NOT_BRACKETS)
    if not marks:
        return 0
    return max(0, max(accumulate(1 if mark == 1 else -1 for mark in marks)))


def deeper_than_limit(raw: bytes) -> bool:
    """Whether a record nests deeper than :data:`MAX_DEPTH` (cheap for the short or shallow: a count, no scan)."""
    return len(raw) > LONG_RECORD and nesting(raw) > MAX_DEPTH


class Malformed(ValueError):
    """A record that breaks one of the rules above (its text says which)."""


def not_utf8_message(raw: bytes) -> str | None:
    """What is wrong with a text that is not UTF-8 (orjson calls any bad byte "surrogates not allowed"), else None."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8: byte 0x{raw[exc.start]:02X} at offset {exc.start} (JSON text is UTF-8)"
    return None


def parse_record(raw: bytes) -> tuple[Any, bool]:
    """One record's value and whether it holds a ``NaN``/``Infinity`` (:class:`NotJson`) somewhere.

    Raises ``ValueError`` (:class:`Malformed` for the rules of this module) when the record is malformed.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # NaN, Infinity and numbers beyond a double are read by the standard parser below; orjson's
        # wording of its errors differs between its versions, so every error but depth and a lone
        # surrogate (which the standard parser would let through) tries it
        text = str(exc)
        if "surrogate" in text:
            raise Malformed(not_utf8_message(raw) or text) from None
        if text.startswith("depth limit") or deeper_than_limit(raw):
            raise Malformed(too_deep_message()) from None
        constants: list[str] = []

        def constant(token: str) -> NotJson:
            constants.append(token)
            return _not_json(token)

        try:
            # decoded first: json.loads of bytes would skip a byte order mark that orjson refuses
            return json.loads(raw.decode("utf-8"), parse_constant=constant, parse_int=read_integer), bool(constants)
        except ValueError:
            raise exc from None
    if deeper_than_limit(raw):
        raise Malformed(too_deep_message())
    if LONG_DIGITS in raw.translate(DIGITS_AS_ZERO):  # maybe an integer beyond 64 bits: read it exactly
        value = json.loads(raw, parse_int=read_integer)
    return value, False


MAX_DIGITS = 4300
"""Python's default limit on the digits of an integer read from text."""


def read_integer(text: str) -> int | float:
    """An integer literal, exactly; beyond :data:`MAX_DIGITS` digits, an infinite number (as orjson reads it)."""
    if len(text) <= MAX_DIGITS:
        return int(text)
    return float("-inf") if text.startswith("-") else float("inf")


def parse_json(raw: bytes) -> Any:
    """One record's value (:func:`parse_record` without the flag)."""
    return parse_record(raw)[0]


def not_json_in(value: Any) -> str | None:
    """The first ``NaN``/``Infinity``/``-Infinity`` held in a parsed value (as its JSON token), else ``None``."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = item.__class__
        if kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif kind is NotJson:
            return "NaN" if item != item else "Infinity" if item > 0 else "-Infinity"
    return None


def not_json_message(token: str) -> str:
    return f"{token} is not a JSON number"


def has_non_finite(value: Any) -> bool:
    """Whether a parsed value holds an infinite or NaN float anywhere (without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if item - item != 0:  # inf - inf and nan - nan are nan
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def dump_json(value: Any, tokens: bool = False) -> bytes:
    """One JSON line for a value read by :func:`parse_record` (exact integers of any length): an infinity as
    ``1e400`` (a number too large for a double reads as one), or, with ``tokens`` (a malformed record, which
    held ``NaN`` or ``Infinity``), as ``Infinity``; ``NaN`` as read."""
    try:
        out = orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return _spelled(json.dumps(value, ensure_ascii=True, separators=(",", ":")), tokens)
    if b"null" in out and has_non_finite(value):  # orjson writes infinities as null
        return _spelled(json.dumps(value, ensure_ascii=True, separators=(",", ":")), tokens)
    return out


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|-?Infinity')  # a string unrolled: no backtracking


def _spelled(text: str, tokens: bool) -> bytes:
    """``json.dumps`` output with its infinities (numbers too large for a double, as ``1e400`` was read) written
    ``1e400`` again: ``Infinity`` is not JSON, and a line holding it read back as malformed.  Strings are
    skipped whole (``"Infinity"`` is text); ``NaN`` is kept as read (only a malformed record holds one)."""
    if tokens or "Infinity" not in text:  # a big integer alone (orjson refuses it): nothing to respell
        return text.encode()
    return _TOKENS.sub(lambda m: m[0] if m[0][0] == '"' else m[0].replace("Infinity", "1e400"), text).encode()


__all__ = [
    "MAX_DEPTH",
    "Malformed",
    "NotJson",
    "deeper_than_limit",
    "dump_json",
    "has_non_finite",
    "nesting",
    "not_json_in",
    "parse_json",
    "parse_record",
]
