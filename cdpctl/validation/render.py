"""Rendering a validation report: text (rich), json, junit, github, sarif, markdown.

GitHub annotations, SARIF and JUnit go through the shared writers of
:mod:`cdpctl.reporting`; ``json`` is :meth:`Report.to_json` (the stable contract).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

from cdpctl.reporting import Result, RuleInfo, TestCase, junit_xml, markdown_escape, markdown_table, sarif_text
from cdpctl.reporting.table import MESSAGE_WIDTH, NAME_WIDTH, Column, columns_from_env, fitted_table
from cdpctl.validation.report import Group, Report
from cdpctl.validation.verdict import NO_EVENTS, RunFacts, Verdict, judge, run_notes
from cdpctl.validation.violations import CODE_ORDER, CODES, MALFORMED_CODES, SEVERITY

if TYPE_CHECKING:
    from cdpctl.model import Plan

FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")
TEXT_WIDTH = 160
"""Columns of the text table when not printing to a terminal (logs are wide) and ``COLUMNS`` is not set."""

MACHINE_FORMATS = ("json", "junit", "sarif")
"""Formats whose stdout is only the report (notes and figures go to stderr)."""

ALL_COMMAND = "cdpctl validate --format json"
"""What lists every group when a report shows only the worst (commands pass the run's own command line)."""


CODE_NAMES = {
    "malformed_json": "MalformedJson",
    "record_too_large": "RecordTooLarge",
    "invalid_envelope": "InvalidEnvelope",
    "unplanned_event": "UnplannedEvent",
    "unplanned_property": "UnplannedProperty",
    "required_missing": "RequiredMissing",
    "type_mismatch": "TypeMismatch",
    "value_not_allowed": "ValueNotAllowed",
    "constraint_failed": "ConstraintFailed",
    "deprecated_event": "DeprecatedEvent",
    "message_too_large": "MessageTooLarge",
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


def worst_first(report: Report) -> list[Group]:
    """Groups for a size-limited report: errors first, then the most frequent, then by event, code and path."""
    return sorted(report.sorted_groups(), key=lambda group: (group.severity != "error", -group.count))


def by_count(report: Report) -> list[Group]:
    """Groups for the text table: the most frequent first, then by event, code and path."""
    return sorted(report.sorted_groups(), key=lambda g: (-g.count, call_label(g), CODE_ORDER.get(g.code, 99), g.path))


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
    line = (
        f"{report.events:,} events: {report.valid:,} valid, {report.invalid:,} invalid, "
        f"{report.malformed:,} malformed, {report.warnings:,} warnings"
    )
    if report.refused:
        line += f", {report.refused:,} refused unchecked"
    if report.partial:
        line += " (partial: the run was interrupted)"
    other = report.other()
    if other["violations"] or other["messages"]:
        line += (
            f"; beyond {other['max_groups']:,} groups, {other['violations']:,} violations and "
            f"{other['messages']:,} messages counted under '(other events)'"
        )
    return line


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


def json_summary(report: Report, facts: RunFacts | None = None) -> dict[str, Any]:
    """The ``summary`` object of ``--format json``: the report's counts and what the run adds (``unreadable``,
    ``partial``); a run without ``facts`` (``serve``'s) read no input: nothing unread."""
    run = facts if facts is not None else RunFacts()
    return {**report.summary(), **run.summary(), "partial": run.partial or report.partial}


def json_document(report: Report, facts: RunFacts | None = None) -> dict[str, Any]:
    """:meth:`Report.to_json` with :func:`json_summary`, the verdict (what the run's exit status says, and why:
    ``no events read``...), the run's input errors (and ``serve``'s lines on what was not forwarded or not
    recorded)."""
    run = facts if facts is not None else RunFacts()
    document = report.to_json()
    document["summary"] = json_summary(report, run)
    judged = judge(report, facts)
    document["verdict"] = {"ok": judged.ok, "status": judged.word, "reason": judged.reason, "exit_code": judged.exit_code}
    document["input_errors"] = list(run.input_errors)
    if run.plan_errors:
        document["plan_errors"] = [issue.to_json() for issue in run.plan_errors]
    if run.not_forwarded:
        document["not_forwarded"] = list(run.not_forwarded)
    if run.not_recorded:
        document["not_recorded"] = list(run.not_recorded)
    return document


def render_json(report: Report, facts: RunFacts | None = None) -> str:
    """:func:`json_document`, as text."""
    return json.dumps(json_document(report, facts), indent=2, ensure_ascii=False) + "\n"


def render_github(
    report: Report, all_command: str = ALL_COMMAND, notes: Sequence[str] = (), facts: RunFacts | None = None
) -> str:
    """At most 10 error and 10 warning annotations (what was not read first, then errors by count), then a notice of the rest."""
    from cdpctl.reporting.limits import capped_annotations

    where = f"The step summary (--format markdown) has the worst groups; `{all_command}` lists all of them."
    return capped_annotations(_results(report), where, first=_note_results(notes, facts))


def _note_results(notes: Sequence[str], facts: RunFacts | None = None) -> list[Result]:
    """What was not read or checked, as results of the ``unread_input`` rule; each problem of a plan that did
    not load, at its place in the plan, as a result of the ``plan_load`` rule."""
    problems = facts.plan_errors if facts is not None else ()
    placed = [
        Result(PLAN_RULE, "error", f"the plan does not load, nothing was checked: {issue.message}", issue.pos.file,
               issue.pos.line, issue.pos.column, "cdpctl validate: plan does not load")
        for issue in problems
    ]
    notes = notes[len(problems):]  # run_notes says the plan's problems first
    return [*placed, *(Result(UNREAD_RULE, "error", note, title="cdpctl validate: data not checked") for note in notes)]


UNREAD_RULE = "unread_input"
PLAN_RULE = "plan_load"
RUN_RULES = {
    UNREAD_RULE: ("UnreadInput", "Data not read to its end or not checked: an input that could not be read whole, "
                  "an input without a record, a run stopped by a signal (exit status 2, 130 or 143)."),
    PLAN_RULE: ("PlanLoad", "The plan does not load, so nothing was checked: one result at each problem's place "
                "in the plan (exit status 2)."),
}
"""Results about the run rather than a message (SARIF rules, GitHub annotations): name and meaning."""


def render_sarif(
    report: Report, notes: Sequence[str] = (), plan_file: str | None = None, facts: RunFacts | None = None
) -> str:
    """SARIF; a result about no file (an unread input, an input on standard input) is placed in ``plan_file``."""
    rules = [
        RuleInfo(code, CODE_NAMES.get(code, code), description, default_level=SEVERITY[code])
        for code, description in CODES.items()
    ]
    results = [*_note_results(notes, facts), *_results(report)]
    for rule_id, (name, text) in RUN_RULES.items():
        if any(result.rule_id == rule_id for result in results):
            rules.append(RuleInfo(rule_id, name, text, default_level="error"))
    return sarif_text(rules, results, fallback=plan_file)


def _failure(report: Report, group: Group) -> tuple[str, str]:
    where = f"{group.path}: " if group.path else ""
    message = f"{group.code}: {where}{group.message} ({group.count:,}x, {share_text(report, group)})"
    details = "\n".join(
        f"{example.file}:{example.line}" + (f" [{example.index}]" if example.index is not None else "")
        for example in group.examples
    )
    return message, details


def render_junit(report: Report, plan: Plan | None, notes: Sequence[str] = (), facts: RunFacts | None = None) -> str:
    """One test case per planned call (failing with its error groups), plus cases for what the plan does not cover;
    a plan that did not load fails a case of its own, and every other case is skipped: nothing was checked (so
    too when no input could be read)."""
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
        ("malformed records", MALFORMED_CODES),
        ("unplanned events", ("unplanned_event",)),
        ("Segment Spec envelope and ungoverned calls", tuple(c for c in CODES if c not in (*MALFORMED_CODES, "unplanned_event"))),
    ):
        case = TestCase(name=title, classname="cdpctl.validate")
        case.failures.extend(
            _failure(report, group) for _, group in rest if group.code in codes and group.severity == "error"
        )
        cases.append(case)
    problems = len(facts.plan_errors) if facts is not None else 0
    if problems or (facts is not None and facts.input_errors and report.events == 0):  # nothing was checked
        for case in cases:
            case.skipped = "not checked: the plan does not load" if problems else f"not checked: {NO_EVENTS}"
    if notes[problems:]:
        case = TestCase(name="inputs read to the end", classname="cdpctl.validate")
        case.failures.extend((note, "") for note in notes[problems:])
        cases.insert(0, case)
    if problems:
        case = TestCase(name="the plan loads", classname="cdpctl.validate")
        case.failures.extend((note, "") for note in notes[:problems])
        cases.insert(0, case)
    return junit_xml("cdpctl validate", cases)


def _markdown_rows(report: Report, groups: Sequence[Group]) -> list[Sequence[object]]:
    return [
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


MAX_NOTES = 20
"""Inputs not read to the end listed in a markdown report (the rest counted): the table keeps its room."""


def render_markdown(
    report: Report, all_command: str = ALL_COMMAND, verdict: Verdict | None = None, notes: Sequence[str] = ()
) -> str:
    """A PR comment or step summary under GitHub's size limit: the worst groups first, then how many were left out."""
    from cdpctl.reporting.limits import fit_markdown, left_out_line

    status = verdict_text(report, verdict, "passed", "failed")
    head = [f"### cdpctl validate: {status}", "", summary_line(report), ""]
    if notes:  # inputs not read to the end, a run stopped early: the first ones, then how many more
        head += [f"- {markdown_escape(note)}" for note in notes[:MAX_NOTES]]  # notes name files: untrusted
        if len(notes) > MAX_NOTES:
            head.append(f"- and {len(notes) - MAX_NOTES:,} more not shown: `{all_command}` lists them (`input_errors`)")
        head.append("")
    groups = worst_first(report)
    if not groups:
        checked = verdict is None or verdict.ok or report.events > 0  # else nothing was read, or no plan
        return "\n".join([*head, "No violations.\n" if checked else "Nothing was checked.\n"])
    headers = ("Call", "Code", "Path", "Count", "Share", "Message", "Example")

    def render(shown: int) -> str:
        lines = [*head, markdown_table(headers, _markdown_rows(report, groups[:shown]))]
        if shown < len(groups):
            lines.append(left_out_line(len(groups) - shown, len(groups), "violation groups", all_command) + "\n")
        return "\n".join(lines)

    return fit_markdown(render, len(groups))


def verdict_text(report: Report, verdict: Verdict | None, ok: str, failed: str) -> str:
    """``ok`` or ``failed`` (with the verdict's reason) as the verdict says; without one, by the report's errors."""
    judged = verdict if verdict is not None else judge(report, None)
    status = ok if judged.ok else failed if judged.word == "FAIL" else judged.word.lower()
    return f"{status} ({judged.reason})" if judged.reason else status


TEXT_COLUMNS = (
    Column("Count", rank=0, whole=True, justify="right"),
    Column("Share", rank=6, whole=True, justify="right", optional=True),
    Column("Call", rank=1, want=NAME_WIDTH, floor=10),
    Column("Code", rank=0, whole=True),
    Column("Path", rank=2, want=NAME_WIDTH, floor=10),
    Column("Message", rank=3, want=MESSAGE_WIDTH, floor=12),
    Column("Example", rank=5, floor=12, optional=True, keep_end=True),  # "…ndjson:42": the line stays
)
"""The text table: counts and codes whole, names before messages, examples and shares left out first."""


def render_text(
    report: Report, out: TextIO, color: bool | None = None, verdict: Verdict | None = None, notes: Sequence[str] = ()
) -> None:
    """The rich table people read in a terminal (a report without a row to show is its verdict line,
    written without rich where rich would write plain text: the common valid run in CI)."""
    judged = verdict if verdict is not None else judge(report, None)
    if not notes and not report.groups and _plain_text(out, color):
        out.write(f"{judged.headline}  {summary_line(report)}\n")
    else:
        rich_text(report, out, color, judged, notes)


def rich_text(report: Report, out: TextIO, color: bool | None, verdict: Verdict, notes: Sequence[str]) -> None:
    """The text report written by rich: the table of groups, the notes, the verdict line."""
    from rich.console import Console
    from rich.text import Text

    from cdpctl.reporting import one_line, printable

    console = Console(file=out, force_terminal=color, no_color=color is False, highlight=False, soft_wrap=False)
    if not console.is_terminal:
        asked = columns_from_env()
        console.width = asked if asked is not None else max(console.width, TEXT_WIDTH)
    groups = by_count(report)
    if groups:
        rows = [
            (
                f"{group.count:,}",
                share_text(report, group),
                Text(one_line(call_label(group))),
                Text(group.code, style="yellow" if group.severity == "warning" else "red"),
                Text(one_line(group.path)),
                Text(one_line(group.message)),
                Text(one_line(example_text(group)), style="dim"),
            )
            for group in groups
        ]
        title = "Violations, most frequent first (--format json has every value whole)"
        console.print(fitted_table(TEXT_COLUMNS, rows, console.width, title))
    for note in notes:  # inputs not read to the end
        console.print(Text(printable(note), style="red"))
    word = Text(verdict.headline, style="bold green" if verdict.ok else "bold red")
    console.print(Text.assemble(word, "  ", summary_line(report)))


_TERMINAL_ENV = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PYCHARM_HOSTED", "JUPYTER_COLUMNS")
"""Environment variables that make rich treat any output as a terminal (and style it)."""


def _plain_text(out: TextIO, color: bool | None) -> bool:
    """Whether rich would write plain text to ``out``: no colour asked for, not a terminal, no variable
    that makes rich style it anyway."""
    if color is True or any(os.environ.get(name) for name in _TERMINAL_ENV):
        return False
    isatty = getattr(out, "isatty", None)
    return color is False or isatty is None or not isatty()


def render_report(
    report: Report,
    fmt: str,
    out: TextIO,
    plan: Plan | None = None,
    color: bool | None = None,
    all_command: str = ALL_COMMAND,
    facts: RunFacts | None = None,
) -> None:
    """Write ``report`` to ``out`` in ``fmt`` (one of :data:`FORMATS`); ``all_command`` lists every group.

    ``facts`` (a validate run's) adds what was not read or checked, in every format, and the verdict.
    """
    verdict = judge(report, facts)
    notes = run_notes(facts)
    if verdict.word == "FAIL" and verdict.reason == NO_EVENTS:  # a failing case in junit, a result in sarif too
        assert facts is not None  # judge says NO_EVENTS only of a run's report
        notes.append(f"{NO_EVENTS}: {facts.empty_hint}")
    if fmt == "text":
        render_text(report, out, color, verdict, notes)
    elif fmt == "json":
        out.write(render_json(report, facts))
    elif fmt == "junit":
        out.write(render_junit(report, plan, notes, facts))
    elif fmt == "github":
        out.write(render_github(report, all_command, notes, facts))
        out.write(summary_line(report) + (f"  {verdict.headline}" if facts is not None else "") + "\n")
    elif fmt == "sarif":
        out.write(render_sarif(report, notes, plan.files[0] if plan is not None and plan.files else None, facts))
    elif fmt == "markdown":
        out.write(render_markdown(report, all_command, verdict, notes))
    else:
        raise ValueError(f"unknown format {fmt!r}")
