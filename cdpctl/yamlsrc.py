"""Safe YAML loading that keeps the file, line and column of every node.

PyYAML's ``safe_load`` drops positions and silently keeps the last of two
duplicate keys.  Here the document is *composed* (never constructed into
arbitrary objects), scalars are resolved with the safe resolver (without the
timestamp rule, so ``2024-01-01`` stays a string), and the result is a small
tree of :class:`YMap`, :class:`YSeq` and :class:`YScalar` nodes, each with a
:class:`Pos`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Union

import yaml

from cdpctl.errors import PlanIssue, Pos

try:  # libyaml is much faster when present
    _BaseLoader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader


class _Loader(_BaseLoader):  # type: ignore[misc]
    """Safe loader without the implicit timestamp rule."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YScalar:
    value: Any
    pos: Pos


@dataclass
class YSeq:
    items: list[YNode]
    pos: Pos


@dataclass
class YMap:
    """A mapping; ``keys`` holds the position of each key, ``values`` the value nodes."""

    values: dict[str, YNode]
    keys: dict[str, Pos]
    pos: Pos
    comments: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> YNode | None:
        return self.values.get(key)


YNode = Union[YScalar, YSeq, YMap]


def _pos(file: str, node: yaml.Node) -> Pos:
    mark = node.start_mark
    return Pos(file, mark.line + 1, mark.column + 1)


_SCALAR_CONSTRUCTOR = yaml.SafeLoader("")
# the constructors themselves, not construct_object(): that one caches every node it sees for ever
_CONSTRUCT_SCALAR = {
    "tag:yaml.org,2002:int": _SCALAR_CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _SCALAR_CONSTRUCTOR.construct_yaml_float,
    "tag:yaml.org,2002:bool": _SCALAR_CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:null": _SCALAR_CONSTRUCTOR.construct_yaml_null,
}


_TAG_NAMES = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
}


class ScalarError(ValueError):
    """A scalar whose tag cannot read its text (``!!float x``, ``!!bool maybe``, an integer too long)."""


def _scalar_value(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag == "tag:yaml.org,2002:str":
        return node.value
    construct = _CONSTRUCT_SCALAR.get(tag)
    if construct is not None:
        text = node.value if isinstance(node.value, str) else str(node.value)
        if tag == "tag:yaml.org,2002:int" and len(text) > MAX_NUMBER_CHARS:
            raise ScalarError(f"an integer of more than {MAX_NUMBER_CHARS} characters is not supported in plans")
        try:
            return construct(node)
        except (ValueError, KeyError, TypeError, IndexError, OverflowError) as exc:
            shown = text if len(text) <= 40 else text[:37] + "..."
            kind = _TAG_NAMES.get(tag, tag.rsplit(":", 1)[-1])
            raise ScalarError(f"'{shown}' cannot be read as {kind} (tag {tag.rsplit(':', 1)[-1]})") from exc
    # anything else (binary, explicit tags, timestamps) is kept as its text
    return node.value


MAX_NUMBER_CHARS = 4000
"""The longest integer a plan may write (Python refuses to read decimal integers of more than 4,300 digits)."""


MAX_ALIAS_NODES = 100_000
"""The most nodes YAML aliases may add to a document once expanded (stops "billion laughs" documents)."""
MAX_DEPTH = 200


@dataclass
class _Budget:
    """Limits shared by one conversion; once one is hit, the conversion stops with a single issue."""

    alias_nodes_left: int = MAX_ALIAS_NODES
    seen: set[int] = field(default_factory=set)
    stopped: bool = False


def _convert(
    file: str, node: yaml.Node, issues: list[PlanIssue], depth: int = 0, budget: _Budget | None = None
) -> YNode:
    pos = _pos(file, node)
    budget = budget if budget is not None else _Budget()
    if budget.stopped:
        return YScalar(None, pos)
    if id(node) in budget.seen:  # a node reached again through an alias
        budget.alias_nodes_left -= 1
        if budget.alias_nodes_left < 0:
            budget.stopped = True
            issues.append(PlanIssue(pos, f"YAML aliases expand the document by more than {MAX_ALIAS_NODES} nodes"))
            return YScalar(None, pos)
    else:
        budget.seen.add(id(node))
    if depth > MAX_DEPTH:
        budget.stopped = True
        issues.append(PlanIssue(pos, "the document is nested too deeply"))
        return YScalar(None, pos)
    if isinstance(node, yaml.ScalarNode):
        try:
            return YScalar(_scalar_value(node), pos)
        except ScalarError as exc:
            issues.append(PlanIssue(pos, str(exc)))
            return YScalar(None, pos)
    if isinstance(node, yaml.SequenceNode):
        return YSeq([_convert(file, item, issues, depth + 1, budget) for item in node.value], pos)
    if isinstance(node, yaml.MappingNode):
        values: dict[str, YNode] = {}
        keys: dict[str, Pos] = {}
        for key_node, value_node in node.value:
            kpos = _pos(file, key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                issues.append(PlanIssue(kpos, "YAML merge keys ('<<') are not supported in plans"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                issues.append(PlanIssue(kpos, "a mapping key must be a plain string"))
                continue
            try:
                raw_key = _scalar_value(key_node)
            except ScalarError:
                raw_key = key_node.value
            key = raw_key if isinstance(raw_key, str) else str(key_node.value)
            if key in values:
                first = keys[key]
                issues.append(
                    PlanIssue(
                        kpos,
                        f"duplicate key '{key}' (first defined at line {first.line}); "
                        "YAML would silently keep only the last one",
                    )
                )
                continue
            keys[key] = kpos
            values[key] = _convert(file, value_node, issues, depth + 1, budget)
        return YMap(values, keys, pos)
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover


def parse_yaml(text: str, file: str) -> tuple[YNode | None, list[PlanIssue]]:
    """Compose ``text`` into a positioned tree; problems are returned, never raised."""
    issues: list[PlanIssue] = []
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        issues.append(PlanIssue(pos, f"YAML syntax error: {problem}"))
        return None, issues
    except yaml.reader.ReaderError as exc:  # a character YAML forbids: point at it
        before = text[: exc.position]
        line = before.count("\n") + 1
        column = exc.position - (before.rfind("\n") + 1) + 1
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        issues.append(PlanIssue(Pos(file, line, column), f"YAML error: character {character} is not allowed in YAML"))
        return None, issues
    except yaml.YAMLError as exc:
        issues.append(PlanIssue(Pos(file, 1, 1), f"YAML error: {exc}"))
        return None, issues
    if root is None:
        return None, issues
    budget = _Budget()
    tree = _convert(file, root, issues, 0, budget)
    return (None if budget.stopped else tree), issues


def non_finite_numbers(node: YNode) -> list[Pos]:
    """Where ``.nan``, ``.inf`` or ``-.inf`` is written (JSON, which plans compile to, has none of them)."""
    found: list[Pos] = []
    stack: list[YNode] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, YScalar):
            if isinstance(item.value, float) and not math.isfinite(item.value):
                found.append(item.pos)
        elif isinstance(item, YSeq):
            stack.extend(item.items)
        else:
            stack.extend(item.values.values())
    return sorted(found)


def offset_in_scalar(line: str, pos: Pos, offset: int) -> Pos:
    """The position of character ``offset`` of the string scalar written at ``pos`` on ``line``.

    Handles plain, single-quoted and double-quoted scalars on one line
    (escapes in double quotes count as one character); anything else
    falls back to the scalar's own position.
    """
    start = pos.column - 1
    if start >= len(line):
        return pos
    quote = line[start]
    if quote not in "\"'":
        return Pos(pos.file, pos.line, pos.column + offset)
    column = start + 1
    remaining = offset
    while remaining > 0 and column < len(line):
        char = line[column]
        if quote == '"' and char == "\\" or quote == "'" and char == "'" and line[column + 1 : column + 2] == "'":
            column += 2
        elif char == quote:
            return pos
        else:
            column += 1
        remaining -= 1
    return Pos(pos.file, pos.line, column + 1)


def to_python(node: YNode) -> Any:
    """Plain Python value of a node (positions dropped)."""
    if isinstance(node, YScalar):
        return node.value
    if isinstance(node, YSeq):
        return [to_python(item) for item in node.items]
    return {key: to_python(value) for key, value in node.values.items()}
