"""Composing YAML text into the positioned node tree of :mod:`cdpctl.yamlsrc`, with PyYAML's parser.

PyYAML's parser events go straight into :class:`~cdpctl.yamlsrc.YMap`,
:class:`~cdpctl.yamlsrc.YSeq` and :class:`~cdpctl.yamlsrc.YScalar` nodes (no
intermediate node tree): duplicate keys are problems, aliases share their
anchor's node within the :data:`~cdpctl.yamlsrc.MAX_ALIAS_NODES` budget, nesting is
bounded by :data:`~cdpctl.yamlsrc.MAX_DEPTH`, and plain scalars are resolved by the
safe resolver without its timestamp rule.  Imported only when a YAML file is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from cdpctl.errors import PlanIssue, Pos
from cdpctl.yamlsrc import MAX_ALIAS_NODES, MAX_DEPTH, MAX_NUMBER_CHARS, YMap, YNode, YScalar, YSeq

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


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_RESOLVED_FIRST = frozenset(first for first in _Loader.yaml_implicit_resolvers if first)
"""First characters of plain scalars that may resolve to something other than a string."""


@dataclass(slots=True)
class _Frame:
    """A mapping or sequence being composed (``muted``: inside a part that is skipped, built for its anchors)."""

    node: YMap | YSeq
    anchor: str | None
    muted: bool
    size: int = 1
    expect_key: bool = True
    skip_value: bool = False
    key: str = ""
    kpos: Pos | None = None


@dataclass(slots=True)
class _Anchor:
    node: YNode
    size: int
    mark: Any
    tag: str | None = None
    text: str | None = None


class _Composer:
    """Composes parser events straight into positioned nodes (no intermediate node tree).

    Aliases share the anchored node; their expanded size is charged to a budget
    (:data:`MAX_ALIAS_NODES`), and an alias inside its own anchor is reported as nesting
    too deep.  Scalars are resolved once per distinct text, and equal strings are shared.
    """

    def __init__(self, parser: Any, file: str) -> None:
        self.parser = parser
        self.file = file
        self.issues: list[PlanIssue] = []
        self.anchors: dict[str, _Anchor] = {}
        self.open_anchors: dict[str, tuple[Pos, Any]] = {}
        self.alias_left = MAX_ALIAS_NODES
        self.stopped = False
        self.strings: dict[str, str] = {}
        self.tags: dict[tuple[str, bool], str] = {}
        self.constructed: dict[tuple[str, str], Any] = {}

    def report(self, pos: Pos, message: str, stop: bool = False) -> None:
        if not self.stopped:
            self.issues.append(PlanIssue(pos, message))
            self.stopped = stop

    def tag_of(self, event: Any) -> str:
        tag: str | None = event.tag
        if tag is not None and tag != "!":
            return tag
        text: str = event.value
        plain = bool(event.implicit[0])
        if not plain or (text and text[0] not in _RESOLVED_FIRST):
            return _STR
        key = (text, plain)
        resolved = self.tags.get(key)
        if resolved is None:
            resolved = self.tags[key] = self.parser.resolve(yaml.ScalarNode, text, event.implicit)
        return resolved

    def value(self, tag: str, text: str) -> Any:
        if tag == _STR:
            return self.strings.setdefault(text, text)
        key = (tag, text)
        if key not in self.constructed:
            try:
                self.constructed[key] = _scalar_value(yaml.ScalarNode(tag, text))
            except ScalarError as exc:
                self.constructed[key] = exc
        return self.constructed[key]

    def anchor(self, name: str | None, mark: Any, pos: Pos) -> None:
        if name is None:
            return
        first = self.anchors[name].mark if name in self.anchors else self.open_anchors.get(name, (None, None))[1]
        if first is not None:
            raise yaml.composer.ComposerError(
                "found duplicate anchor; first occurrence", first, "second occurrence", mark
            )
        self.open_anchors[name] = (pos, mark)

    def close_anchor(
        self, name: str | None, node: YNode, size: int, tag: str | None = None, text: str | None = None
    ) -> None:
        if name is not None:
            mark = self.open_anchors.pop(name)[1]
            self.anchors[name] = _Anchor(node, size, mark, tag, text)

    def key(self, frame: _Frame, kpos: Pos, tag: str | None, text: str) -> None:
        """A scalar key of ``frame`` (``tag`` None: not a scalar)."""
        frame.expect_key = False
        frame.skip_value = True
        if tag is None or tag == _MERGE:
            if not frame.muted:
                plain = "a mapping key must be a plain string"
                self.report(kpos, plain if tag is None else "YAML merge keys ('<<') are not supported in plans")
            return
        raw = self.value(tag, text)
        key = raw if isinstance(raw, str) else self.strings.setdefault(text, text)
        values = frame.node.values  # type: ignore[union-attr]
        if key in values:
            first = frame.node.keys[key]  # type: ignore[union-attr]
            if not frame.muted:
                self.report(
                    kpos,
                    f"duplicate key '{key}' (first defined at line {first.line}); YAML would silently keep only the last one",
                )
            return
        frame.skip_value = False
        frame.key = key
        frame.kpos = kpos

    def alias(self, event: Any, muted: bool) -> tuple[YNode, int]:
        name = event.anchor
        if name in self.open_anchors:  # an alias inside its own anchor: endless nesting
            pos = self.open_anchors[name][0]
            if not muted:
                self.report(pos, "the document is nested too deeply", stop=True)
            return YScalar(None, pos), 1
        target = self.anchors.get(name)
        if target is None:
            raise yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
        if not muted:
            self.alias_left -= target.size
            if self.alias_left < 0:
                pos = self.position(event)
                self.report(pos, f"YAML aliases expand the document by more than {MAX_ALIAS_NODES} nodes", stop=True)
        return target.node, target.size

    def position(self, event: Any) -> Pos:
        mark = event.start_mark
        return Pos(self.file, mark.line + 1, mark.column + 1)

    def compose(self) -> YNode:
        """The document's root node (the parser stands at its first node event)."""
        parser = self.parser
        stack: list[_Frame] = []
        while True:
            event = parser.get_event()
            kind = type(event)
            top = stack[-1] if stack else None
            muted = self.stopped or (
                top is not None and (top.muted or (isinstance(top.node, YMap) and (top.expect_key or top.skip_value)))
            )
            if top is not None and top.expect_key and isinstance(top.node, YMap):
                if kind is yaml.ScalarEvent:
                    pos = self.position(event)
                    tag = self.tag_of(event)
                    if event.anchor is not None:
                        value = self.value(tag, event.value)
                        key_node = YScalar(None if isinstance(value, ScalarError) else value, pos)
                        self.anchor(event.anchor, event.start_mark, pos)
                        self.close_anchor(event.anchor, key_node, 1, tag, event.value)
                    self.key(top, pos, tag, event.value)
                    continue
                if kind is yaml.AliasEvent:
                    target = self.anchors.get(event.anchor)
                    if target is None or event.anchor in self.open_anchors:
                        self.alias(event, top.muted)
                        top.expect_key, top.skip_value = False, True
                    else:
                        self.key(top, target.node.pos, target.tag, target.text or "")
                    continue
                if (kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent) and not top.muted:
                    self.report(self.position(event), "a mapping key must be a plain string")
                    muted = True
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                pos = self.position(event)
                if len(stack) > MAX_DEPTH and not muted:
                    self.report(pos, "the document is nested too deeply", stop=True)
                    muted = True
                self.anchor(event.anchor, event.start_mark, pos)
                container: YMap | YSeq = YMap({}, {}, pos) if kind is yaml.MappingStartEvent else YSeq([], pos)
                stack.append(_Frame(container, event.anchor, muted))
                continue
            size = 1
            node: YNode
            if kind is yaml.ScalarEvent:
                pos = self.position(event)
                tag = self.tag_of(event)
                value = self.value(tag, event.value)
                if len(stack) > MAX_DEPTH and not muted:
                    self.report(pos, "the document is nested too deeply", stop=True)
                if isinstance(value, ScalarError):
                    if not muted:
                        self.report(pos, str(value))
                    value = None
                node = YScalar(value, pos)
                self.anchor(event.anchor, event.start_mark, pos)
                self.close_anchor(event.anchor, node, 1, tag, event.value)
            elif kind is yaml.AliasEvent:
                node, size = self.alias(event, muted)
            else:  # the end of a mapping or sequence
                frame = stack.pop()
                node, size = frame.node, frame.size
                self.close_anchor(frame.anchor, node, size)
            if not stack:
                return node
            self.attach(stack[-1], node, size)

    @staticmethod
    def attach(frame: _Frame, node: YNode, size: int) -> None:
        frame.size += size
        if isinstance(frame.node, YSeq):
            frame.node.items.append(node)
        elif frame.expect_key:  # a mapping or sequence used as a key: its value is skipped
            frame.expect_key, frame.skip_value = False, True
        else:
            if not frame.skip_value:
                frame.node.values[frame.key] = node
                frame.node.keys[frame.key] = frame.kpos  # type: ignore[assignment]
            frame.expect_key, frame.skip_value = True, False


def _compose_document(parser: Any, file: str) -> tuple[YNode | None, list[PlanIssue]]:
    parser.get_event()  # the start of the stream
    if parser.check_event(yaml.StreamEndEvent):
        return None, []
    start = parser.get_event()  # the start of the document
    composer = _Composer(parser, file)
    root = composer.compose()
    parser.get_event()  # the end of the document
    if not parser.check_event(yaml.StreamEndEvent):
        event = parser.get_event()
        raise yaml.composer.ComposerError(
            "expected a single document in the stream", start.start_mark, "but found another document", event.start_mark
        )
    return (None if composer.stopped else root), composer.issues


INDENTATION_PROBLEMS = (
    "did not find expected key",
    "mapping values are not allowed",
    "expected <block end>",
    "did not find expected '-' indicator",
    "could not find expected ':'",
)
"""PyYAML's words for a line indented wrongly (the usual cause of each, in a plan)."""


def _syntax_hint(problem: str, text: str, mark: Any) -> str:
    """What a newcomer's YAML syntax error usually means: a tab, or a line indented wrongly."""
    index = getattr(mark, "index", None)
    if "cannot start any token" in problem and isinstance(index, int) and text[index : index + 1] == "\t":
        return " (a tab: YAML indents with spaces only)"
    if problem.startswith(INDENTATION_PROBLEMS):
        return " (check the indentation of this line and the one above: the keys of one mapping line up, a nested one is indented further)"
    return ""


def compose_text(text: str, file: str) -> tuple[YNode | None, list[PlanIssue]]:
    """Compose ``text`` into a positioned tree; problems are returned, never raised."""
    issues: list[PlanIssue] = []
    try:
        loader = _Loader(text)
        try:
            return _compose_document(loader, file)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        issues.append(PlanIssue(pos, f"YAML syntax error: {problem}{_syntax_hint(problem, text, mark)}"))
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
