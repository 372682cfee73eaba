"""The ECMA-262 regular expression dialect of JSON Schema, read and written out in RE2 syntax.

:func:`translate` parses a pattern as ECMA-262 (with the ``u`` flag, as JSON
Schema asks, plus the common Annex B leniencies: a lone ``]``, ``{`` or ``}`` is
a literal, any punctuation may be escaped) and returns the same language in
RE2 syntax.  Pure: no engine is touched here.

What differs between the two dialects is spelled out, never left to chance:
``.`` excludes the four ECMA line terminators; ``\\s``/``\\S`` are ECMA's white
space set; ``[]`` matches nothing and ``[^]`` any character; ``\\cA``, ``\\0``,
``\\xHH``, ``\\uHHHH`` (surrogate pairs joined), ``\\u{H...}`` become code
points; ``\\p{...}``/``\\P{...}`` accept long and short general category names
(``\\p{Letter}``, ``\\p{L}``, ``\\p{gc=Lu}``) and ``Script=``.  Every group
becomes non-capturing: only "does it match" is ever asked.  ``\\d``, ``\\w``
and ``\\b`` keep their ASCII meaning in both dialects.

Valid ECMA-262 that a linear-time engine cannot run (lookaround,
back-references, a repetition count over 1000) raises :class:`UnsupportedPattern`
(after the whole pattern is checked, so syntax errors win); anything else that
is not ECMA-262 raises :class:`PatternError`.  Both carry the offset of the
construct at fault.
"""

from __future__ import annotations

from collections.abc import Callable

from cdpctl.ecma_escapes import (
    LINE_TERMINATORS,
    LOOKAROUND,
    MAX_REPEAT,
    NOT_ECMA_GROUPS,
    PatternError,
    Reader,
    UnsupportedPattern,
    hex_escape,
    is_group_name,
)

__all__ = ["PatternError", "UnsupportedPattern", "is_ecma_pattern", "translate"]


class _Parser(Reader):
    """Reads a whole pattern: alternatives, groups and quantifiers (atoms are :class:`Reader`'s)."""

    # -- structure ----------------------------------------------------------------------------
    def run(self) -> str:
        depth = 0
        quantifiable = False  # whether the last thing written may take a quantifier
        while self.i < len(self.src):
            char = self.src[self.i]
            start = self.i
            if char == "|":
                self.out.append("|")
                self.i += 1
                quantifiable = False
            elif char == "(":
                self.out.append(self.group_open())
                depth += 1
                quantifiable = False
            elif char == ")":
                if depth == 0:
                    raise self.fail("unbalanced ')'")
                depth -= 1
                self.out.append(")")
                self.i += 1
                quantifiable = True
            elif char in "*+?" or (char == "{" and self.quantifier_braces() is not None):
                if not quantifiable:
                    if char == "+" and start > 0 and self.src[start - 1] in "*+?}":
                        raise self.fail("possessive quantifiers ('*+', '++', '?+', '{n}+') are not ECMA-262")
                    raise self.fail(f"nothing to repeat before '{char}'")
                self.out.append(self.quantifier())
                quantifiable = False
            elif char in "^$":
                self.out.append(char)
                self.i += 1
                quantifiable = False
            elif char == ".":
                self.out.append(f"[^{LINE_TERMINATORS}]")
                self.i += 1
                quantifiable = True
            elif char == "[":
                self.out.append(self.char_class())
                quantifiable = True
            elif char == "\\":
                text, quantifiable = self.escape()
                self.out.append(text)
            else:  # a literal, including a lone ']', '{' or '}' (Annex B)
                self.out.append(hex_escape(ord(char)) if not char.isalnum() else char)
                self.i += 1
                quantifiable = True
        if depth:
            raise self.fail("missing ')'", len(self.src))
        if self.unsupported:
            offset, message = self.unsupported[0]
            raise UnsupportedPattern(message, offset, tuple(self.unsupported))
        return "".join(self.out)

    def group_open(self) -> str:
        start = self.i
        rest = self.src[start : start + 4]
        for prefix, message in NOT_ECMA_GROUPS:
            if rest.startswith(prefix):
                raise self.fail(message)
        for prefix in sorted(LOOKAROUND, key=len, reverse=True):
            if rest.startswith(prefix):
                self.cannot_run(
                    f"{LOOKAROUND[prefix]} cannot run in linear time; rewrite the pattern without it", start
                )
                self.i += len(prefix)
                return "(?:"
        if rest.startswith("(?:"):
            self.i += 3
            return "(?:"
        if rest.startswith("(?<"):
            close = self.src.find(">", start + 3)
            name = self.src[start + 3 : close] if close != -1 else ""
            if not is_group_name(name):
                raise self.fail(
                    "a named group is written '(?<name>...)' with a name made of letters, digits, '_' or '$'"
                )
            self.i = close + 1
            return "(?:"
        if rest.startswith("(?"):
            raise self.fail("inline flags such as '(?i)' are not ECMA-262; list the cases, e.g. '[Aa]'")
        self.i += 1
        return "(?:"

    def quantifier_braces(self) -> tuple[int, int | None, int] | None:
        """``(low, high, end)`` when a ``{n}``, ``{n,}`` or ``{n,m}`` starts here, else ``None`` (a literal)."""
        src, j = self.src, self.i + 1
        k = j
        while k < len(src) and src[k].isdigit() and src[k].isascii():
            k += 1
        if k == j:
            if src[j : j + 1] == "," and src[j + 1 : j + 2].isdigit():
                raise self.fail("'{,n}' is not an ECMA-262 quantifier; write '{0,n}'")
            return None
        low = int(src[j:k]) if k - j < 12 else MAX_REPEAT * 10
        if src[k : k + 1] == "}":
            return low, low, k + 1
        if src[k : k + 1] != ",":
            return None
        m = k + 1
        while m < len(src) and src[m].isdigit() and src[m].isascii():
            m += 1
        if src[m : m + 1] != "}":
            return None
        if m == k + 1:
            return low, None, m + 1
        high = int(src[k + 1 : m]) if m - k - 1 < 12 else MAX_REPEAT * 10
        return low, high, m + 1

    def quantifier(self) -> str:
        start = self.i
        char = self.src[start]
        if char == "{":
            found = self.quantifier_braces()
            assert found is not None
            low, high, end = found
            if high is not None and high < low:
                raise self.fail(f"numbers out of order in the quantifier {self.src[start:end]}")
            if max(low, high or 0) > MAX_REPEAT:
                self.cannot_run(
                    f"the repetition count in {self.src[start:end][:30]} is above {MAX_REPEAT}, the most the "
                    "linear-time engine repeats; use '*' or '+' with a length limit (max_length) instead",
                    start,
                )
                low, high = min(low, MAX_REPEAT), None if high is None else min(high, MAX_REPEAT)
            text = f"{{{low}}}" if high == low else (f"{{{low},}}" if high is None else f"{{{low},{high}}}")
            self.i = end
        else:
            text = char
            self.i += 1
        if self.peek() == "?":
            text += "?"
            self.i += 1
        if self.peek() == "+":
            raise self.fail("possessive quantifiers ('*+', '++', '?+', '{n}+') are not ECMA-262")
        if self.peek() in ("*", "?") or (self.peek() == "{" and self.quantifier_braces() is not None):
            raise self.fail(f"nothing to repeat before '{self.peek()}'")
        return text


def translate(source: str, script_ok: Callable[[str], bool] = str.isidentifier) -> str:
    """``source`` (ECMA-262) in RE2 syntax; raises :class:`PatternError` or :class:`UnsupportedPattern`.

    ``script_ok`` says whether the engine knows a script name (``\\p{Script=Greek}``).
    """
    return _Parser(source, script_ok).run()


def is_ecma_pattern(source: object) -> bool:
    """Whether ``source`` is ECMA-262 (the ``regex`` format), runnable in linear time or not.

    A value that is not a string passes, as in every format checker: ``type`` judges it, and
    some ``jsonschema`` releases call format checkers before (or without) the type check.
    """
    if not isinstance(source, str):
        return True
    try:
        translate(source, lambda name: True)
    except UnsupportedPattern:
        return True
    except PatternError:
        return False
    return True
