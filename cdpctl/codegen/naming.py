"""Safe, deterministic, collision-free Python identifiers and literals for untrusted plan names.

Rules (documented in the README, under ``cdpctl generate python``):

1. A name that already is a lower-case ASCII identifier is kept.  Any other is reduced to ASCII (accents dropped), split into words at
   non-alphanumeric characters and at lower-to-upper case changes
   (``productId`` -> ``product``, ``id``), and joined as ``snake_case``
   (methods, arguments) or ``PascalCase`` (classes).
2. A result that is empty or starts with a digit gets a prefix
   (``track_``, ``page_``, ``p_``, ``T``...); an empty one also a short hash
   of the original name, so it stays stable.
3. A result that is a Python keyword, soft keyword, builtin or a name the
   generated code itself uses gets a trailing underscore (``type`` -> ``type_``;
   class names get ``Type``: ``Any`` -> ``AnyType``).
4. Names that still collide in one namespace are numbered ``_2``, ``_3`` ...
   (class names ``2``, ``3`` ...).
   The order does not depend on the order of the plan: a name that is
   already exactly its own identifier keeps it first, then the others in
   code-point order of their original names.

Strings written into generated code go through :func:`py_str` (a
double-quoted literal with every quote, backslash, control and invisible
character escaped) and descriptions through :func:`docstring_text`, so no
plan text can break out of a literal, a comment or a docstring.
"""

from __future__ import annotations

import builtins
import hashlib
import keyword
import re
import unicodedata
from collections.abc import Callable, Collection, Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+")
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")

PYTHON_RESERVED = frozenset(
    {*keyword.kwlist, *keyword.softkwlist, *dir(builtins), "self", "cls"}
)
"""Names no generated identifier may take: keywords, soft keywords, builtins."""

MAX_IDENTIFIER = 72


def _short_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def words(name: str) -> list[str]:
    """The ASCII words of ``name``: ``"Order Completed"`` -> ``["Order", "Completed"]``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = _CAMEL_2.sub(r"\1 \2", _CAMEL_1.sub(r"\1 \2", ascii_name))
    return [word for word in _WORD_SPLIT.split(ascii_name) if word]


def _limit(identifier: str, original: str, separator: str = "_") -> str:
    """``identifier`` cut to :data:`MAX_IDENTIFIER` with a hash of ``original`` (after ``separator``: none in a
    class name, which stays CapWords)."""
    if len(identifier) <= MAX_IDENTIFIER:
        return identifier
    return identifier[: MAX_IDENTIFIER - 8 - len(separator)].rstrip("_") + separator + _short_hash(original)


def snake_case(name: str, prefix: str) -> str:
    """``Order Completed`` -> ``order_completed``; ``prefix`` is used when the result would be empty or start with a digit.

    A name that already is a lower-case ASCII identifier (``check_in``, ``type_``) is kept as it is.
    """
    if _SNAKE.fullmatch(name):
        return _limit(name, name)
    result = "_".join(word.lower() for word in words(name))
    if not result:
        result = f"{prefix}{_short_hash(name)}"
    elif result[0].isdigit():
        result = f"{prefix}{result}"
    return _limit(result, name)


def pascal_case(name: str, prefix: str) -> str:
    """``order completed`` -> ``OrderCompleted``; ``prefix`` as in :func:`snake_case`."""
    result = "".join(word[:1].upper() + word[1:] for word in words(name))
    if not result:
        result = f"{prefix}{_short_hash(name)}"
    elif result[0].isdigit():
        result = f"{prefix}{result}"
    return _limit(result, name, separator="")


def allocate(
    requests: Mapping[K, str],
    reserved: Collection[str],
    *,
    exact: Callable[[K], bool] = lambda key: False,
    order: Callable[[K], str | tuple[str, ...]] = lambda key: str(key),
    style: str = "snake",
) -> dict[K, str]:
    """Give each request a unique identifier, starting from its wanted ``requests[key]``.

    ``reserved`` names (and Python's reserved names) get a trailing underscore;
    remaining collisions are numbered ``_2``, ``_3``...  With ``style="pascal"`` (class names, which
    stay CapWords) a reserved name gets ``Type`` appended and collisions are numbered ``2``, ``3``... Requests for which
    ``exact(key)`` holds (and whose wanted name is not blocked) are served first, then the rest sorted by ``order(key)``,
    so the result does not depend on the order of ``requests``.
    """
    blocked = set(reserved) | PYTHON_RESERVED
    ranked = sorted(requests, key=lambda key: (not (exact(key) and requests[key] not in blocked), order(key)))
    taken: set[str] = set()
    result: dict[K, str] = {}
    for key in ranked:
        wanted = requests[key]
        if wanted in blocked:
            wanted = f"{wanted}Type" if style == "pascal" else f"{wanted}_"
        name, counter = wanted, 1
        while name in taken or name in blocked:
            counter += 1
            name = f"{wanted}{counter}" if style == "pascal" else f"{wanted.rstrip('_') or wanted}_{counter}"
        taken.add(name)
        result[key] = name
    return {key: result[key] for key in requests}


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_SIMPLE_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(char: str) -> bool:
    """Whether ``char`` may appear as itself inside generated source (printable, not a bidi control)."""
    if not char.isprintable():
        return False
    # format characters (bidi overrides, zero-width joiners...) can make code read differently than it runs
    return unicodedata.category(char) not in ("Cf", "Co", "Cs", "Cn")


def py_str(value: str) -> str:
    """A Python string literal for ``value`` that nothing in ``value`` can break out of.

    Double-quoted unless ``value`` holds more double than single quotes (the choice ruff's formatter
    makes); the chosen quote, backslashes, line breaks and every invisible character are escaped.
    """
    quote = "'" if value.count('"') > value.count("'") else '"'
    out = [quote]
    for char in value:
        simple = _SIMPLE_ESCAPES.get(char)
        if char == quote:
            out.append("\\" + char)
        elif char in ("'", '"'):
            out.append(char)
        elif simple is not None:
            out.append(simple)
        elif char.isascii() and char.isprintable() or _visible(char):
            out.append(char)
        else:
            out.append(_escape_char(char))
    out.append(quote)
    return "".join(out)


def comment_text(value: str) -> str:
    """``value`` made safe for a ``#`` comment: one line, nothing invisible (a :func:`py_str` literal)."""
    return py_str(value)


def docstring_text(value: str) -> list[str]:
    """The lines of ``value`` made safe for the inside of a ``\"\"\"`` docstring.

    Backslashes and double quotes are escaped (so no ``\"\"\"`` can end the
    docstring and no escape sequence can change it), every invisible or
    control character is escaped, line breaks of any kind become separate
    lines, and trailing whitespace is dropped.
    """
    text = value.replace("\r\n", "\n")
    lines: list[str] = []
    for raw_line in re.split(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]", text):
        out: list[str] = []
        for char in raw_line:
            if char in ('\\', '"'):
                out.append("\\" + char)
            elif char == "\t":
                out.append("    ")
            elif (char.isascii() and char.isprintable()) or _visible(char):
                out.append(char)
            else:
                out.append(_escape_char(char))
        lines.append("".join(out).rstrip())
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines
