"""Writers for GitHub annotations, SARIF 2.1.0, JUnit XML and markdown tables."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cdpctl import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/cdpctl/cdpctl"

LEVELS = {"error": "error", "warning": "warning", "info": "note", "note": "note", "breaking": "error"}
GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice", "note": "notice", "breaking": "error"}


@dataclass(frozen=True)
class Result:
    """One thing to report, in any format: a lint finding, a diff change, a violation group."""

    rule_id: str
    level: str
    """``error``, ``warning`` or ``info`` (``note`` and ``breaking`` are accepted as synonyms)."""
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    title: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleInfo:
    """A rule as SARIF describes it to code-scanning tools."""

    id: str
    name: str
    short_description: str
    full_description: str = ""
    default_level: str = "error"
    help_uri: str | None = None


@dataclass
class TestCase:
    """One JUnit test case; ``failures`` holds ``(message, details)`` pairs."""

    __test__ = False  # not a pytest test class

    name: str
    classname: str
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: str | None = None
    time: float = 0.0


_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def counted(number: int, noun: str) -> str:
    """``1 message``, ``1,200 messages``: a count with thousands separators and its noun."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def one_line(text: str) -> str:
    """:func:`printable`, with line breaks and tabs shown as ``\\n``, ``\\r``, ``\\t`` too: a table cell, one line."""
    return printable(text).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def printable(text: str) -> str:
    """``text`` with terminal escapes, other control characters and bidi overrides shown as ``\\xNN``/``\\uNNNN``.

    Names come from plans and event data, which are untrusted: printed raw they could
    recolour or rewrite a terminal, or reorder what a reviewer reads.  Tabs and newlines stay.
    """
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def _escape_data(text: str) -> str:
    return printable(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


ANNOTATION_TITLE = 200
"""Characters of an annotation's title (GitHub shows about 255); longer ones end with an ellipsis."""
ANNOTATION_MESSAGE = 4000
"""Characters of an annotation's message: a 100,000-character name made one line of 300 KB."""


def github_annotations(results: Iterable[Result]) -> str:
    """GitHub Actions workflow commands (``::error file=…,line=…::message``), one per line."""
    lines = []
    for result in results:
        props = []
        if result.file:
            props.append(f"file={_escape_property(result.file)}")
        if result.line:
            props.append(f"line={result.line}")
        if result.column:
            props.append(f"col={result.column}")
        props.append(f"title={_escape_property(shorten(result.title or result.rule_id, ANNOTATION_TITLE))}")
        level = GITHUB_LEVELS.get(result.level, "error")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(shorten(result.message, ANNOTATION_MESSAGE))}")
    return "\n".join(lines) + ("\n" if lines else "")


def _uri(path: str) -> str | None:
    """A SARIF artifact URI reference: relative paths stay relative (resolved against the checkout), with
    slashes, percent-encoded (``#``, ``%``, spaces, non-ASCII); ``None`` for what is no file (``<stdin>``)."""
    if path.startswith("<") and path.endswith(">"):
        return None
    from urllib.parse import quote

    return quote(path.replace(os.sep, "/"), safe="/")


def sarif_log(
    rules: Sequence[RuleInfo], results: Iterable[Result], tool_name: str = "cdpctl", fallback: str | None = None
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run.

    GitHub code scanning refuses a whole upload in which one result has no location ("expected at least one
    location") and needs a ``region.startLine``: a result about no file (an input on standard input, a run
    that read nothing) is placed at the first line of ``fallback`` (the plan), and one about a whole file at
    its first line.
    """
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    sarif_results: list[dict[str, Any]] = []
    for result in results:
        item: dict[str, Any] = {
            "ruleId": result.rule_id,
            "level": LEVELS.get(result.level, "error"),
            "message": {"text": result.message},
        }
        if result.rule_id in rule_index:
            item["ruleIndex"] = rule_index[result.rule_id]
        uri = _uri(result.file) if result.file else None
        line, column = (result.line, result.column) if uri is not None else (None, None)
        if uri is None and fallback:
            uri = _uri(fallback)
        if uri is not None:
            region: dict[str, Any] = {"startLine": line or 1}
            if line and column:
                region["startColumn"] = column
            item["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}]
        if result.properties:
            item["properties"] = result.properties
        sarif_results.append(item)
    driver_rules = []
    for rule in rules:
        descriptor: dict[str, Any] = {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.short_description},
            "defaultConfiguration": {"level": LEVELS.get(rule.default_level, "error")},
        }
        if rule.full_description:
            descriptor["fullDescription"] = {"text": rule.full_description}
        descriptor["help"] = {"text": rule.full_description or rule.short_description}  # what code scanning shows
        if rule.help_uri:
            descriptor["helpUri"] = rule.help_uri
        driver_rules.append(descriptor)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool_name,
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": driver_rules,
                    }
                },
                "columnKind": "unicodeCodePoints",  # columns count characters, as every other report does
                "results": sarif_results,
            }
        ],
    }


def sarif_text(rules: Sequence[RuleInfo], results: Iterable[Result], fallback: str | None = None) -> str:
    """:func:`sarif_log` as indented JSON; ``fallback``: the file a result about no file is placed in."""
    return json.dumps(sarif_log(rules, results, fallback=fallback), indent=2, ensure_ascii=False) + "\n"


@cache
def _xml_invalid() -> re.Pattern[str]:
    # Compiled on first use: only JUnit output needs it, and this class takes milliseconds to compile.
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (control characters, lone surrogates), shown as ``\\xNN``,
    and with bidi overrides shown escaped too (:func:`printable`: a CI page must not reorder what it shows)."""
    return printable(_xml_invalid().sub(lambda match: f"\\x{ord(match.group()):02x}", text))


def _attr(text: str) -> str:
    from xml.sax.saxutils import quoteattr  # imports urllib and http: only for JUnit output

    return quoteattr(_xml_safe(text))


def junit_xml(suite_name: str, cases: Sequence[TestCase]) -> str:
    """A JUnit XML document with one ``<testsuite>`` (what CI dashboards read)."""
    from xml.sax.saxutils import escape

    failures = sum(1 for case in cases if case.failures)
    skipped = sum(1 for case in cases if case.skipped is not None and not case.failures)
    total_time = sum(case.time for case in cases)
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    suite_attrs = (
        f"name={_attr(suite_name)} tests=\"{len(cases)}\" failures=\"{failures}\" "
        f"errors=\"0\" skipped=\"{skipped}\" time=\"{total_time:.3f}\""
    )
    out.append(f"<testsuites {suite_attrs}>")
    out.append(f"  <testsuite {suite_attrs}>")
    for case in cases:
        attrs = f"name={_attr(case.name)} classname={_attr(case.classname)} time=\"{case.time:.3f}\""
        if not case.failures and case.skipped is None:
            out.append(f"    <testcase {attrs}/>")
            continue
        out.append(f"    <testcase {attrs}>")
        for message, details in case.failures:
            out.append(f"      <failure message={_attr(message)}>{escape(_xml_safe(details))}</failure>")
        if case.skipped is not None and not case.failures:
            out.append(f"      <skipped message={_attr(case.skipped)}/>")
        out.append("    </testcase>")
    out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


MARKDOWN_PUNCTUATION = re.compile(r"([`*~\[\]]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
"""Characters that make markdown of plain text (code, emphasis, strikethrough, links and images; an ``_``
inside a word never does): escaped."""
REFERENCE = re.compile(r"([@#])(?=[\w-])")
"""A mention (``@octocat``, which notifies people in a PR comment) or an issue reference (``#123``)."""
AUTOLINK = re.compile(r"(?i)(?<![\w.+-])((?:https?|ftp):(?=//)|(?:mailto|xmpp):|www(?=\.))")
"""The starts GitHub turns into a link in plain text (``https://``, ``www.``, ``mailto:``): a zero-width
space after them keeps the text a text (an address with ``@`` is broken by :data:`REFERENCE`)."""


class Markdown(str):
    """A table cell that is markdown already (written by cdpctl, not data): :func:`markdown_table` keeps it."""

    __slots__ = ()


def markdown_escape(text: str) -> str:
    """Text safe inside a markdown table cell or line: it stays text, whatever it holds.

    No HTML (``<``, ``>``, ``&`` as entities), no formatting, links or images (their punctuation
    escaped), no link GitHub would make of a bare address (a zero-width space after ``https:``, ``www``),
    no mention or issue reference (a zero-width space after the ``@``/``#``: nobody is notified), one
    line, and pipes escaped.
    """
    escaped = (
        printable(text.replace("\\", "\\\\"))
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )
    return AUTOLINK.sub(r"\1&#8203;", REFERENCE.sub(r"\1&#8203;", MARKDOWN_PUNCTUATION.sub(r"\\\1", escaped)))


def markdown_code(text: str) -> str:
    """``text`` as an inline code span in a table cell: fenced with more backticks than it holds in a row,
    one line, pipes escaped (GitHub reads ``\\|`` in a cell's code as a pipe)."""
    inner = printable(text).replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", inner)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if inner.startswith("`") or inner.endswith("`") or longest else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


CELL_LIMIT = 200
"""Characters of one markdown table cell; longer values end with an ellipsis (JSON output has them whole)."""


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, the cut marked with ``…``."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def _cell(text: str, limit: int) -> str:
    if isinstance(text, Markdown):
        return text
    if len(text) > 2 and text[0] == text[-1] == "`":  # code stays code (a value of the data inside)
        return markdown_code(shorten(text[1:-1], limit - 2))
    return markdown_escape(shorten(text, limit))


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], cell_limit: int = CELL_LIMIT) -> str:
    """A GitHub-flavoured markdown table; cells are escaped and cut at ``cell_limit`` characters."""
    lines = [
        "| " + " | ".join(markdown_escape(str(h)) for h in headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
    ]
    for row in rows:
        cells = (_cell(cell if isinstance(cell, Markdown) else "" if cell is None else str(cell), cell_limit) for cell in row)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
