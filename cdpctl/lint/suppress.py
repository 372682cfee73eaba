"""Suppression comments: ``# cdpctl: disable=rule-slug[,other]`` on a node's line or the line above.

A comment at the end of a line covers that line; a comment on a line of its
own covers the next line that holds something other than comments.  When the
line covered is a key whose value goes on over the lines below (a block
mapping or list, a ``|`` text, a flow value spanning lines), the comment covers
the node that key opens: its line and every line of its value, never a
sibling's.  (A rule may report a node's fault on a line inside it:
``reserved-property`` at ``type: string`` under ``revenue:``.)  ``all``
suppresses every rule.  Rules may be named by slug or code.  Directives that
suppress nothing can be reported (``--report-unused-disables``); directives
naming no rule always are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cdpctl.errors import Pos
from cdpctl.lint.base import Finding, Rule
from cdpctl.lint.registry import find_rule, rule_names
from cdpctl.loader import did_you_mean

DIRECTIVE = re.compile(r"#\s*cdpctl:\s*disable\s*=\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)")
NAMELESS = re.compile(r"#\s*cdpctl:\s*disable\b[\s=,]*(?:$|#)")
"""A directive that names no rule (``# cdpctl: disable=``, ``disable=,,``): it suppresses nothing, so it is
reported as an unknown rule (CP002), never silently ignored."""
ALL = "all"


def _meta(code: str, slug: str, summary: str, description: str) -> Rule:
    return Rule(
        code=code,
        slug=slug,
        severity="warning",
        summary=summary,
        description=description,
        check=lambda plan, options, source: (),
        passing="",
        failing="",
        failing_at=(),
    )


UNUSED_DISABLE = _meta(
    "CP001",
    "unused-disable",
    "A suppression comment that suppresses nothing (reported with --report-unused-disables, or when configured).",
    "A '# cdpctl: disable=...' comment whose rule reports nothing on the line (or in the node) it covers is stale: the "
    "problem was fixed, or the comment sits on the wrong line. Remove it so that it cannot hide a future "
    "finding. Reported with --report-unused-disables, or when the lint configuration gives it a severity "
    "('unused-disable: warning').",
)
UNKNOWN_DISABLE = _meta(
    "CP002",
    "unknown-disable",
    "A suppression comment names a rule that does not exist.",
    "A '# cdpctl: disable=...' comment must name rules by slug or code ('event-name-casing', 'CP101') or "
    "say 'all'. A misspelt name suppresses nothing, so the finding it meant to silence is still reported "
    "next to this one, with a did-you-mean hint.",
)
META_RULES = (UNUSED_DISABLE, UNKNOWN_DISABLE)


@dataclass
class Directive:
    """One rule named in one suppression comment."""

    name: str
    pos: Pos
    """Where the name is written in the comment."""
    target: tuple[str, int]
    """``(file, line)`` whose findings it suppresses."""
    slug: str | None
    """The rule's slug, ``all``, or None when the name is unknown."""
    used: bool = False
    through: int = 0
    """The last line it covers: that of the node the key on the target line opens (0: the target line alone)."""

    def lines(self) -> range:
        """The lines it covers (1-based)."""
        return range(self.target[1], max(self.through, self.target[1]) + 1)


@dataclass
class Suppression:
    kept: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)


def parse_directives(sources: Mapping[str, str]) -> list[Directive]:
    """Every suppression directive of every source file."""
    directives: list[Directive] = []
    for file, text in sources.items():
        if "cdpctl:" not in text:
            continue
        lines = text.splitlines()
        layout: Layout | None = None
        for index, line in enumerate(lines):
            if "cdpctl:" not in line:
                continue
            start = comment_start(line)
            if start < 0:
                continue
            match = DIRECTIVE.search(line, start)
            nameless = NAMELESS.search(line, start) if match is None else None
            if match is None and nameless is None:
                continue
            if layout is None:
                layout = yaml_layout(text)
            if any(begin <= (index, start) < end for begin, end in layout.scalars):  # text of a value, not a comment
                continue
            if match is None:  # names no rule: reported (CP002), it suppresses nothing
                assert nameless is not None
                directives.append(Directive("", Pos(file, index + 1, nameless.start() + 1), (file, index + 1), None))
                continue
            target = index + 1
            if not line[:start].strip():
                target = _next_content_line(lines, index + 1)
            through = layout.blocks.get(target - 1, target - 1) + 1  # the node a key on that line opens
            offset = match.start(1)
            for part in re.finditer(r"[A-Za-z0-9_-]+", match.group(1)):
                name = part.group(0)
                rule = find_rule(name)
                slug = ALL if name.lower() == ALL else (rule.slug if rule is not None else None)
                pos = Pos(file, index + 1, offset + part.start() + 1)
                directives.append(Directive(name, pos, (file, target), slug, through=through))
    return directives


@dataclass
class Layout:
    """What suppression needs of a file's YAML structure (lines and columns 0-based)."""

    scalars: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    """``((line, column), (line, column))`` spans (end excluded) of the scalars that span lines (``|`` and
    ``>`` blocks, quoted values): a ``#`` inside one is text, never a directive."""
    blocks: dict[int, int] = field(default_factory=dict)
    """The line of each key whose value ends on a later line: the last line of that value."""


@dataclass
class _Open:
    """A mapping or sequence being read: the key line that owns it, its last line so far."""

    owner: int | None
    last: int
    flow: bool
    is_map: bool
    expect_key: bool = True
    key_line: int | None = None


def yaml_layout(text: str) -> Layout:
    """The multi-line scalars of ``text`` and the lines each key's value spans, from the YAML events (the last
    line of a block value is that of its last content: a block's end event stands at the next sibling)."""
    import yaml

    layout = Layout()
    stack: list[_Open] = []

    def close(owner: int | None, last: int) -> None:
        if owner is not None and last > owner:
            layout.blocks[owner] = max(last, layout.blocks.get(owner, owner))
        if stack:
            stack[-1].last = max(stack[-1].last, last)

    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                close(done.owner, event.end_mark.line if done.flow and event.end_mark is not None else done.last)
                continue
            start, end = event.start_mark, event.end_mark
            if not isinstance(event, yaml.NodeEvent) or start is None or end is None:  # (the parser marks every event)
                continue
            owner = None
            parent = stack[-1] if stack else None
            if parent is not None and parent.is_map:
                if parent.expect_key:  # a key (a collection as a key owns nothing)
                    parent.key_line = start.line if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) else None
                else:
                    owner = parent.key_line
                parent.expect_key = not parent.expect_key
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append(_Open(owner, start.line, bool(event.flow_style), isinstance(event, yaml.MappingStartEvent)))
                continue
            if isinstance(event, yaml.ScalarEvent) and end.line > start.line:
                layout.scalars.append(((start.line, start.column), (end.line, end.column)))
            close(owner, end.line - 1 if end.column == 0 and end.line > start.line else end.line)
    except yaml.YAMLError:  # a plan that does not parse does not lint either; its directives do not matter
        pass
    return layout


def comment_start(line: str) -> int:
    """Index of the ``#`` that starts a YAML comment on ``line`` (not one inside quotes), or -1.

    A quote opens a quoted scalar only where a scalar starts (at the start of the line, or after ``:``,
    ``-``, ``?``, ``[``, ``{`` or ``,``): in a plain scalar (``Best of '90s Played``) it is a character like
    any other, and took the comment after it for part of a string."""
    quote = ""
    previous = " "
    last = ""  # the last character outside quotes that is not a space ("" at the start of the line)
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if quote == '"' and char == "\\":
                index += 2
                previous = "x"
                continue
            if char == quote:
                if quote == "'" and line[index + 1 : index + 2] == "'":
                    index += 2
                    continue
                quote = ""
        elif char in "\"'" and (previous.isspace() or previous in "[{,:-") and last in ("", ":", "-", "?", "[", "{", ","):
            quote = char
        elif char == "#" and previous.isspace():
            return index
        if not quote and not char.isspace():
            last = char
        previous = char
        index += 1
    return -1


def _next_content_line(lines: list[str], start: int) -> int:
    """1-based number of the first line from ``start`` (0-based) that is not blank or a comment."""
    for index in range(start, len(lines)):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index + 1
    return len(lines) + 1


def apply(findings: Iterable[Finding], directives: list[Directive]) -> Suppression:
    """Split findings into kept and suppressed, marking the directives that were used."""
    by_line: dict[tuple[str, int], list[Directive]] = {}
    for directive in directives:
        if directive.slug is not None:
            for line in directive.lines():
                by_line.setdefault((directive.target[0], line), []).append(directive)
    result = Suppression(directives=directives)
    for finding in findings:
        matching = [
            d for d in by_line.get((finding.pos.file, finding.pos.line), ()) if d.slug in (finding.rule, ALL)
        ]
        if matching:
            for directive in matching:
                directive.used = True
            result.suppressed.append(finding)
        else:
            result.kept.append(finding)
    return result


def directive_findings(
    directives: Iterable[Directive], report_unused: bool, severities: Mapping[str, str | None] | None = None
) -> list[Finding]:
    """Findings about the directives themselves: unknown rule names, and unused ones when asked
    (``report_unused``) or configured.  ``severities``: the configured severity of ``unknown-disable`` and
    ``unused-disable`` by slug (``None``: off); ``--report-unused-disables`` reports unused ones even when
    the configuration switches them off, at their default severity."""
    configured = severities or {}
    unknown_severity = configured.get(UNKNOWN_DISABLE.slug, UNKNOWN_DISABLE.severity)
    unused_severity = configured.get(UNUSED_DISABLE.slug)
    if UNUSED_DISABLE.slug not in configured:
        unused_severity = UNUSED_DISABLE.severity if report_unused else None
    elif unused_severity is None and report_unused:
        unused_severity = UNUSED_DISABLE.severity
    out: list[Finding] = []
    for directive in directives:
        if directive.slug is None and unknown_severity is not None:
            hint = did_you_mean(directive.name, [*rule_names(), ALL])
            out.append(
                Finding(
                    UNKNOWN_DISABLE.slug,
                    UNKNOWN_DISABLE.code,
                    unknown_severity,
                    f"suppression comment names unknown rule '{directive.name}'{hint}"
                    if directive.name
                    else "suppression comment names no rule: write 'disable=RULE' (a slug, a code or 'all')",
                    directive.pos,
                )
            )
        elif directive.slug is not None and unused_severity is not None and not directive.used:
            out.append(
                Finding(
                    UNUSED_DISABLE.slug,
                    UNUSED_DISABLE.code,
                    unused_severity,
                    f"suppression of '{directive.name}' is unused: nothing {_where(directive)} "
                    "is reported by it; remove the comment",
                    directive.pos,
                )
            )
    return out


def _where(directive: Directive) -> str:
    lines = directive.lines()
    if len(lines) == 1:
        return f"on line {lines[0]}"
    return f"in the node on lines {lines[0]}-{lines[-1]}"
