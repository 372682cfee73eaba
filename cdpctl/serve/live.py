"""What the terminal shows while the collector runs.

On a terminal: a live rich view (events per second, counts, violations by
event and code, the newest invalid messages, forwarding).  Elsewhere (CI logs,
piped output): one status line whenever the counts change, at most every few
seconds.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TextIO

from cdpctl.serve.state import Collector

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def status_line(collector: Collector) -> str:
    """One line of counts: events, valid, invalid, malformed, rate, and forwarding when on."""
    summary = collector.counts()
    rate = collector.rate.rate()
    parts = [
        f"{summary['events']} events",
        f"{summary['valid']} valid",
        f"{summary['invalid']} invalid",
        f"{summary['malformed']} malformed",
        f"{summary['warnings']} warnings",
        f"{rate:.0f}/s",
    ]
    c = collector.counters
    if c.rejected_requests:
        parts.append(_plural(c.rejected_requests, "request") + " refused")
    if c.rejected_messages:
        parts.append(_plural(c.rejected_messages, "message") + " of batches refused")
    if c.aborted:
        parts.append(_plural(c.aborted, "upload") + " aborted by the client")
    if c.unavailable:
        parts.append(_plural(c.unavailable, "request") + " answered 503 (retry)")
    if collector.forwarder is not None:
        stats = collector.forwarder.stats
        parts.append(f"forwarded {stats.delivered} (failed {stats.failed}, pending {collector.forwarder.pending})")
    if c.blocked_unplanned or c.blocked_invalid:
        parts.append(f"blocked {c.blocked_unplanned + c.blocked_invalid}")
    if c.altered:
        parts.append(f"altered {c.altered}")
    return ", ".join(parts)


def render(collector: Collector, url: str, rows: int = 12) -> RenderableType:
    """The live view as one rich renderable."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    report = collector.report_json()
    summary = report["summary"]
    header = Text()
    header.append("cdpctl serve ", style="bold")
    header.append(f"{url}  ", style="cyan")
    header.append(f"{collector.rate.rate():.0f} events/s  ", style="bold")
    header.append(f"{summary['events']} events  ")
    header.append(f"{summary['valid']} valid  ", style="green")
    header.append(f"{summary['invalid']} invalid  ", style="red" if summary["invalid"] else "")
    header.append(f"{summary['malformed']} malformed  ", style="red" if summary["malformed"] else "")
    header.append(f"{summary['warnings']} warnings", style="yellow" if summary["warnings"] else "")
    parts: list[Any] = [header]
    controls = _controls_line(collector)
    if controls:
        parts.append(Text(controls, style="dim"))

    groups: list[dict[str, Any]] = sorted(report["violations"], key=lambda g: -int(g.get("count", 0)))
    table = Table(title="Violations by event and code", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("count", justify="right", no_wrap=True, min_width=5)
    table.add_column("event", overflow="ellipsis", no_wrap=True, min_width=14, max_width=28)
    table.add_column("code", no_wrap=True, min_width=18)
    table.add_column("path", overflow="ellipsis", no_wrap=True, min_width=16, max_width=36)
    table.add_column("message", overflow="ellipsis", no_wrap=True, min_width=16, max_width=70)
    for group in groups[:rows]:
        style = "yellow" if group.get("severity") == "warning" else "red"
        name = group.get("event") or group.get("type") or "-"
        table.add_row(
            str(group["count"]),
            str(name),
            Text(str(group["code"]), style=style),
            str(group.get("path") or ""),
            str(group.get("message", "")),
        )
    if len(groups) > rows:
        table.caption = f"{len(groups) - rows} more groups: GET /violations"
    parts.append(table if groups else Text("No violations so far.", style="green"))

    newest = collector.events(valid=False, limit=5)
    if newest:
        recent = Table(title="Newest invalid messages", title_justify="left", box=box.SIMPLE_HEAD)
        recent.add_column("line", justify="right", no_wrap=True, min_width=5)
        recent.add_column("received", no_wrap=True, min_width=12)
        recent.add_column("event", overflow="ellipsis", no_wrap=True, min_width=14, max_width=28)
        recent.add_column("problems", overflow="ellipsis", no_wrap=True, min_width=20, max_width=90)
        for item in newest:
            problems = item["error"] or "; ".join(f"{v['code']} {v['path']}".strip() for v in item["violations"])
            recent.add_row(
                str(item["line"]), item["receivedAt"][11:23], str(item["event"] or item["type"] or "-"), problems
            )
        parts.append(recent)
    return Group(*parts)


def _controls_line(collector: Collector) -> str:
    c = collector.counters
    bits: list[str] = []
    for label, forwarder in (("forward", collector.forwarder), ("blocked to", collector.blocked_forwarder)):
        if forwarder is None:
            continue
        stats = forwarder.stats
        text = f"{label} {forwarder.endpoint}: {stats.delivered} delivered, {forwarder.pending} pending, {stats.failed} failed"
        if stats.retries:
            text += f", {stats.retries} retries"
        if stats.failed and stats.last_error:
            text += f" (last error: {stats.last_error})"
        bits.append(text)
    if collector.controls.active:
        bits.append(
            f"controls: {c.blocked_unplanned} blocked unplanned, {c.blocked_invalid} blocked invalid, "
            f"{c.altered} altered ({c.omitted_properties} properties omitted)"
        )
    if c.rejected_requests or c.rejected_messages:
        bits.append(
            f"refused: {_plural(c.rejected_requests, 'request')}, {_plural(c.rejected_messages, 'message')} of batches"
        )
    return "  |  ".join(bits)


async def live_view(collector: Collector, url: str, console: Console, interval: float = 0.5) -> None:
    """Refresh the rich live view until cancelled."""
    from rich.live import Live

    with Live(render(collector, url), console=console, auto_refresh=False, transient=True) as live:
        while True:
            await asyncio.sleep(interval)
            live.update(render(collector, url), refresh=True)


async def status_lines(collector: Collector, out: TextIO, interval: float = 10.0) -> None:
    """Write :func:`status_line` every ``interval`` seconds while the counts change, until cancelled."""
    last = ""
    while True:
        await asyncio.sleep(interval)
        line = status_line(collector)
        summary = line.split(", ")[:5]
        key = ", ".join(summary)
        if key != last:
            out.write(f"cdpctl serve: {line}\n")
            out.flush()
            last = key
