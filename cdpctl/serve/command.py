"""The body of ``cdpctl serve``: start, serve until a signal, print the report, return the exit status."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from cdpctl.errors import UsageError
from cdpctl.reporting.formats import counted
from cdpctl.serve.live import live_view, status_line, status_lines
from cdpctl.serve.report import write_report
from cdpctl.serve.runner import ServeError, ServeOptions, _Server, base_url, bind, build, run
from cdpctl.validation.verdict import EXIT_UNREAD

if TYPE_CHECKING:
    from cdpctl.model import Plan


def serve_main(plan: Plan, options: ServeOptions, fmt: str, live: bool, output: str | None = None) -> int:
    """Serve until SIGINT/SIGTERM; print the validate report in ``fmt``.

    Exit status: 1 if any error-severity violation, malformed message or refused body, any message a
    ``--forward`` destination did not take (failed or dropped), or any body received but not recorded (the
    capture could not be written, or the collector stopped before it arrived whole or was checked); 2 when no event arrived and
    ``options.require_events``; else 0; 128 + the signal (130, 143) when a second signal
    interrupted the shutdown (the report is partial).
    """
    _refuse_writing_over(plan, options.capture, output)
    if output is not None:
        try:
            with open(output, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise UsageError(f"cannot write the report to '{output}': {exc.strerror or exc}") from exc
    try:
        sock = bind(options.host, options.port)
    except ServeError as exc:
        raise UsageError(str(exc)) from exc
    try:
        built = build(plan, options)
    except ServeError as exc:
        sock.close()
        raise UsageError(str(exc)) from exc
    url = base_url(sock)
    collector = built.collector
    err = sys.stderr
    calls = sum(1 for _ in plan.calls())
    err.write(f"cdpctl serve: listening on {url} (plan {plan.name!r}, {calls} governed calls)\n")
    if options.capture:
        err.write(f"cdpctl serve: capturing to {options.capture}\n")
    for label, target in (("forwarding to", options.forward), ("blocked messages to", options.forward_blocked)):
        if target:
            err.write(f"cdpctl serve: {label} {target}\n")
    err.write("cdpctl serve: stop with Ctrl+C or SIGTERM to print the report\n")
    err.flush()

    def background(server: _Server) -> Any:
        if live:
            from rich.console import Console

            return live_view(collector, url, Console(stderr=True))
        return status_lines(collector, err)

    interrupted = run(built, sock, options, background)
    if interrupted is not None:
        err.write("cdpctl serve: interrupted while shutting down: the report is partial\n")
    err.write(f"cdpctl serve: stopped: {status_line(collector)}\n")
    not_forwarded: list[str] = []
    failing = 1 if interrupted is None else 128 + interrupted  # the exit status each error line announces
    for label, forwarder in (("forward", collector.forwarder), ("forward-blocked", collector.blocked_forwarder)):
        if forwarder is None:
            continue
        stats = forwarder.stats
        line = f"cdpctl serve: {label} {forwarder.endpoint}: {stats.delivered} delivered, {stats.failed} failed"
        line += f", {stats.dropped} dropped, {stats.retries} retries"
        if stats.last_error and (stats.failed or stats.dropped):
            line += f"; last error: {stats.last_error}"
        err.write(line + "\n")
        lost = stats.failed + stats.dropped
        if lost:
            messages = counted(lost, "message")
            problem = f"{messages} to {forwarder.endpoint} (--{label})"
            not_forwarded.append(problem + (f", last error: {stats.last_error}" if stats.last_error else ""))
            err.write(f"cdpctl serve: error: {messages} not forwarded to {forwarder.endpoint}: exit {failing}\n")
    not_recorded = collector.counters.not_recorded()
    for problem in not_recorded:
        err.write(f"cdpctl serve: error: {problem}: exit {failing}\n")
    report = collector.report
    nothing = interrupted is None and report.events == 0 and not report.refused and not not_recorded
    empty = nothing and options.require_events
    if empty:
        err.write("cdpctl serve: no events read: no event arrived (exit 2, --require-events)\n")
    elif nothing:
        err.write(f"cdpctl serve: note: no event arrived: are the SDKs pointed at {url}? (--require-events makes it exit 2)\n")
    err.flush()
    if output is None:
        write_report(report, fmt, sys.stdout, plan, options.capture, empty, tuple(not_forwarded), not_recorded, interrupted)
        sys.stdout.flush()
    else:
        with open(output, "w", encoding="utf-8") as handle:
            write_report(report, fmt, handle, plan, options.capture, empty, tuple(not_forwarded), not_recorded, interrupted)
        err.write(f"cdpctl serve: report written to {output}\n")
    if interrupted is not None:
        return 128 + interrupted
    if empty:
        return EXIT_UNREAD
    return 1 if collector.has_errors or not_forwarded or not_recorded else 0


def _refuse_writing_over(plan: Plan, capture: str | None, output: str | None) -> None:
    """``--capture`` and ``-o`` never write over (or append to) a file of the plan, nor both to one file."""
    from cdpctl.validation.targets import refuse_writing_over

    targets = [(what, path) for what, path in (("--capture", capture), ("the report (-o)", output)) if path and path != "-"]
    refuse_writing_over(targets, (("a file of the plan", str(file)) for file in plan.files))
