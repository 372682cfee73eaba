"""Render a lint report: text (rich, compiler style), json, github, sarif, junit, markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cdpctl.lint.base import SEVERITY_RANK, Finding, Rule
from cdpctl.lint.runner import LintReport, printable
from cdpctl.lint.source import SourceIndex
from cdpctl.reporting.formats import one_line

if TYPE_CHECKING:
    from rich.console import Console

    from cdpctl.reporting import Result

FORMATS = ("text", "json", "github", "sarif", "junit", "markdown")
ALL_COMMAND = "cdpctl lint --format json"
"""What lists every finding when a report shows only the most severe (commands pass their own line)."""
STYLES = {"error": "bold red", "warning": "bold yellow", "info": "bold cyan"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: LintReport, fail_on: str) -> str:
    counts = (
        f"{_plural(report.count('error'), 'error')}, {_plural(report.count('warning'), 'warning')}, "
        f"{report.count('info')} info"
    )
    files = ", ".join(report.files[:1]) + (f" (+{len(report.files) - 1} included)" if len(report.files) > 1 else "")
    suppressed = f", {len(report.suppressed)} suppressed" if report.suppressed else ""
    if not report.findings:
        return f"{files}: no problems ({_plural(len(report.settings), 'rule')} checked{suppressed})"
    verdict = "failed" if report.failing(fail_on) else "passed"
    return (
        f"{files}: {_plural(len(report.findings), 'problem')} ({counts}{suppressed}); "
        f"{verdict} at --fail-on {fail_on}"
    )


def render_text(report: LintReport, sources: dict[str, str], fail_on: str, console: Console) -> None:
    """Each finding as ``FILE:LINE:COLUMN: rule-slug message``, its source line and a caret."""
    from rich.markup import escape

    index = SourceIndex(sources)
    for finding in report.findings:
        pos = finding.pos
        style = STYLES.get(finding.severity, "bold")
        console.print(
            f"[bold]{escape(one_line(str(pos)))}:[/bold] [{style}]{escape(finding.rule)}[/{style}] {escape(one_line(finding.message))}",
            soft_wrap=True,
            highlight=False,
        )
        line = index.line(pos.file, pos.line)
        if line:
            gutter = str(pos.line)
            pad = " " * len(gutter)
            shown, offset = _window(printable(line.expandtabs(1)), max(pos.column - 1, 0))
            console.print(f"[dim]{gutter} |[/dim] {escape(shown)}", soft_wrap=True, highlight=False)
            caret = " " * offset
            console.print(
                f"[dim]{pad} |[/dim] {caret}[{style}]^ {finding.severity} {finding.code}[/{style}]",
                soft_wrap=True,
                highlight=False,
            )
        console.print()
    failed = bool(report.failing(fail_on))
    style = "bold red" if failed else ("bold yellow" if report.findings else "bold green")
    console.print(f"[{style}]{escape(one_line(summary_line(report, fail_on)))}[/{style}]", soft_wrap=True, highlight=False)


SNIPPET_WIDTH = 160


def _window(line: str, index: int) -> tuple[str, int]:
    """At most ``SNIPPET_WIDTH`` characters of ``line`` around ``index``, and where ``index`` lands in them."""
    if len(line) <= SNIPPET_WIDTH:
        return line, index
    start = max(0, min(index - SNIPPET_WIDTH // 3, len(line) - SNIPPET_WIDTH))
    end = start + SNIPPET_WIDTH
    shown = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
    return shown, index - start + (1 if start else 0)


def render_json(report: LintReport, fail_on: str) -> str:
    document = {
        "findings": [finding.to_json() for finding in report.findings],
        "summary": report.summary(fail_on),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _results(findings: Sequence[Finding]) -> list[Result]:
    from cdpctl.reporting import Result

    return [
        Result(
            rule_id=finding.code,
            level=finding.severity,
            message=finding.message,
            file=finding.pos.file,
            line=finding.pos.line,
            column=finding.pos.column,
            title=f"{finding.rule} ({finding.code})",
            properties={"slug": finding.rule},
        )
        for finding in findings
    ]


def render_github(report: LintReport, all_command: str = ALL_COMMAND) -> str:
    """At most 10 error and 10 warning annotations (errors first), then a notice of the rest."""
    from cdpctl.reporting.limits import capped_annotations

    where = f"The step summary (--format markdown) has the most severe findings; `{all_command}` lists all of them."
    return capped_annotations(_results(report.findings), where)


def render_markdown(report: LintReport, fail_on: str, all_command: str = ALL_COMMAND) -> str:
    """A PR comment or step summary under GitHub's size limit: the most severe findings first."""
    from cdpctl.reporting import markdown_escape, markdown_table
    from cdpctl.reporting.formats import Markdown
    from cdpctl.reporting.limits import fit_markdown, left_out_line

    status = "failed" if report.failing(fail_on) else "passed"
    head = [f"### cdpctl lint: {status}", "", markdown_escape(summary_line(report, fail_on)), ""]
    if not report.findings:
        return "\n".join(head)
    findings = sorted(report.findings, key=lambda f: -SEVERITY_RANK[f.severity])  # stable: source order within
    headers = ("Severity", "Where", "Rule", "Message")

    def render(shown: int) -> str:
        rows = [(f.severity, str(f.pos), Markdown(f"`{f.code}` {markdown_escape(f.rule)}"), f.message) for f in findings[:shown]]
        lines = [*head, markdown_table(headers, rows)]
        if shown < len(findings):
            lines.append(left_out_line(len(findings) - shown, len(findings), "findings", all_command) + "\n")
        return "\n".join(lines)

    return fit_markdown(render, len(findings))


def described_rules(report: LintReport) -> list[Rule]:
    """Every rule of the run (and the suppression meta rules that reported), by code."""
    from cdpctl.lint.load_problems import OUTSIDE_RULES

    rules = [setting.rule for setting in report.settings]
    seen = {rule.code for rule in rules}
    for meta in OUTSIDE_RULES:
        if meta.code not in seen and any(f.code == meta.code for f in report.findings):
            rules.append(meta)
    return sorted(rules, key=lambda rule: rule.code)


def render_sarif(report: LintReport) -> str:
    from cdpctl.reporting import RuleInfo, sarif_text

    levels = {setting.rule.slug: setting.severity for setting in report.settings}
    infos = [
        RuleInfo(
            id=rule.code,
            name=rule.slug,
            short_description=rule.summary,
            full_description=rule.description,
            default_level=levels.get(rule.slug, rule.severity),
        )
        for rule in described_rules(report)
    ]
    return sarif_text(infos, _results(report.findings), fallback=report.files[0] if report.files else None)


def render_junit(report: LintReport, fail_on: str) -> str:
    """One test case per rule; findings at or above ``fail_on`` are its failures."""
    from cdpctl.reporting import TestCase, junit_xml

    failing = {id(finding) for finding in report.failing(fail_on)}
    cases = []
    for rule in described_rules(report):
        case = TestCase(name=f"{rule.code} {rule.slug}", classname="cdpctl.lint")
        for finding in report.findings:
            if finding.code != rule.code or id(finding) not in failing:
                continue
            case.failures.append(
                (f"{finding.pos}: {finding.message}", f"{finding.severity} {finding.code} at {finding.pos}")
            )
        cases.append(case)
    name = f"cdpctl lint {report.files[0]}" if report.files else "cdpctl lint"
    return junit_xml(name, cases)
