"""Reading ECMA-262 escapes, Unicode properties and character classes, written out in RE2 syntax.

The half of :mod:`cdpctl.ecma_regex` that reads atoms: :class:`Reader` holds the
position in the pattern and turns ``\\cA``, ``\\u{...}``, ``\\p{Letter}``,
``\\s`` and ``[...]`` into their RE2 spelling; the tables say which names
and escapes ECMA-262 has.
"""

from __future__ import annotations

from collections.abc import Callable

MAX_REPEAT = 1000
"""The largest count ``{n,m}`` may use (RE2's limit)."""

SYNTAX_CHARS = frozenset("^$\\.*+?()[]{}|/")
LINE_TERMINATORS = "\\n\\r\\x{2028}\\x{2029}"
_WS = ((0x9, 0xD), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
       (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF))  # fmt: skip
"""ECMA-262 ``\\s``: WhiteSpace and LineTerminator."""
_ASCII = ((0, 0x7F),)
_ANY = ((0, 0x10FFFF),)
_HEX_DIGIT = ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66))

GENERAL_CATEGORIES = {
    "L": "L", "Letter": "L", "Lu": "Lu", "Uppercase_Letter": "Lu", "Ll": "Ll", "Lowercase_Letter": "Ll",
    "Lt": "Lt", "Titlecase_Letter": "Lt", "Lm": "Lm", "Modifier_Letter": "Lm", "Lo": "Lo", "Other_Letter": "Lo",
    "M": "M", "Mark": "M", "Combining_Mark": "M", "Mn": "Mn", "Nonspacing_Mark": "Mn", "Mc": "Mc",
    "Spacing_Mark": "Mc", "Me": "Me", "Enclosing_Mark": "Me", "N": "N", "Number": "N", "Nd": "Nd",
    "Decimal_Number": "Nd", "digit": "Nd", "Nl": "Nl", "Letter_Number": "Nl", "No": "No", "Other_Number": "No",
    "P": "P", "Punctuation": "P", "punct": "P", "Pc": "Pc", "Connector_Punctuation": "Pc", "Pd": "Pd",
    "Dash_Punctuation": "Pd", "Ps": "Ps", "Open_Punctuation": "Ps", "Pe": "Pe", "Close_Punctuation": "Pe",
    "Pi": "Pi", "Initial_Punctuation": "Pi", "Pf": "Pf", "Final_Punctuation": "Pf", "Po": "Po",
    "Other_Punctuation": "Po", "S": "S", "Symbol": "S", "Sm": "Sm", "Math_Symbol": "Sm", "Sc": "Sc",
    "Currency_Symbol": "Sc", "Sk": "Sk", "Modifier_Symbol": "Sk", "So": "So", "Other_Symbol": "So",
    "Z": "Z", "Separator": "Z", "Zs": "Zs", "Space_Separator": "Zs", "Zl": "Zl", "Line_Separator": "Zl",
    "Zp": "Zp", "Paragraph_Separator": "Zp", "C": "^L M N P S Z", "Other": "^L M N P S Z", "Cc": "Cc", "Control": "Cc",
    "cntrl": "Cc", "Cf": "Cf", "Format": "Cf", "Cs": "Cs", "Surrogate": "Cs", "Co": "Co", "Private_Use": "Co",
    "LC": "Lu Ll Lt", "Cased_Letter": "Lu Ll Lt", "Cn": "^L M N P S Z Cc Cf Cs Co", "Unassigned": "^L M N P S Z Cc Cf Cs Co",
}  # fmt: skip
"""ECMA-262 general category names (long, short, and the ``digit``/``punct``/``cntrl`` aliases) -> RE2 names;
``^`` first: every code point outside those (RE2's ``C`` leaves out the unassigned code points, ``Cn``,
which ECMA-262's ``Other`` holds, and RE2 has no ``Cn``)."""
_LOOSE = {name.lower().replace("_", ""): value for name, value in GENERAL_CATEGORIES.items()}
BINARY_PROPERTIES = {"ASCII": _ASCII, "Any": _ANY, "ASCII_Hex_Digit": _HEX_DIGIT, "AHex": _HEX_DIGIT}
NOT_ECMA_ESCAPES = {
    "A": "'\\A' is a Python anchor, not ECMA-262; write '^'",
    "Z": "'\\Z' is a Python anchor, not ECMA-262; write '$'",
    "z": "'\\z' is not ECMA-262; write '$'",
    "G": "'\\G' is not ECMA-262",
    "h": "'\\h' is not ECMA-262",
    "R": "'\\R' is not ECMA-262",
    "Q": "'\\Q...\\E' quoting is not ECMA-262; escape each character",
}
NOT_ECMA_GROUPS = (
    ("(?P<", "Python named group '(?P<name>' is not ECMA-262; write '(?<name>...)'"),
    ("(?P=", "Python back-reference '(?P=name)' is not ECMA-262; write '\\k<name>'"),
    ("(?>", "atomic group '(?>' is not ECMA-262"),
    ("(?#", "comment group '(?#' is not ECMA-262"),
    ("(?(", "conditional group '(?(' is not ECMA-262"),
)
LOOKAROUND = {
    "(?=": "lookahead '(?='",
    "(?!": "negative lookahead '(?!'",
    "(?<=": "lookbehind '(?<='",
    "(?<!": "negative lookbehind '(?<!'",
}
_CONTROL = {"f": 0xC, "n": 0xA, "r": 0xD, "t": 0x9, "v": 0xB}
Ranges = tuple[tuple[int, int], ...]


class PatternError(ValueError):
    """``source`` is not an ECMA-262 pattern; ``offset`` is where the problem starts."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class UnsupportedPattern(PatternError):
    """Valid ECMA-262 that cannot run in linear time (lookaround, back-references, huge counts).

    ``problems`` lists every such construct as ``(offset, message)``; the first is the error's own.
    """

    def __init__(self, message: str, offset: int = 0, problems: tuple[tuple[int, str], ...] = ()) -> None:
        super().__init__(message, offset)
        self.problems = problems or ((offset, message),)


def hex_escape(code: int) -> str:
    return f"\\x{{{code:X}}}"


def _ranges_text(ranges: Ranges) -> str:
    return "".join(hex_escape(low) if low == high else f"{hex_escape(low)}-{hex_escape(high)}" for low, high in ranges)


def complement(ranges: Ranges) -> Ranges:
    """Every code point outside ``ranges`` (sorted, disjoint)."""
    out: list[tuple[int, int]] = []
    start = 0
    for low, high in sorted(ranges):
        if low > start:
            out.append((start, low - 1))
        start = max(start, high + 1)
    if start <= 0x10FFFF:
        out.append((start, 0x10FFFF))
    return tuple(out)


def _is_hex(text: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in text)


def is_group_name(name: str) -> bool:
    return bool(name) and not name[0].isdigit() and all(ch.isalnum() or ch in "_$" for ch in name)


def _count_groups(source: str) -> tuple[int, frozenset[str]]:
    """The capturing groups of ``source`` (for back-references), counted without parsing it."""
    count, names, index, in_class = 0, set(), 0, False
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            if source[index + 1 : index + 2] != "?":
                count += 1
            elif source[index + 1 : index + 3] == "?<" and source[index + 3 : index + 4] not in ("=", "!"):
                count += 1
                close = source.find(">", index)
                names.add(source[index + 3 : close] if close != -1 else "")
        index += 1
    return count, frozenset(names)


class Reader:
    """The position in a pattern and the reading of its atoms (escapes, properties, classes)."""

    def __init__(self, source: str, script_ok: Callable[[str], bool]) -> None:
        self.src = source
        self.script_ok = script_ok
        self.i = 0
        self.out: list[str] = []
        self.unsupported: list[tuple[int, str]] = []
        self.groups, self.names = _count_groups(source)

    # -- helpers ------------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> str:
        index = self.i + ahead
        return self.src[index] if index < len(self.src) else ""

    def fail(self, message: str, offset: int | None = None) -> PatternError:
        return PatternError(message, self.i if offset is None else offset)

    def cannot_run(self, message: str, offset: int) -> None:
        self.unsupported.append((offset, message))

    # -- escapes ------------------------------------------------------------------------------
    def escape(self) -> tuple[str, bool]:
        """An escape outside a class: its RE2 text and whether a quantifier may follow it."""
        start = self.i
        letter = self.peek(1)
        if letter == "":
            raise self.fail("the pattern ends with a lone '\\'")
        if letter in "bB":
            self.i += 2
            return "\\" + letter, False
        if letter in "dDwW":
            self.i += 2
            return "\\" + letter, True
        if letter in "sS":
            self.i += 2
            return ("[" if letter == "s" else "[^") + _ranges_text(_WS) + "]", True
        if letter in "pP":
            ranges_or_name = self.property()
            return self.property_text(ranges_or_name, letter == "P", in_class=False), True
        if letter in "123456789":
            end = start + 1
            while end < len(self.src) and self.src[end] in "0123456789":
                end += 1
            number = int(self.src[start + 1 : end]) if end - start < 12 else self.groups + 1
            if number > self.groups:
                raise self.fail(f"back-reference '\\{number}' names no group (the pattern has {self.groups})")
            self.cannot_run(f"back-reference '\\{number}' cannot run in linear time", start)
            self.i = end
            return "(?:)", True
        if letter == "k":
            close = self.src.find(">", start + 3)
            name = self.src[start + 3 : close] if self.peek(2) == "<" and close != -1 else None
            if name is None or name not in self.names:
                raise self.fail("'\\k' must name a group: '\\k<name>' after '(?<name>...)'")
            self.cannot_run(f"back-reference '\\k<{name}>' cannot run in linear time", start)
            self.i = close + 1
            return "(?:)", True
        return hex_escape(self.character_escape()), True

    def character_escape(self) -> int:
        """The code point of a character escape at ``self.i`` (past it afterwards)."""
        start = self.i
        letter = self.peek(1)
        self.i += 2
        if letter in _CONTROL:
            return _CONTROL[letter]
        if letter == "c":
            control = self.peek()
            if control.isascii() and control.isalpha():
                self.i += 1
                return ord(control) % 32
            raise self.fail("'\\c' must be followed by a letter A-Z or a-z", start)
        if letter == "0":
            if self.peek().isdigit():
                raise self.fail("octal escapes such as '\\01' are not ECMA-262 (with the u flag); write '\\x01'", start)
            return 0
        if letter == "x":
            digits = self.src[self.i : self.i + 2]
            if len(digits) == 2 and _is_hex(digits):
                self.i += 2
                return int(digits, 16)
            raise self.fail("'\\x' must be followed by two hex digits", start)
        if letter == "u":
            return self.unicode_escape(start)
        if letter in NOT_ECMA_ESCAPES:
            raise self.fail(NOT_ECMA_ESCAPES[letter], start)
        if letter in SYNTAX_CHARS or letter == "-" or not (letter.isalnum() or letter == "_"):
            return ord(letter)
        raise self.fail(f"'\\{letter}' is not an ECMA-262 escape", start)

    def unicode_escape(self, start: int) -> int:
        if self.peek() == "{":
            close = self.src.find("}", self.i)
            digits = self.src[self.i + 1 : close] if close != -1 else ""
            if not digits or not _is_hex(digits) or int(digits[:8], 16) > 0x10FFFF or len(digits) > 8:
                raise self.fail("'\\u{...}' must hold a code point of at most 10FFFF in hex", start)
            self.i = close + 1
            code = int(digits, 16)
        else:
            digits = self.src[self.i : self.i + 4]
            if len(digits) != 4 or not _is_hex(digits):
                raise self.fail("'\\u' must be followed by four hex digits or '{...}'", start)
            self.i += 4
            code = int(digits, 16)
            low = self.src[self.i : self.i + 6]
            if 0xD800 <= code <= 0xDBFF and low[:2] == "\\u" and _is_hex(low[2:]) and len(low) == 6:
                second = int(low[2:], 16)
                if 0xDC00 <= second <= 0xDFFF:
                    self.i += 6
                    return 0x10000 + ((code - 0xD800) << 10) + (second - 0xDC00)
        if 0xD800 <= code <= 0xDFFF:
            self.cannot_run("a lone surrogate escape never matches text (JSON strings are Unicode)", start)
        return code

    def property(self) -> str | Ranges:
        """``\\p{...}``: an RE2 property name (several, space-separated) or explicit ranges."""
        start = self.i
        close = self.src.find("}", start)
        if self.peek(2) != "{" or close == -1:
            raise self.fail("'\\p' and '\\P' are written '\\p{Name}'", start)
        body = self.src[start + 3 : close]
        self.i = close + 1
        name, _, value = body.partition("=")
        if value:
            if name in ("General_Category", "gc"):
                found = GENERAL_CATEGORIES.get(value)
            elif name in ("Script", "sc") and value.replace("_", "").isalpha():
                if self.script_ok(value):
                    return value
                self.cannot_run(f"the script '{value}' is not known to the engine (write its full name)", start)
                return _ANY
            else:
                found = None
        else:
            found = GENERAL_CATEGORIES.get(name) or _LOOSE.get(name.lower().replace("_", "").replace("-", ""))
            if found is None and name in BINARY_PROPERTIES:
                return BINARY_PROPERTIES[name]
        if found is None:
            self.cannot_run(f"the Unicode property '\\p{{{body}}}' is not supported", start)
            return _ANY
        return found

    def property_text(self, prop: str | Ranges, negated: bool, in_class: bool) -> str:
        if isinstance(prop, tuple):
            ranges = complement(prop) if negated else prop
            return _ranges_text(ranges) if in_class else f"[{_ranges_text(ranges)}]"
        complemented = prop.startswith("^")
        if complemented:  # the complement of the categories named
            prop, negated = prop[1:], not negated
        names = prop.split()
        if len(names) == 1:
            return ("\\P" if negated else "\\p") + f"{{{names[0]}}}"
        joined = "".join(f"\\p{{{name}}}" for name in names)
        if not negated:
            return joined if in_class else f"[{joined}]"
        if in_class:
            if complemented:  # \p{C} holds the unassigned code points, which RE2 names in no class
                self.cannot_run("'\\p{C}' (Other, with the unassigned code points) and '\\p{Cn}' are not supported "
                                "inside a class: write them outside it ('\\P{C}' for '[^\\p{C}]', '(?:[a-z]|\\p{C})')", self.i)
            else:
                self.cannot_run("a negated multi-category property inside a class is not supported", self.i)
            return ""
        return f"[^{joined}]"

    # -- classes ------------------------------------------------------------------------------
    def char_class(self) -> str:
        start = self.i
        self.i += 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        if self.peek() == "]":
            self.i += 1
            return f"[{_ranges_text(_ANY)}]" if negated else f"[^{_ranges_text(_ANY)}]"
        parts: list[str] = []
        while True:
            if self.i >= len(self.src):
                raise self.fail("missing ']'", start)
            if self.peek() == "]":
                self.i += 1
                break
            atom_start = self.i
            low = self.class_atom(parts)
            if low is None or self.peek() != "-" or self.peek(1) in ("]", ""):
                if low is not None:
                    parts.append(hex_escape(low))
                continue
            self.i += 1  # the '-'
            high = self.class_atom(parts)
            if high is None:
                raise self.fail("a range cannot end at a class such as '\\d'", atom_start)
            if high < low:
                raise self.fail(f"range out of order in character class: {self.src[atom_start : self.i]}", atom_start)
            parts.append(f"{hex_escape(low)}-{hex_escape(high)}")
        body = "".join(parts)
        if not body:  # only negated multi-category properties that could not be placed
            return "(?:)"
        return ("[^" if negated else "[") + body + "]"

    def class_atom(self, parts: list[str]) -> int | None:
        """One class atom: its code point, or ``None`` when it was a class escape (written to ``parts``)."""
        char = self.peek()
        if char != "\\":
            self.i += 1
            return ord(char)
        letter = self.peek(1)
        if letter == "b":
            self.i += 2
            return 8
        if letter in "dDwW":
            parts.append("\\" + letter)
            self.i += 2
            return None
        if letter in "sS":
            parts.append(_ranges_text(_WS if letter == "s" else complement(_WS)))
            self.i += 2
            return None
        if letter in "pP":
            parts.append(self.property_text(self.property(), letter == "P", in_class=True))
            return None
        if letter == "B" or (letter.isdigit() and letter != "0") or letter == "k":
            raise self.fail(f"'\\{letter}' cannot be used inside a character class")
        return self.character_escape()
