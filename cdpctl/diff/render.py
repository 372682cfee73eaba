"""Renderers for diff reports: text (rich), markdown (a PR comment), JSON, GitHub annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import IO, Any

from cdpctl.diff.engine import DiffReport
from cdpctl.diff.rules import RANK, SEVERITIES, Change
from cdpctl.reporting import Result, markdown_escape, markdown_table

VIEW_NAMES = {"both": "producers and consumers", "producer": "producers", "consumer": "consumers"}
ICONS = {"breaking": ":x:", "warning": ":warning:", "info": ":information_source:"}


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL.update({code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})  # bidi controls


def safe(text: str) -> str:
    """Text with control characters and bidi overrides shown as escapes (a plan's names must not drive the
    terminal, nor reorder what a reviewer reads)."""
    return text.translate(_CONTROL)


def totals(reports: Sequence[DiffReport], direction: str) -> dict[str, int]:
    result = dict.fromkeys(SEVERITIES, 0)
    for report in reports:
        for severity, count in report.counts(direction).items():
            result[severity] += count
    return result


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[severity]} {severity}" for severity in SEVERITIES)


def _where(change: Change) -> str:
    return change.path or "-"


# -- JSON ---------------------------------------------------------------------


def change_json(change: Change, direction: str) -> dict[str, Any]:
    return {
        "rule": change.rule,
        "severity": change.severity(direction),
        "producer": change.producer,
        "consumer": change.consumer,
        "type": change.call_type,
        "event": change.event,
        "path": change.path,
        "message": change.message,
        "old": change.old,
        "new": change.new,
        **({"events": list(change.events)} if change.events else {}),
    }


def report_json(report: DiffReport, direction: str) -> dict[str, Any]:
    return {
        "changes": [change_json(change, direction) for change in report.ordered(direction)],
        "summary": report.counts(direction),
        "version": report.version.as_json(),
    }


def render_json(reports: Sequence[DiffReport], direction: str) -> str:
    """One report: the documented contract.  Several (``--base``): ``{"plans": [...], "summary": ...}``."""
    if len(reports) == 1:
        document: dict[str, Any] = report_json(reports[0], direction)
    else:
        document = {
            "plans": [{"old": r.old_label, "new": r.new_label, **report_json(r, direction)} for r in reports],
            "summary": totals(reports, direction),
        }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


# -- markdown -----------------------------------------------------------------


def _md_rows(changes: Sequence[Change], direction: str, with_severity: bool) -> list[list[str]]:
    rows = []
    for change in changes:
        row = [change.call_label, _where(change), change.message, change.producer, change.consumer, change.rule]
        if with_severity:
            row.insert(0, change.severity(direction))
        rows.append(row)
    return rows


ALL_COMMAND = "cdpctl diff OLD NEW --format json"
"""What lists every change when a markdown report shows only the worst (commands pass their own line)."""


def _md_more(left: int) -> list[str]:
    return [f"… and {left:,} more not shown here.", ""] if left else []


def _md_report(report: DiffReport, direction: str, heading: str, budget: list[int]) -> list[str]:
    """One plan's section; ``budget`` holds how many rows of each severity may still be shown (spent here)."""
    counts = report.counts(direction)
    old = markdown_escape(report.old_label) + (" (absent)" if report.old_missing else "")
    out = [f"{heading} {old} → {markdown_escape(report.new_label)}", ""]
    if not report.changes:
        out += ["No change to what the plan accepts or documents.", ""]
    else:
        summary = ", ".join(
            f"**{counts[s]} {s}**" if s == "breaking" and counts[s] else f"{counts[s]} {s}" for s in SEVERITIES
        )
        out += [f"{summary} (for {VIEW_NAMES[direction]})", ""]
    version = report.version
    mark = ":white_check_mark:" if version.ok else ":x:"
    out += [f"{mark} {markdown_escape(version.explain().replace(' -> ', ' → '))}", ""]
    ordered = report.ordered(direction)
    breaking = [c for c in ordered if c.severity(direction) == "breaking"]
    rest = sorted((c for c in ordered if c.severity(direction) != "breaking"), key=lambda c: -RANK[c.severity(direction)])
    shown_rest = [c for c in rest if _spend(budget, RANK[c.severity(direction)])]
    headers = ["Call", "Path", "Change", "Producers", "Consumers", "Rule"]
    if breaking:
        shown = [c for c in breaking if _spend(budget, RANK["breaking"])]
        out += [f"**Breaking changes ({len(breaking)})**", ""]
        out.append(markdown_table(headers, _md_rows(shown, direction, False)))
        out += _md_more(len(breaking) - len(shown))
    if rest:
        rest_counts = [f"{counts[s]} {s}" for s in SEVERITIES[1:] if counts[s]]
        out += [
            "<details>",
            f"<summary>{len(rest)} other change{'s' if len(rest) != 1 else ''} ({', '.join(rest_counts)})</summary>",
            "",
            markdown_table(["Severity", *headers], _md_rows(shown_rest, direction, True)),
            *_md_more(len(rest) - len(shown_rest)),
            "</details>",
            "",
        ]
    return out


def _spend(budget: list[int], rank: int) -> bool:
    if budget[rank] <= 0:
        return False
    budget[rank] -= 1
    return True


def _row_budget(reports: Sequence[DiffReport], direction: str, shown: int) -> list[int]:
    """Rows per severity rank when ``shown`` rows are shown in all: the worst severities get them first."""
    counts = totals(reports, direction)
    budget = [0] * (max(RANK.values()) + 1)
    for severity in SEVERITIES:  # worst first
        take = min(counts[severity], shown)
        budget[RANK[severity]] = take
        shown -= take
    return budget


def render_markdown(reports: Sequence[DiffReport], direction: str, all_command: str = ALL_COMMAND) -> str:
    """A pull-request comment under GitHub's size limit: headline counts, breaking changes first, the rest folded away."""
    from cdpctl.reporting.limits import fit_markdown, left_out_line

    counts = totals(reports, direction)
    total = sum(counts.values())
    worst = next((s for s in SEVERITIES if counts[s]), None)
    icon = ICONS[worst] if worst else ":white_check_mark:"

    def render(shown: int) -> str:
        budget = _row_budget(reports, direction, shown)
        out = [f"## {icon} Tracking plan changes: {_counts_text(counts)}", ""]
        for report in reports:
            out += _md_report(report, direction, "###", budget)
        if shown < total:
            out += [left_out_line(total - shown, total, "changes", all_command), ""]
        return "\n".join(out).rstrip("\n") + "\n"

    return fit_markdown(render, total)


# -- GitHub annotations ------------------------------------------------------


def annotation_path(path: str, workspace: str | None) -> str:
    """A file path as GitHub wants it: relative to the workspace (the checkout) when it lies inside it."""
    if not workspace:
        return path
    absolute = os.path.abspath(path)
    root = os.path.abspath(workspace)
    try:
        if os.path.commonpath([absolute, root]) != root:
            return path
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return os.path.relpath(absolute, root).replace(os.sep, "/")


def github_results(reports: Sequence[DiffReport], direction: str, workspace: str | None = None) -> list[Result]:
    """One annotation per change; paths are made relative to ``workspace`` (``GITHUB_WORKSPACE``) when given."""
    results = []
    for report in reports:
        for change in report.ordered(direction):
            severity = change.severity(direction)
            pos = change.pos
            results.append(
                Result(
                    rule_id=change.rule,
                    level="error" if severity == "breaking" else severity,
                    message=f"{safe(change.call_label)}: {safe(change.message)} "
                    f"(producers: {change.producer}, consumers: {change.consumer})",
                    file=_file(_rooted(pos.file if pos else (report.new_files[0] if report.new_files else None), report), workspace),
                    line=pos.line if pos else None,
                    column=pos.column if pos else None,
                    title=f"{severity} plan change: {change.rule}",
                )
            )
    return results


def _rooted(path: str | None, report: DiffReport) -> str | None:
    """``path`` as the working directory names it (a revision's paths are relative to the repository root)."""
    if path is None or report.files_root is None or os.path.isabs(path):
        return path
    return os.path.join(report.files_root, path)


def _file(path: str | None, workspace: str | None) -> str | None:
    return annotation_path(path, workspace) if path else None


def render_github(
    reports: Sequence[DiffReport], direction: str, workspace: str | None = None, all_command: str = ALL_COMMAND
) -> str:
    """At most 10 error and 10 warning annotations (breaking changes first), then a notice of the rest."""
    from cdpctl.reporting.limits import capped_annotations

    where = f"The step summary (--format markdown) has the worst changes; `{all_command}` lists all of them."
    return capped_annotations(github_results(reports, direction, workspace), where)


# -- text -----------------------------------------------------------------------

STYLES = {"breaking": "bold red", "warning": "yellow", "info": "cyan"}


def render_text(reports: Sequence[DiffReport], direction: str, file: IO[str], width: int | None = None) -> None:
    """Human output, grouped by call, the most severe first (one rich ``Text``, printed once: fast on big diffs)."""
    from rich.console import Console
    from rich.text import Text

    text = Text()
    for index, report in enumerate(reports):
        if index:
            text.append("\n")
        text.append(safe(report.old_label) + (" (absent)" if report.old_missing else ""), style="bold")
        text.append(" -> ")
        text.append(safe(report.new_label), style="bold")
        text.append(f"  (view: {VIEW_NAMES[direction]})\n")
        if not report.changes:
            text.append("no change to what the plan accepts or documents\n")
        current: tuple[str, str | None] | None = None
        for change in report.ordered(direction):
            group = (change.call_type, change.event)
            if group != current:
                current = group
                text.append("\n")
                text.append(safe(change.call_label), style="bold")
                text.append("\n")
            severity = change.severity(direction)
            where = f" {safe(change.path)}" if change.path else ""
            text.append("  ")
            text.append(f"{severity:<8}", style=STYLES[severity])
            text.append(f" {safe(change.message)}  ")
            text.append(
                f"[{change.rule}{where}; producers: {change.producer}, consumers: {change.consumer}]\n", style="dim"
            )
        counts = report.counts(direction)
        text.append("\n")
        for position, severity in enumerate(SEVERITIES):
            if position:
                text.append(", ")
            text.append(f"{counts[severity]} {severity}", style=STYLES[severity] if counts[severity] else "")
        text.append("\n")
        text.append(report.version.explain() + "\n", style="green" if report.version.ok else "bold red")
    console = Console(file=file, highlight=False, soft_wrap=True, width=width)
    if console.is_terminal:
        console.print(text, end="")
    else:  # no styles to write: the plain text as it is (rich's line wrapping of a big diff took a second)
        file.write(text.plain)
