"""Write a plan document as the YAML a person would write: stable key order, short definitions on one
line, comments above the keys they are about, and scalars quoted exactly as much as needed so the
file loads back to the very same names and values (hostile names included)."""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import yaml

Path = tuple[str, ...]

WIDTH = 110
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_ .\-/()'!?+$;\"]*")
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)
_RESOLVER = yaml.resolver.Resolver()
BLOCK_NAMES = ("properties", "traits", "context", "events", "pages", "screens", "types")
CALL_SECTIONS = ("events", "pages", "screens", "identify", "group", "common", "types")


@functools.lru_cache(maxsize=4096)
def _plain_ok(text: str) -> bool:
    if not _PLAIN.fullmatch(text) or text.endswith(" ") or "  " in text:
        return False
    # plain only when YAML would read it back as this string (not a bool, number, null or date)
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == "tag:yaml.org,2002:str")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (every non-printable character escaped)."""
    out = []
    for char in text:
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif _NON_PRINTABLE.match(char):
            out.append(_escape(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def scalar(value: Any) -> str:
    """One scalar as YAML text that loads back to ``value`` (flow context safe)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text or "E" in text:
            mantissa, exponent = text.lower().split("e")
            if "." not in mantissa:
                mantissa += ".0"
            if exponent[0] not in "+-":
                exponent = "+" + exponent
            text = f"{mantissa}e{exponent}"
        return text
    text = str(value)
    return text if _plain_ok(text) else double_quoted(text)


def flow(value: Any) -> str:
    """A value in flow style: ``{type: string, enum: [a, b]}``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{" + ", ".join(f"{_flow_key(scalar(key))}: {flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return scalar(value)


IMPLICIT_KEY_LIMIT = 1000
"""Longer key texts are written as explicit keys (``? key``): YAML reads an implicit key of at most 1024
characters."""


def _flow_key(text: str) -> str:
    return f"? {text} " if len(text) > IMPLICIT_KEY_LIMIT else text


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


class _Writer:
    def __init__(self, comments: dict[Path, list[str]]) -> None:
        self.comments = comments
        self.above_comments: set[Path] = set()
        """Paths with a commented key somewhere below them (such a value is written in block style)."""
        for path in comments:
            for end in range(len(path)):
                self.above_comments.add(path[:end])
        self.lines: list[str] = []

    def comment_lines(self, path: Path, indent: str) -> None:
        for text in self.comments.get(path, []):
            self.lines.append(comment_line(text, indent))

    def block_wanted(self, path: Path, value: Any, indent: str, key_text: str) -> bool:
        forced = len(path) <= 1 or (len(path) == 2 and path[0] in CALL_SECTIONS) or path[-1] in BLOCK_NAMES
        if forced:
            return bool(value)
        if path in self.above_comments:
            return True
        if _depth(value) > 2:
            return True
        return len(indent) + len(key_text) + 2 + len(flow(value)) > WIDTH

    def mapping(self, value: dict[str, Any], path: Path, indent: str, gap: bool = False) -> None:
        for number, (key, item) in enumerate(value.items()):
            child = (*path, str(key))
            if gap and number:
                self.lines.append("")
            self.comment_lines(child, indent)
            key_text = scalar(key)
            head = f"{indent}{key_text}:"
            if len(key_text) > IMPLICIT_KEY_LIMIT:  # an explicit key: ``? key`` then ``: value``
                self.lines.append(f"{indent}? {key_text}")
                head = f"{indent}:"
            if isinstance(item, dict) and item and self.block_wanted(child, item, indent, key_text):
                self.lines.append(head)
                self.mapping(
                    item, child, indent + "  ", gap=len(child) == 1 and child[0] in ("events", "pages", "screens")
                )
            elif isinstance(item, list) and item and self.block_wanted(child, item, indent, key_text):
                self.lines.append(head)
                self.sequence(item, child, indent + "  ")
            else:
                self.lines.append(f"{head} {flow(item)}")

    def sequence(self, value: list[Any], path: Path, indent: str) -> None:
        for index, item in enumerate(value):
            child = (*path, str(index))
            if isinstance(item, dict) and item:
                first, *rest = list(item.items())
                sub = _Writer(self.comments)
                sub.mapping(dict([first, *rest]), child, indent + "  ")
                lines = sub.lines
                lines[0] = indent + "- " + lines[0][len(indent) + 2 :]
                self.lines.extend(lines)
            elif isinstance(item, list) and item:
                self.lines.append(f"{indent}- {flow(item)}")
            else:
                self.lines.append(f"{indent}- {flow(item)}")


NOT_IN_COMMENTS = re.compile("[^\t\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML does not allow in a document (control characters, lone surrogates, U+FFFE, U+FFFF)."""


def comment_text(text: str) -> str:
    """``text`` (plan text among it) as one line of a YAML comment: whitespace runs, line breaks included,
    become one space; a character YAML does not allow is written as its escape (``\\x1b``)."""
    return NOT_IN_COMMENTS.sub(lambda found: ascii(found[0])[1:-1], " ".join(text.split()))


def comment_line(text: str, indent: str = "") -> str:
    """One YAML comment line saying ``text`` (``#`` alone for an empty text)."""
    return f"{indent}# {comment_text(text)}" if text else f"{indent}#"


def dump_plan(
    document: dict[str, Any],
    comments: dict[Path, list[str]] | None = None,
    header: list[str] | None = None,
    trailer: list[str] | None = None,
) -> str:
    """The YAML text of a plan document; ``comments`` are keyed by the path of the key they sit above,
    ``header`` and ``trailer`` are comment lines before and after the document."""
    writer = _Writer(comments or {})
    for line in header or []:
        writer.lines.append(comment_line(line))
    for number, (key, item) in enumerate(document.items()):
        if number and isinstance(item, dict) and item:
            writer.lines.append("")
        writer.mapping({key: item}, (), "")
    writer.lines.extend(comment_line(line) for line in trailer or [])
    return "\n".join(writer.lines) + "\n"
