"""Reading JSON bodies exactly, and a batch message by message when the whole body does not parse.

:func:`load` reads numbers as ``cdpctl validate`` does: integers beyond 64 bits stay exact (orjson
would read them as floats), a number beyond a double's range (``1e400``) and an integer of more than
4,300 digits are infinite numbers (JSON all the same), and ``NaN``, ``Infinity`` are refused.
:func:`split_batch` finds the text of each message of a batch by scanning its
top-level commas (strings skipped a jump at a time, linear in the body), so one
message that does not parse never costs the others.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from cdpctl.validation.jsonread import BRACKETS, MAX_DEPTH, NOT_BRACKETS, STRING, not_utf8_message, read_integer

_LONG_DIGITS = re.compile(rb"[0-9]{19}")
"""A run of digits that may be an integer orjson would read as a float (beyond 64 bits)."""


class _NonFinite(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NonFinite(f"{name} is not a JSON number")


def load(data: bytes) -> Any:
    """Parse JSON exactly (integers beyond 64 bits stay integers); ValueError (or RecursionError) if it is not JSON."""
    if _LONG_DIGITS.search(data) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            # as cdpctl validate reads a record (``parse_record``): a number beyond a double (1e400) is JSON,
            # which the standard parser reads; orjson's wording differs between versions, so every error but a
            # lone surrogate (which the standard parser lets through) tries it
            if "surrogate" in str(exc):
                raise ValueError(not_utf8_message(data) or str(exc)) from None
            try:  # decoded first: json.loads of bytes would skip a byte order mark that orjson refuses
                return json.loads(data.decode("utf-8"), parse_constant=_reject_constant, parse_int=read_integer)
            except _NonFinite:  # "NaN is not a JSON number", as cdpctl validate says
                raise
            except ValueError:
                raise exc from None
    return json.loads(data, parse_constant=_reject_constant, parse_int=read_integer)


def load_item(text: bytes) -> tuple[Any, str | None]:
    try:
        return load(text), None
    except RecursionError:
        return None, "nested too deeply to read"
    except (ValueError, UnicodeDecodeError) as exc:
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__


_NOT_SHAPE = bytes(code for code in range(256) if code not in b'[]{}"\\')
_SHAPE = bytes.maketrans(b"[{]}", b"\x01\x01\x02\x02")


def too_deep(raw: bytes) -> bool:
    """Whether a JSON text nests more than ``MAX_DEPTH`` levels, as :func:`cdpctl.validation.jsonread.nesting` counts.

    Made for whole request bodies, which hold thousands of brackets: strings are dropped by splitting
    the brackets and quotes at the quotes (the regular expression only when a backslash may escape one),
    then each pass takes out the innermost pairs; a pair left after ``MAX_DEPTH`` passes is one level too
    many.  A text that does not close is not judged here (it does not parse anyway).
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    shape = raw.translate(_SHAPE, _NOT_SHAPE)
    if b"\\" in shape:
        marks = STRING.sub(b"", raw).translate(BRACKETS, NOT_BRACKETS)
    else:
        marks = b"".join(shape.split(b'"')[0::2])
    for _ in range(MAX_DEPTH):
        shorter = marks.replace(b"\x01\x02", b"")
        if len(shorter) == len(marks):
            return False
        marks = shorter
    return b"\x01\x02" in marks


_TOKEN = re.compile(rb'[\[\]{},":]')
_IN_STRING = re.compile(rb'["\\]')
Span = tuple[int, int, int]
"""(start, end, colon): one top-level part of a container; ``colon`` is -1 outside objects."""


def _parts(data: bytes, start: int) -> tuple[list[Span], int] | None:
    """The parts between top-level commas of the array or object opening at ``data[start]``, and its end.

    Linear in the size of the container (strings are skipped a jump at a time); None when it does not close.
    """
    depth = 0
    position = start + 1
    part_start = position
    colon = -1
    parts: list[Span] = []
    while True:
        match = _TOKEN.search(data, position)
        if match is None:
            return None
        char = data[match.start()]
        position = match.end()
        if char == 0x22:  # a string: jump to its closing quote
            while True:
                inner = _IN_STRING.search(data, position)
                if inner is None:
                    return None
                if data[inner.start()] == 0x5C:  # a backslash escapes the next byte
                    position = inner.start() + 2
                    continue
                position = inner.end()
                break
        elif char in b"[{":
            depth += 1
        elif char in b"]}":
            if depth == 0:
                if parts or data[part_start : match.start()].strip():
                    parts.append((part_start, match.start(), colon))
                return parts, position
            depth -= 1
        elif char == 0x2C and depth == 0:
            parts.append((part_start, match.start(), colon))
            part_start, colon = position, -1
        elif char == 0x3A and depth == 0 and colon < 0:
            colon = match.start()


def compact(text: bytes) -> bytes:
    """One message's text on one line (line breaks can only be whitespace between tokens in JSON)."""
    text = text.strip()
    if b"\n" in text or b"\r" in text:
        text = text.replace(b"\r", b" ").replace(b"\n", b" ")
    return text


def split_batch(data: bytes) -> tuple[list[bytes], str | None] | None:
    """The text of each message of a batch body that does not parse whole, and its ``writeKey``; None if no batch."""
    stripped = data.strip()
    offset = len(data) - len(data.lstrip())
    if not stripped or stripped[:1] not in (b"[", b"{"):
        return None
    found = _parts(data, offset)
    if found is None or data[found[1] :].strip():
        return None
    parts, _ = found
    if stripped[:1] == b"[":
        return [data[s:e] for s, e, _ in parts], None
    items: list[bytes] | None = None
    write_key = None
    for part_start, part_end, colon in parts:
        if colon < 0:
            return None
        key, error = load_item(data[part_start:colon])
        if error is not None:
            return None
        value_start = colon + 1 + (len(data[colon + 1 : part_end]) - len(data[colon + 1 : part_end].lstrip()))
        if key == "batch":
            if data[value_start : value_start + 1] != b"[":
                return None
            inner = _parts(data, value_start)
            if inner is None or data[inner[1] : part_end].strip():
                return None
            items = [data[s:e] for s, e, _ in inner[0]]
        elif key == "writeKey":
            value, _ = load_item(data[value_start:part_end])
            write_key = value if isinstance(value, str) else None
    if items is None:
        return None
    return items, write_key
