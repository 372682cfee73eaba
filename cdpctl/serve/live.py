"""What the terminal shows while the collector runs.

On a terminal: a live rich view (events per second, counts, violations by
event and code, the newest invalid messages, forwarding).  Elsewhere (CI logs,
piped output): one status line whenever the counts change, at most every few
seconds.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TextIO

from cdpctl.reporting.formats import printable
from cdpctl.reporting.table import MESSAGE_WIDTH, NAME_WIDTH, Column, fitted_table
from cdpctl.serve.state import Collector

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def status_line(collector: Collector) -> str:
    """One line of counts: events, valid, invalid, malformed, rate, and forwarding when on."""
    summary = collector.counts()
    rate = collector.rate.rate()
    parts = [
        _plural(summary["events"], "event"),
        f"{summary['valid']} valid",
        f"{summary['invalid']} invalid",
        f"{summary['malformed']} malformed",
        f"{summary['warnings']} warnings",
        f"{rate:.0f}/s",
    ]
    c = collector.counters
    refused = c.rejected_requests - c.rejected_not_json  # a body that is not JSON is a malformed record
    if refused:
        parts.append(_plural(refused, "request") + " refused")
    if c.rejected_not_json:
        parts.append(_plural(c.rejected_not_json, "body", "bodies") + " not JSON")
    if c.rejected_messages:
        parts.append(_plural(c.rejected_messages, "message") + " of batches refused")
    if c.aborted:
        parts.append(_plural(c.aborted, "upload") + " aborted by the client")
    if c.cut_at_stop + c.unchecked_at_stop:
        parts.append(_plural(c.cut_at_stop + c.unchecked_at_stop, "request") + " cut by the stop")
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


LIVE_COLUMNS = (
    Column("count", rank=0, whole=True, justify="right"),
    Column("event", rank=1, want=NAME_WIDTH, floor=10),
    Column("code", rank=0, whole=True),
    Column("path", rank=2, want=NAME_WIDTH, floor=10),
    Column("message", rank=3, want=MESSAGE_WIDTH, floor=12),
)
"""The live table: counts and codes whole, event names and paths (up to 40 characters) before messages."""

RECENT_COLUMNS = (
    Column("line", rank=0, whole=True, justify="right"),
    Column("received", rank=0, whole=True),
    Column("event", rank=1, want=NAME_WIDTH, floor=10),
    Column("problems", rank=2, floor=12),
)


def _name(group: dict[str, Any]) -> str:
    return str(group.get("event") or group.get("type") or "-")


def _group_order(group: dict[str, Any]) -> tuple[int, str, str, str]:
    """The most frequent first, then by event, code and path (the group key everywhere)."""
    return (-int(group.get("count", 0)), _name(group), str(group["code"]), str(group.get("path") or ""))


def render(collector: Collector, url: str, rows: int = 12, width: int = 100) -> RenderableType:
    """The live view as one rich renderable, ``width`` columns wide."""
    from rich.console import Group
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

    groups = sorted(report["violations"], key=_group_order)
    shown = [
        (
            str(group["count"]),
            Text(printable(_name(group))),
            Text(str(group["code"]), style="yellow" if group.get("severity") == "warning" else "red"),
            Text(printable(str(group.get("path") or ""))),
            Text(printable(str(group.get("message", "")))),
        )
        for group in groups[:rows]
    ]
    table = fitted_table(LIVE_COLUMNS, shown, width, "Violations by event, code and path (most frequent first)")
    if len(groups) > rows:
        table.caption = f"{len(groups) - rows} more groups: GET /violations"
    parts.append(table if groups else Text("No violations so far.", style="green"))

    newest = collector.events(valid=False, limit=5)
    if newest:
        recent_rows = [
            (
                str(item["line"]),
                item["receivedAt"][11:23],
                Text(printable(str(item["event"] or item["type"] or "-"))),
                Text(printable(item["error"] or "; ".join(f"{v['code']} {v['path']}".strip() for v in item["violations"]))),
            )
            for item in newest
        ]
        recent = fitted_table(RECENT_COLUMNS, recent_rows, width, "Newest invalid messages")
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

    with Live(render(collector, url, width=console.width), console=console, auto_refresh=False, transient=True) as live:
        while True:
            await asyncio.sleep(interval)
            live.update(render(collector, url, width=console.width), refresh=True)


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
