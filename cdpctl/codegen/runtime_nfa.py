"""A linear-time pure-Python pattern matcher for generated clients, embedded verbatim before :mod:`.runtime_patterns`.

Without the ``google-re2`` package a generated client cannot hand a plan pattern to
Python's ``re``: a backtracking engine takes exponential time on a hostile pattern
(``^(a+)+$`` against ``"a" * 40 + "!"``), and plans are untrusted.  :class:`_Nfa` reads
a pattern's RE2 form (what ``cdpctl`` writes into ``_PATTERNS``: ``\\x{H}`` code points,
``\\p{..}``/``\\P{..}`` general categories, ``\\d \\w \\s`` and their negations,
classes, ``(?:...)`` and named groups, ``|``, the quantifiers ``? * + {m} {m,} {m,n}``
greedy or lazy, ``^ $ \\b \\B .``), builds its Thompson automaton and answers "does it
match somewhere" by following the set of states the automaton can be in, one character
of the text at a time (no captures, no backtracking): the time grows linearly with the
text.  Each step met is cached, so a text mostly costs one dictionary look-up a character.

Meanings are RE2's, as ``cdpctl validate`` has them: ``\\d``, ``\\w`` and ``\\b`` are
ASCII; ``^`` and ``$`` are the very start and end of the text; ``\\p{C}`` leaves out
unassigned code points.  A pattern this matcher cannot run (a ``Script=`` property, an
automaton of more than :data:`_MAX_STATES` states, nesting deeper than :data:`_MAX_DEPTH`)
raises ``ValueError``; the caller reports that it needs ``google-re2``.
"""

import importlib
from collections.abc import Callable
from typing import Any

# --- runtime ---
_MAX_STATES = 100_000
"""The most states one pattern's automaton may have (counted repetitions are copies)."""
_MAX_DEPTH = 200
"""The deepest nesting of groups and repetitions a pattern may have."""
_MAX_CACHED = 200_000
"""The most automaton states the step cache of one pattern holds before it starts afresh."""
_WORD_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_CATEGORY_NAMES = frozenset(("L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
                            "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
                            "Cc", "Cf", "Cs", "Co"))  # fmt: skip
"""RE2's general categories (``C`` leaves out the unassigned code points, ``Cn``)."""
_SHORTHANDS = {"d": ((0x30, 0x39),), "w": ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)),
               "s": ((0x9, 0xA), (0xC, 0xD), (0x20, 0x20))}  # fmt: skip
"""RE2's ``\\d``, ``\\w`` and ``\\s`` (ASCII; the upper-case letter is the complement)."""
_CONTROLS = {"n": 0xA, "r": 0xD, "t": 0x9, "f": 0xC, "v": 0xB, "a": 0x7}
_CHAR, _FORK, _ASSERT, _MATCH = range(4)
"""Automaton state kinds: consume one character of a set, go on to several states, check a position, match."""
_Node = tuple[Any, ...]
"""A parsed pattern: ``("set", test)``, ``("assert", kind)``, ``("cat", nodes)``, ``("alt", nodes)``,
``("rep", node, least, most)`` (``most`` ``None``: unbounded)."""
_Ranges = list[tuple[int, int]]


def _complement(ranges: _Ranges) -> _Ranges:
    out: _Ranges = []
    start = 0
    for low, high in sorted(ranges):
        if low > start:
            out.append((start, low - 1))
        start = max(start, high + 1)
    if start <= 0x10FFFF:
        out.append((start, 0x10FFFF))
    return out


def _in_category(found: str, name: str) -> bool:
    """Whether a character of general category ``found`` is in RE2's ``\\p{name}`` (``C`` leaves out ``Cn``)."""
    return found == name or (len(name) == 1 and found[0] == name and found != "Cn")


def _char_set(ranges: _Ranges, categories: list[tuple[str, bool]], negated: bool) -> Callable[[str], bool]:
    """The test of one character set: code point ``ranges`` or general ``categories`` (``(name, negated)``)."""
    merged: _Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    if len(merged) == 1 and merged[0][0] == merged[0][1] and not categories and not negated:
        return chr(merged[0][0]).__eq__
    lows = [low for low, _ in merged]
    bisect = importlib.import_module("bisect").bisect_right
    category = importlib.import_module("unicodedata").category

    def test(char: str) -> bool:
        code = ord(char)
        at: int = bisect(lows, code) - 1
        inside = at >= 0 and code <= merged[at][1]
        if not inside and categories:
            found: str = category(char)
            inside = any(_in_category(found, name) != minus for name, minus in categories)
        return inside != negated

    return test


class _Parser:
    """Reads a pattern's RE2 form (as ``cdpctl`` writes it) into a :data:`_Node` tree, without recursion."""

    def __init__(self, form: str) -> None:
        self.form = form
        self.at = 0

    def peek(self, ahead: int = 0) -> str:
        return self.form[self.at + ahead : self.at + ahead + 1]

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise ValueError("the pattern ends too early")
        self.at += 1
        return char

    def parse(self) -> _Node:
        outer: list[tuple[list[_Node], list[_Node]]] = []  # the alternatives and sequence of each open group
        alternatives: list[_Node] = []
        sequence: list[_Node] = []
        while self.at < len(self.form):
            char = self.take()
            repeat = self.repeat(char)
            if repeat is not None:
                if not sequence:
                    raise ValueError(f"nothing to repeat before {char!r}")
                if self.peek() == "?":  # lazy: the same language
                    self.at += 1
                sequence[-1] = ("rep", sequence[-1], *repeat)
            elif char == "(":
                self.group_name()
                outer.append((alternatives, sequence))
                alternatives, sequence = [], []
            elif char == "|":
                alternatives.append(_joined("cat", sequence))
                sequence = []
            elif char == ")":
                if not outer:
                    raise ValueError("unbalanced ')'")
                group = _joined("alt", [*alternatives, _joined("cat", sequence)])
                alternatives, sequence = outer.pop()
                sequence.append(group)
            elif char in "^$":
                sequence.append(("assert", char))
            elif char == ".":  # RE2's own dot (cdpctl writes ECMA's as a class)
                sequence.append(("set", _char_set([(0xA, 0xA)], [], True)))
            elif char == "[":
                sequence.append(("set", self.char_class()))
            elif char == "\\" and self.peek() in ("b", "B", "A", "z"):
                letter = self.take()
                sequence.append(("assert", {"A": "^", "z": "$"}.get(letter, letter)))
            else:
                ranges: _Ranges = []
                categories: list[tuple[str, bool]] = []
                code = self.escape(ranges, categories) if char == "\\" else ord(char)
                sequence.append(("set", _char_set([(code, code)] if code is not None else ranges, categories, False)))
        if outer:
            raise ValueError("missing ')'")
        return _joined("alt", [*alternatives, _joined("cat", sequence)])

    def group_name(self) -> None:
        """Past the ``?:``, ``?P<name>`` or ``?<name>`` of a group that was just opened."""
        if self.peek() != "?":
            return
        if self.peek(1) == ":":
            self.at += 2
        elif (self.peek(1) == "<" and self.peek(2) not in ("=", "!")) or self.form.startswith("P<", self.at + 1):
            close = self.form.find(">", self.at)
            if close == -1:
                raise ValueError("a group name has no '>'")
            self.at = close + 1
        else:
            raise ValueError("flags and lookaround need google-re2")

    def repeat(self, char: str) -> tuple[int, int | None] | None:
        """``(least, most)`` when ``char`` starts a quantifier (read past it), else ``None``."""
        if char in "*+?":
            return {"*": (0, None), "+": (1, None), "?": (0, 1)}[char]
        close = self.form.find("}", self.at) if char == "{" else -1
        least, comma, most = self.form[self.at : close].partition(",")
        if close == -1 or not _is_number(least) or not (_is_number(most) or not most):
            return None  # a literal '{'
        counts = (int(least), int(most) if most else (None if comma else int(least)))
        if counts[0] > 1000 or (counts[1] or 0) > 1000 or (counts[1] is not None and counts[1] < counts[0]):
            raise ValueError("bad repetition count")
        self.at = close + 1
        return counts

    def braced(self) -> str:
        """The text of the ``{...}`` that starts here (read past it)."""
        close = self.form.find("}", self.at)
        if self.peek() != "{" or close == -1:
            raise ValueError("a '{' without '}'")
        inside, self.at = self.form[self.at + 1 : close], close + 1
        return inside

    def escape(self, ranges: _Ranges, categories: list[tuple[str, bool]]) -> int | None:
        """The escape after a backslash: its code point, or ``None`` for a class (added to ``ranges`` or
        ``categories``)."""
        letter = self.take()
        if letter in ("p", "P"):
            name = self.braced() if self.peek() == "{" else self.take()
            if name not in _CATEGORY_NAMES:
                raise ValueError(f"the property {name!r} needs google-re2")
            categories.append((name, letter == "P"))
            return None
        if letter.lower() in _SHORTHANDS:
            shorthand = list(_SHORTHANDS[letter.lower()])
            ranges.extend(shorthand if letter.islower() else _complement(shorthand))
            return None
        if letter == "x":
            digits = self.braced() if self.peek() == "{" else self.take() + self.take()
            if not (digits and len(digits) <= 6 and all(char in "0123456789abcdefABCDEF" for char in digits)):
                raise ValueError(f"bad hex digits {digits!r}")
            if int(digits, 16) > 0x10FFFF:
                raise ValueError(f"no code point {digits!r}")
            return int(digits, 16)
        if letter in _CONTROLS:
            return _CONTROLS[letter]
        if letter.isalnum():
            raise ValueError(f"the escape \\{letter} needs google-re2")
        return ord(letter)

    def char_class(self) -> Callable[[str], bool]:
        """The set of a class, read past its ``]``."""
        negated = self.peek() == "^"
        self.at += negated
        ranges: _Ranges = []
        categories: list[tuple[str, bool]] = []
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                return _char_set(ranges, categories, negated)
            if char == "[" and self.peek() == ":":
                raise ValueError("POSIX classes need google-re2")
            first = False
            low = self.escape(ranges, categories) if char == "\\" else ord(char)
            if low is not None and self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.at += 1
                char = self.take()
                high = self.escape(ranges, categories) if char == "\\" else ord(char)
                if high is None or high < low:
                    raise ValueError("a bad range in a class")
                ranges.append((low, high))
            elif low is not None:
                ranges.append((low, low))


def _is_number(text: str) -> bool:
    return text.isdecimal() and text.isascii()


def _joined(kind: str, nodes: list[_Node]) -> _Node:
    """``("cat", nodes)`` or ``("alt", nodes)``, or the one node alone."""
    return nodes[0] if len(nodes) == 1 else (kind, nodes)


def _holds(assertion: str, at_start: bool, at_end: bool, at_edge: bool) -> bool:
    """Whether ``^``, ``$``, ``b`` or ``B`` holds at a position (``at_edge``: between a word character and
    another)."""
    if assertion == "^":
        return at_start
    if assertion == "$":
        return at_end
    return at_edge == (assertion == "b")


class _Nfa:
    """A pattern's RE2 form as a Thompson automaton; :meth:`search` runs it in time linear in the text."""

    def __init__(self, form: str) -> None:
        self.states: list[tuple[int, Any, list[int]]] = [(_MATCH, None, [])]
        tree = _Parser(form).parse()
        self.start = self.emit(tree, 0, 0)
        first = tree[1][0] if tree[0] == "cat" and tree[1] else tree
        self.anchored = first == ("assert", "^")
        """Whether every match starts at the start of the text (then no thread starts later)."""
        self.words = any(kind == _ASSERT and arg in ("b", "B") for kind, arg, _ in self.states)
        self.inside = self.matches_inside_a_character()
        self.cache: dict[tuple[frozenset[int], bool, bool, str], tuple[frozenset[int], bool]] = {}
        self.cached = 0

    def state(self, kind: int, arg: Any, targets: list[int]) -> int:
        if len(self.states) >= _MAX_STATES:
            raise ValueError("the pattern is too large for the pure-Python matcher")
        self.states.append((kind, arg, targets))
        return len(self.states) - 1

    def emit(self, node: _Node, after: int, depth: int) -> int:
        """Add the states of ``node``, followed by the state ``after``; the state it starts at."""
        if depth > _MAX_DEPTH:
            raise ValueError("the pattern is nested too deeply for the pure-Python matcher")
        kind = node[0]
        if kind in ("set", "assert"):
            return self.state(_CHAR if kind == "set" else _ASSERT, node[1], [after])
        if kind == "cat":
            for child in reversed(node[1]):
                after = self.emit(child, after, depth + 1)
            return after
        if kind == "alt":
            return self.state(_FORK, None, [self.emit(child, after, depth + 1) for child in node[1]])
        _, child, least, most = node
        if most is None:  # a loop: the child once more, or on
            targets: list[int] = []
            loop = self.state(_FORK, None, targets)
            body = self.emit(child, loop, depth + 1)
            targets += [body, after]
            after, least = (body, least - 1) if least else (loop, 0)
        else:  # (child (child ...)?)?: up to most - least more
            end = after
            for _ in range(most - least):
                after = self.state(_FORK, None, [self.emit(child, after, depth + 1), end])
        for _ in range(least):
            after = self.emit(child, after, depth + 1)
        return after

    def matches_inside_a_character(self) -> bool:
        """Whether the pattern matches between two bytes of a character's UTF-8 (RE2 searches bytes): with
        no character to consume there and only ``\\B`` holding (``\\B`` matches ``"1\\xa01"``)."""
        todo = [self.start]
        seen: set[int] = set()
        while todo:
            index = todo.pop()
            kind, arg, targets = self.states[index]
            if kind == _MATCH:
                return True
            if index not in seen and (kind == _FORK or (kind == _ASSERT and arg == "B")):
                seen.add(index)
                todo.extend(targets)
        return False

    def step(self, seeds: frozenset[int], at_start: bool, after_word: bool, char: str) -> tuple[frozenset[int], bool]:
        """From the states ``seeds`` at one position (``char`` is the next character, ``""`` at the end):
        the states after ``char``, and whether the automaton matches here."""
        at_end = char == ""
        before_word = char in _WORD_CHARS
        following: set[int] = set()
        seen: set[int] = set()
        todo = list(seeds)
        while todo:
            index = todo.pop()
            if index in seen:
                continue
            seen.add(index)
            kind, arg, targets = self.states[index]
            if kind == _MATCH:
                return frozenset(), True
            if kind == _FORK:
                todo.extend(targets)
            elif kind == _CHAR:
                if not at_end and arg(char):
                    following.add(targets[0])
            elif _holds(arg, at_start, at_end, after_word != before_word):
                todo.extend(targets)
        if not self.anchored:
            following.add(self.start)
        return frozenset(following), False

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text``."""
        if self.inside and not text.isascii():
            return True
        seeds = frozenset((self.start,))
        after_word = False
        for at in range(len(text) + 1):
            char = text[at] if at < len(text) else ""
            key = (seeds, at == 0, after_word, char)
            found = self.cache.get(key)
            if found is None:
                found = self.step(*key)
                self.cached += len(found[0]) + 1
                if self.cached > _MAX_CACHED:
                    self.cache.clear()
                    self.cached = len(found[0]) + 1
                self.cache[key] = found
            seeds, matched = found
            if matched:
                return True
            if not seeds:
                return False
            after_word = self.words and char in _WORD_CHARS
        return False
