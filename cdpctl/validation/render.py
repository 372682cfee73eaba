"""Rendering a validation report: text (rich), json, junit, github, sarif, markdown.

GitHub annotations, SARIF and JUnit go through the shared writers of
:mod:`cdpctl.reporting`; ``json`` is :meth:`Report.to_json` (the stable contract).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from cdpctl.reporting import Result, RuleInfo, TestCase, github_annotations, junit_xml, markdown_table, sarif_text
from cdpctl.validation.report import Group, Report
from cdpctl.validation.violations import CODES, SEVERITY

if TYPE_CHECKING:
    from cdpctl.model import Plan

FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")
TEXT_WIDTH = 160
"""Columns of the text table when not printing to a terminal (logs are wide)."""

MACHINE_FORMATS = ("json", "junit", "sarif")
"""Formats whose stdout is only the report (notes and figures go to stderr)."""

CODE_NAMES = {
    "malformed_json": "MalformedJson",
    "invalid_envelope": "InvalidEnvelope",
    "unplanned_event": "UnplannedEvent",
    "unplanned_property": "UnplannedProperty",
    "required_missing": "RequiredMissing",
    "type_mismatch": "TypeMismatch",
    "value_not_allowed": "ValueNotAllowed",
    "constraint_failed": "ConstraintFailed",
    "deprecated_event": "DeprecatedEvent",
}


def call_label(group: Group) -> str:
    """``Order Completed``, ``identify``, ``page Pricing``, or ``-`` when the message says no call."""
    if group.type is None:
        return "-"
    if group.type == "track":
        return group.event if group.event is not None else "track"
    if group.event is None:
        return group.type
    return f"{group.type} {group.event}"


def share_text(report: Report, group: Group) -> str:
    share = report.share(group)
    if share is None:
        return "-"
    percent = share * 100
    return f"{percent:.0f}%" if percent >= 10 or percent == 0 else f"{percent:.2g}%"


def example_text(group: Group) -> str:
    if not group.examples:
        return ""
    first = group.examples[0]
    where = f"{first.file}:{first.line}"
    return where + (f"[{first.index}]" if first.index is not None else "")


def summary_line(report: Report) -> str:
    return (
        f"{report.events:,} events: {report.valid:,} valid, {report.invalid:,} invalid, "
        f"{report.malformed:,} malformed, {report.warnings:,} warnings"
    )


def _results(report: Report) -> list[Result]:
    out = []
    for group in report.sorted_groups():
        label = call_label(group)
        where = f"{group.path}: " if group.path else ""
        share = share_text(report, group)
        called = f"{label}: " if group.type is not None else ""  # no call named: no '-: ' prefix
        text = f"{called}{where}{group.message} ({group.count:,}x"
        text += f", {share} of its volume)" if share != "-" else ")"
        first = group.examples[0] if group.examples else None
        out.append(
            Result(
                rule_id=group.code,
                level=group.severity,
                message=text,
                file=first.file if first is not None else None,
                line=first.line if first is not None else None,
                title=f"{group.code}: {label}" if group.type is not None else group.code,
                properties={
                    "type": group.type,
                    "event": group.event,
                    "path": group.path,
                    "count": group.count,
                    "examples": [example.to_json() for example in group.examples],
                },
            )
        )
    return out


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_github(report: Report) -> str:
    return github_annotations(_results(report))


def render_sarif(report: Report) -> str:
    rules = [
        RuleInfo(code, CODE_NAMES.get(code, code), description, default_level=SEVERITY[code])
        for code, description in CODES.items()
    ]
    return sarif_text(rules, _results(report))


def _failure(report: Report, group: Group) -> tuple[str, str]:
    where = f"{group.path}: " if group.path else ""
    message = f"{group.code}: {where}{group.message} ({group.count:,}x, {share_text(report, group)})"
    details = "\n".join(
        f"{example.file}:{example.line}" + (f" [{example.index}]" if example.index is not None else "")
        for example in group.examples
    )
    return message, details


def render_junit(report: Report, plan: Plan | None) -> str:
    """One test case per planned call (failing with its error groups), plus cases for what the plan does not cover."""
    cases: list[TestCase] = []
    claimed: set[int] = set()
    groups = report.sorted_groups()
    if plan is not None:
        for call in plan.calls():
            case = TestCase(name=call.label, classname=f"cdpctl.validate.{call.type}")
            for index, group in enumerate(groups):
                if group.type == call.type and group.event == call.name and group.code != "unplanned_event":
                    claimed.add(index)
                    if group.severity == "error":
                        case.failures.append(_failure(report, group))
            if not case.failures and not report.volume.get((call.type, call.name)):
                case.skipped = "no messages of this call in the input"
            cases.append(case)
    rest = [(index, group) for index, group in enumerate(groups) if index not in claimed]
    for title, codes in (
        ("malformed records", ("malformed_json",)),
        ("unplanned events", ("unplanned_event",)),
        ("Segment Spec envelope and ungoverned calls", tuple(c for c in CODES if c not in ("malformed_json", "unplanned_event"))),
    ):
        case = TestCase(name=title, classname="cdpctl.validate")
        case.failures.extend(
            _failure(report, group) for _, group in rest if group.code in codes and group.severity == "error"
        )
        cases.append(case)
    return junit_xml("cdpctl validate", cases)


def render_markdown(report: Report) -> str:
    status = "failed" if report.has_errors else "passed"
    lines = [f"### cdpctl validate: {status}", "", summary_line(report), ""]
    groups = report.sorted_groups()
    if groups:
        rows: Sequence[Sequence[object]] = [
            (
                call_label(group),
                f"`{group.code}`",
                f"`{group.path}`" if group.path else "",
                f"{group.count:,}",
                share_text(report, group),
                group.message,
                example_text(group),
            )
            for group in groups
        ]
        lines.append(markdown_table(("Call", "Code", "Path", "Count", "Share", "Message", "Example"), rows))
    else:
        lines.append("No violations.\n")
    return "\n".join(lines)


def render_text(report: Report, out: TextIO, color: bool | None = None) -> None:
    """The rich table people read in a terminal."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from cdpctl.reporting import printable

    console = Console(file=out, force_terminal=color, no_color=color is False, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = max(console.width, TEXT_WIDTH)
    groups = report.sorted_groups()
    if groups:
        table = Table(title="Violations by call, code and path", title_justify="left", show_lines=False)
        table.add_column("Call", overflow="fold")
        table.add_column("Code", no_wrap=True)
        table.add_column("Path", overflow="fold")
        table.add_column("Count", justify="right")
        table.add_column("Share", justify="right")
        table.add_column("Message", overflow="fold")
        table.add_column("Example", overflow="fold")
        for group in groups:
            style = "yellow" if group.severity == "warning" else "red"
            table.add_row(
                Text(printable(call_label(group))),
                Text(group.code, style=style),
                Text(printable(group.path)),
                f"{group.count:,}",
                share_text(report, group),
                Text(printable(group.message)),
                Text(printable(example_text(group)), style="dim"),
            )
        console.print(table)
    verdict = Text("FAIL" if report.has_errors else "OK", style="bold red" if report.has_errors else "bold green")
    console.print(Text.assemble(verdict, "  ", summary_line(report)))


def render_report(report: Report, fmt: str, out: TextIO, plan: Plan | None = None, color: bool | None = None) -> None:
    """Write ``report`` to ``out`` in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "text":
        render_text(report, out, color)
    elif fmt == "json":
        out.write(render_json(report))
    elif fmt == "junit":
        out.write(render_junit(report, plan))
    elif fmt == "github":
        out.write(render_github(report))
        out.write(summary_line(report) + "\n")
    elif fmt == "sarif":
        out.write(render_sarif(report))
    elif fmt == "markdown":
        out.write(render_markdown(report))
    else:
        raise ValueError(f"unknown format {fmt!r}")
