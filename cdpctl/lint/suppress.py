"""Suppression comments: ``# cdpctl: disable=rule-slug[,other]`` on a node's line or the line above.

A comment at the end of a line suppresses findings on that line; a comment on
a line of its own suppresses findings on the next line that holds something
other than comments.  ``all`` suppresses every rule.  Rules may be named by
slug or code.  Directives that suppress nothing can be reported
(``--report-unused-disables``); directives naming no rule always are.
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
    "A '# cdpctl: disable=...' comment whose rule reports nothing on the line it covers is stale: the "
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
        scalars: list[tuple[tuple[int, int], tuple[int, int]]] | None = None
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
            if scalars is None:
                scalars = multiline_scalars(text)
            if any(begin <= (index, start) < end for begin, end in scalars):  # text of a value, not a comment
                continue
            if match is None:  # names no rule: reported (CP002), it suppresses nothing
                assert nameless is not None
                directives.append(Directive("", Pos(file, index + 1, nameless.start() + 1), (file, index + 1), None))
                continue
            target = index + 1
            if not line[:start].strip():
                target = _next_content_line(lines, index + 1)
            offset = match.start(1)
            for part in re.finditer(r"[A-Za-z0-9_-]+", match.group(1)):
                name = part.group(0)
                rule = find_rule(name)
                slug = ALL if name.lower() == ALL else (rule.slug if rule is not None else None)
                pos = Pos(file, index + 1, offset + part.start() + 1)
                directives.append(Directive(name, pos, (file, target), slug))
    return directives


def multiline_scalars(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``((line, column), (line, column))`` spans (0-based, end excluded) of the scalars of ``text`` that span
    lines (``|`` and ``>`` blocks, quoted values): a ``#`` inside one is text, never a directive."""
    import yaml

    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    try:
        for token in yaml.scan(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(token, yaml.ScalarToken) and token.end_mark.line > token.start_mark.line:
                spans.append(((token.start_mark.line, token.start_mark.column), (token.end_mark.line, token.end_mark.column)))
    except yaml.YAMLError:  # a plan that does not scan does not lint either; its directives do not matter
        pass
    return spans


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
            by_line.setdefault(directive.target, []).append(directive)
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
                    f"suppression of '{directive.name}' is unused: nothing on line {directive.target[1]} "
                    "is reported by it; remove the comment",
                    directive.pos,
                )
            )
    return out
