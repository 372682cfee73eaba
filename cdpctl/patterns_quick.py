"""A Python ``re`` form of simple plan patterns, for values short enough that its worst case is bounded.

RE2 (:mod:`cdpctl.patterns`) matches in linear time whatever the pattern, but a
call into it costs about a microsecond, more than the rest of a small struct's
decoding.  Most plan patterns are simple: ``^s[0-9]{1,7}$``, ``^[A-Z]{2}-\\d{4}$``,
a sequence of characters and character classes, each repeated.  For those,
Python's backtracking engine gives the same answer (both work on code points;
the translated pattern says ``\\d`` and ``\\w`` in their ASCII sense, ``$`` at the
very end only) at a quarter of the cost, and its worst case is bounded: with no
groups and no alternation, backtracking can only try each combination of
repetition counts, at each start position.  :func:`quick_form` accepts a
translated pattern only when that product, for a value of :data:`QUICK_MAX_CHARS`
characters, stays under :data:`STEP_BUDGET`; longer values go to RE2 (the fast
path makes the length a bound of the field's type, so a longer value takes the
reference path).

Anything else (groups, alternation, lookaround, ``\\p`` classes, lazy repetition)
gives ``None``: the pattern runs on RE2 only.
"""

from __future__ import annotations

import re

QUICK_MAX_CHARS = 1024
"""The longest value the ``re`` form is used for."""
STEP_BUDGET = 100_000
"""The most combinations of repetition counts (times start positions) the ``re`` form may try on a value."""

_ESCAPES_KEPT = {"d": r"\d", "D": r"\D", "w": r"\w", "W": r"\W", "n": r"\n", "r": r"\r", "t": r"\t"}
_SPECIAL = set("\\.()|*+?{}[]^$")
_HEX = re.compile(r"x\{([0-9A-Fa-f]{1,6})\}")


class _NotSimple(Exception):
    pass


def _char(code: int) -> str:
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise _NotSimple
    return f"\\U{code:08x}" if code > 0xFFFF else f"\\u{code:04x}"


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise _NotSimple
        self.at += 1
        return char

    def escape(self, in_class: bool) -> str:
        """The Python form of the escape after a backslash (one character or a shorthand class)."""
        hexed = _HEX.match(self.text, self.at)
        if hexed is not None:
            self.at = hexed.end()
            return _char(int(hexed[1], 16))
        char = self.take()
        if char in _ESCAPES_KEPT:
            return _ESCAPES_KEPT[char]
        if char in _SPECIAL or char in "-/" or (in_class and char in "^"):
            return _char(ord(char))
        raise _NotSimple  # \b, \p{..}, \s, back-references, \A, \z...

    def one(self) -> str:
        """One character of a class (for a range), as Python source."""
        char = self.take()
        if char == "\\":
            return self.escape(True)
        if char in "[]":
            raise _NotSimple
        return _char(ord(char))

    def char_class(self) -> str:
        parts = ["["]
        if self.peek() == "^":
            self.at += 1
            parts.append("^")
        first = True
        while True:
            char = self.peek()
            if char == "]" and not first:
                self.at += 1
                break
            if char == "[" and self.text.startswith("[:", self.at):
                raise _NotSimple  # a POSIX class
            low = self.one()
            if self.peek() == "-" and self.text[self.at + 1 : self.at + 2] not in ("]", ""):
                self.at += 1
                high = self.one()
                if len(low) == 2 or len(high) == 2:  # a shorthand class cannot bound a range
                    raise _NotSimple
                parts.append(f"{low}-{high}")
            else:
                parts.append(low)
            first = False
        return "".join(parts) + "]"

    def atom(self) -> str:
        char = self.take()
        if char == "[":
            return self.char_class()
        if char == "\\":
            return self.escape(False)
        if char in _SPECIAL:
            raise _NotSimple
        return _char(ord(char))

    def repeat(self) -> tuple[int, int | None]:
        """The repetition after an atom: ``(least, most)`` (``most`` ``None``: unbounded)."""
        char = self.peek()
        counts: tuple[int, int | None] = (1, 1)
        if char in ("?", "*", "+"):
            self.at += 1
            counts = {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        elif char == "{":
            found = re.compile(r"\{([0-9]{1,4})(,([0-9]{0,4}))?\}").match(self.text, self.at)
            if found is None:
                raise _NotSimple
            self.at = found.end()
            least = int(found[1])
            most = least if found[2] is None else (int(found[3]) if found[3] else None)
            counts = (least, most)
        if self.peek() in ("?", "*", "+", "{"):  # lazy or stacked repetition
            raise _NotSimple
        return counts


def _steps(items: list[tuple[str, int, int | None]], anchored: bool) -> int:
    """A bound on what backtracking tries for one value: combinations of repetition counts, per start.

    The items are cut into segments at each single literal character that no item of the segment before
    it can match (a barrier): a segment with at most one repeated item ends in at most one way (its
    repetition stops at the first barrier character), so the next segment starts once.
    """
    total, entries, product, variable = 0, 1, 1, 0
    segment: list[str] = []
    for atom, least, most in items:
        barrier = _literal(atom) if (least, most) == (1, 1) else ""
        if barrier and segment and all(re.fullmatch("(?a)" + other, barrier) is None for other in segment):
            total += entries * product
            entries *= 1 if variable <= 1 else product
            product, variable, segment = 1, 0, []
            continue
        segment.append(atom)
        if (least, most) != (1, 1):
            variable += 1
            product *= QUICK_MAX_CHARS if most is None else most - least + 1
    total += entries * product
    return total * (1 if anchored else QUICK_MAX_CHARS)


def _literal(atom: str) -> str:
    """The character an atom matches when it is a single literal character, else ``""`` (never a barrier)."""
    return chr(int(atom[2:], 16)) if atom.startswith(("\\u", "\\U")) else ""


def quick_form(translated: str) -> str | None:
    """The Python ``re`` source that searches like RE2's ``translated`` (the form :func:`cdpctl.ecma_regex.translate`
    gives) on values of at most :data:`QUICK_MAX_CHARS` characters, within :data:`STEP_BUDGET`; else ``None``."""
    reader = _Reader(translated)
    anchored = translated.startswith("^")
    reader.at = 1 if anchored else 0
    ends = False
    items: list[tuple[str, int, int | None]] = []
    try:
        while reader.at < len(translated):
            if reader.peek() == "$" and reader.at == len(translated) - 1:  # the end of the text (RE2's $ without m)
                ends = True
                break
            atom = reader.atom()
            least, most = reader.repeat()
            if most is not None and most < least:
                return None
            items.append((atom, least, most))
    except _NotSimple:
        return None
    if _steps(items, anchored) > STEP_BUDGET:
        return None
    body = "".join(
        atom if (least, most) == (1, 1) else f"{atom}{{{least},{'' if most is None else most}}}"
        for atom, least, most in items
    )
    source = "(?a)" + (r"\A" if anchored else "") + body + (r"\Z" if ends else "")
    try:
        re.compile(source)
    except re.error:
        return None
    return source


__all__ = ["QUICK_MAX_CHARS", "STEP_BUDGET", "quick_form"]
