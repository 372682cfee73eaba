"""CP303 invalid-pattern: patterns are ECMA-262 (the dialect of JSON Schema) and run on cdpctl's linear-time engine."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cdpctl.ecma_escapes import NOT_ECMA_ESCAPES, SYNTAX_CHARS
from cdpctl.errors import Pos
from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.model import Plan
from cdpctl.patterns import PatternError, UnsupportedPattern, compile_pattern

DIALECTS = ("ecma-262", "re2")


@dataclass(frozen=True)
class Problem:
    offset: int
    message: str


_GROUP_PROBLEMS = (
    (
        "?<=",
        "lookbehind '(?<=' is not supported by many JSON Schema validators (Go, Rust, older JavaScript) "
        "nor by cdpctl's linear-time engine",
    ),
    (
        "?<!",
        "negative lookbehind '(?<!' is not supported by many JSON Schema validators (Go, Rust, older JavaScript) "
        "nor by cdpctl's linear-time engine",
    ),
    ("?P<", "Python named group '(?P<name>' is not ECMA-262; write '(?<name>...)'"),
    ("?P=", "Python back-reference '(?P=name)' is not ECMA-262; write '\\k<name>'"),
    ("?>", "atomic group '(?>' is not ECMA-262"),
    ("?#", "comment group '(?#' is not ECMA-262"),
    ("?(", "conditional group '(?(' is not ECMA-262"),
)
_RE2_GROUP_PROBLEMS = (
    ("?=", "lookahead '(?=' is not supported by RE2-based validators (Go, Rust)"),
    ("?!", "negative lookahead '(?!' is not supported by RE2-based validators (Go, Rust)"),
)
_INLINE_FLAGS = re.compile(r"\?[aiLmsux]*(?:-[imsx]+)?[:)]")
_ESCAPE_PROBLEMS = NOT_ECMA_ESCAPES


def dialect_problems(pattern: str, dialect: str = "ecma-262") -> list[Problem]:
    """Constructs of ``pattern`` outside the dialect, with their offsets."""
    problems: list[Problem] = []
    index = 0
    in_class = False
    after_quantifier = False
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if escaped in _ESCAPE_PROBLEMS and not in_class:
                problems.append(Problem(index, _ESCAPE_PROBLEMS[escaped]))
            elif dialect == "re2" and not in_class and escaped.isdigit() and escaped != "0":
                problems.append(
                    Problem(index, f"back-reference '\\{escaped}' is not supported by RE2-based validators")
                )
            elif dialect == "re2" and not in_class and escaped == "k":
                problems.append(Problem(index, "back-reference '\\k<name>' is not supported by RE2-based validators"))
            index += 2
            after_quantifier = False
            continue
        if in_class:
            if char == "]":
                in_class = False
            index += 1
            continue
        if char == "[":
            in_class = True
            index += 1
            if pattern[index : index + 1] == "^":
                index += 1
            if pattern[index : index + 1] == "]":
                index += 1  # a literal ']' first in a class
            after_quantifier = False
            continue
        if char == "+" and after_quantifier:
            problems.append(Problem(index, "possessive quantifiers ('*+', '++', '?+', '{n}+') are not ECMA-262"))
            after_quantifier = False
            index += 1
            continue
        if char == "(" and pattern[index + 1 : index + 2] == "?":
            rest = pattern[index + 1 :]
            reported = False
            for prefix, message in (*_GROUP_PROBLEMS, *(_RE2_GROUP_PROBLEMS if dialect == "re2" else ())):
                if rest.startswith(prefix):
                    problems.append(Problem(index, message))
                    reported = True
                    break
            if not reported and not rest.startswith(("?:", "?=", "?!", "?<")) and _INLINE_FLAGS.match(rest):
                problems.append(
                    Problem(index, "inline flags such as '(?i)' are not ECMA-262; list the cases, e.g. '[Aa]'")
                )
            index += 2
            after_quantifier = False
            continue
        if char in "*+?":
            # a '?' (or '*') right after a quantifier makes it lazy (or is an error Python reports)
            after_quantifier = not after_quantifier
            index += 1
            continue
        if char == "{":
            close = pattern.find("}", index)
            if close != -1 and re.fullmatch(r"\{\d+(?:,\d*)?\}", pattern[index : close + 1]):
                index = close + 1
                after_quantifier = True
                continue
        after_quantifier = False
        index += 1
    return problems


_CLASS_ESCAPES = frozenset("dDwWsSpP")
_QUANTIFIER = re.compile(r"\{\d+(?:,\d*)?\}")
_U_FLAG = "with the u flag JSON Schema asks for (ajv and other JavaScript validators refuse it)"


def u_flag_problems(pattern: str) -> list[Problem]:
    """What ECMA-262 reads only without the ``u`` flag (Annex B): a lone ``{``, ``}`` or ``]``, an escaped
    character that needs none, a range with ``\\d``-like ends, a group name given twice."""
    problems: list[Problem] = []
    names: set[str] = set()
    items: list[tuple[str, int]] = []  # inside a class: ("class" | "char" | "-", offset)
    in_class = False
    index, length = 0, len(pattern)
    while index < length:
        char, start = pattern[index], index
        if char == "\\":
            escaped = pattern[index + 1 : index + 2]
            if escaped and not (escaped.isalnum() or escaped == "_") and escaped not in SYNTAX_CHARS and not (in_class and escaped == "-"):
                problems.append(Problem(start, f"'\\{escaped}' is not an escape {_U_FLAG}; write '{escaped}'"))
            index += 2
            if escaped in ("p", "P", "u") and pattern[index : index + 1] == "{":
                close = pattern.find("}", index)
                index = length if close == -1 else close + 1
            if in_class:
                items.append(("class" if escaped in _CLASS_ESCAPES else "char", start))
            continue
        if in_class:
            if char == "]":
                in_class = False
                problems += _class_ranges(items)
            else:
                items.append(("-" if char == "-" else "char", start))
            index += 1
            continue
        if char == "[":
            in_class, items = True, []
            index += 2 if pattern[index + 1 : index + 2] == "^" else 1
            continue
        if char == "{" and not _QUANTIFIER.match(pattern, index):
            problems.append(Problem(start, f"a lone '{{' is not a literal {_U_FLAG}; write '\\{{'"))
        elif char in "}]":
            problems.append(Problem(start, f"a lone '{char}' is not a literal {_U_FLAG}; write '\\{char}'"))
        elif char == "{":
            index = pattern.index("}", index)
        elif pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
            name = pattern[index + 3 : pattern.find(">", index)] if ">" in pattern[index:] else ""
            if name in names:
                problems.append(Problem(start, f"the group name '{name}' is given twice (ECMA-262 refuses it)"))
            names.add(name)
        index += 1
    return problems


def _class_ranges(items: list[tuple[str, int]]) -> list[Problem]:
    """Ranges of a class with a class escape (``\\d``, ``\\w``, ``\\p{...}``) at an end: an error with ``u``."""
    problems = []
    for at in range(1, len(items) - 1):
        if items[at][0] == "-" and "class" in (items[at - 1][0], items[at + 1][0]) and items[at - 1][0] != "-":
            problems.append(Problem(items[at][1], f"a range with a class escape at an end is an error {_U_FLAG}; "
                                                  "write the '-' first or last, or escape it"))
    return problems


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    dialect = options["dialect"]
    for definition in source.definitions(plan):
        prop = definition.prop
        key_pos = prop.key_pos.get("pattern")
        pattern = prop.constraints.get("pattern")
        if key_pos is None or not isinstance(pattern, str):
            continue  # inherited patterns are reported where they are written
        label = f"pattern of {definition.kind} '{definition.path}' in {definition.where}"
        found = dialect_problems(pattern, dialect) or (u_flag_problems(pattern) if dialect == "ecma-262" else [])
        if not found:
            try:
                compile_pattern(pattern)
            except UnsupportedPattern as exc:
                found = [Problem(offset, message) for offset, message in exc.problems]
            except PatternError as exc:
                found = [Problem(exc.offset, f"does not compile: {exc.message}")]
        if not found:
            continue
        value_pos = _value_pos(source, key_pos)
        for problem in found:
            separator = " " if problem.message.startswith("does not compile") else ": "
            yield Hit(source.offset_in_scalar(value_pos, problem.offset), f"{label}{separator}{problem.message}")


def _value_pos(source: SourceIndex, key_pos: Pos) -> Pos:
    node = source.value_of_key(key_pos)
    return node.pos if node is not None else key_pos


RULE = Rule(
    code="CP303",
    slug="invalid-pattern",
    severity="error",
    summary="Patterns are ECMA-262, the regex dialect JSON Schema validators share, and run in linear time.",
    description=(
        "JSON Schema says 'pattern' is an ECMA-262 regular expression, and the validators of other "
        "languages (ajv, Go and Rust validators on RE2, Java) reject or silently misread constructs that "
        "Python accepts: lookbehind, possessive quantifiers, atomic groups, inline flags such as '(?i)', "
        "Python's '(?P<name>...)' groups, and the '\\A' and '\\Z' anchors; and what ECMA-262 reads only "
        "without the u flag JSON Schema asks for (ajv compiles with it): a lone '{', '}' or ']', an escaped "
        "character that needs no escape ('\\-' outside a class), a range with '\\d' at an end, a group name "
        "given twice. A plan whose patterns pass here "
        "but fail in the collector's validator is a broken contract. cdpctl itself matches patterns on a "
        "linear-time engine (RE2), so constructs that need backtracking (lookahead, lookbehind, "
        "back-references) and repetition counts over 1000 are reported too: the other commands refuse a plan "
        "that has them. Each finding points at the offending construct inside the pattern."
    ),
    check=check,
    options={
        "dialect": Option("ecma-262", "regex dialect to stay within: ecma-262 or re2", choices=DIALECTS),
    },
    passing="""\
events:
  Chatbot Created:
    description: A user finished the chatbot wizard.
    properties:
      chatbot_id: {type: string, pattern: "^cb_[a-z0-9]{8}$"}
""",
    failing=r"""events:
  Chatbot Created:
    description: A user finished the chatbot wizard.
    properties:
      chatbot_id: {type: string, pattern: "^(?<!x)cb_[a-z0-9]{8}$"}
      locale: {type: string, pattern: "(?i)^[a-z]{2}$"}
      code: {type: string, pattern: '^\d++\Z'}
""",
    failing_at=[(5, 45), (6, 40), (7, 42), (7, 43)],
)
