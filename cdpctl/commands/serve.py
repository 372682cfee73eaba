"""``cdpctl serve``: a local Segment-compatible collector that validates every message it receives."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP, handle_errors, load_plan_arg

REPORT_FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")


def serve_command(
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help=PLAN_HELP, show_default=False),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for every one)."),
    port: int = typer.Option(8088, "--port", help="Port to listen on (0 picks a free one)."),
    write_key: Optional[str] = typer.Option(
        None, "--write-key", help="Accept only this write key (basic auth user or 'writeKey'); others get 401."
    ),
    capture: Optional[str] = typer.Option(
        None, "--capture", help="Append every received message to this NDJSON file (replay with cdpctl validate)."
    ),
    forward: Optional[str] = typer.Option(
        None, "--forward", help="Relay messages to this Segment-compatible API (posted to URL/v1/batch)."
    ),
    block: list[str] = typer.Option(
        [], "--block", help="With --forward: drop 'unplanned' events or 'invalid' messages. Repeatable."
    ),
    omit_unplanned_properties: bool = typer.Option(
        False,
        "--omit-unplanned-properties",
        help="With --forward: strip unplanned properties and traits, listing them under context.violations.",
    ),
    forward_blocked: Optional[str] = typer.Option(
        None, "--forward-blocked", help="Send blocked messages to this API instead of dropping them."
    ),
    forward_write_key: Optional[str] = typer.Option(
        None, "--forward-write-key", help="Write key to forward with (default: the key each message came with)."
    ),
    forward_retries: int = typer.Option(5, "--forward-retries", help="Retries of a failed forward, with backoff."),
    drain_timeout: float = typer.Option(
        10.0, "--drain-timeout", help="Seconds to finish forwarding at shutdown before giving up."
    ),
    keep: int = typer.Option(1000, "--keep", help="Recent messages kept for GET /events."),
    live: Optional[bool] = typer.Option(
        None, "--live/--no-live", help="Live view (default: on when stderr is a terminal).", show_default=False
    ),
    output_format: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        help=f"Report printed at shutdown: {', '.join(REPORT_FORMATS)} (default text; github under GitHub Actions).",
        show_default=False,
    ),
) -> None:
    """Run a local Segment-compatible collector that validates every message against the plan.

    Point an SDK's host at it, run your tests, then stop it (Ctrl+C or SIGTERM):
    it prints the validate report and exits 1 if any error-severity violation
    was seen.  Query endpoints: /summary, /violations, /events, /reset, /healthz,
    /openapi.json.

    Example: cdpctl serve --port 8088 --capture session.ndjson & run-e2e-tests; kill %1; wait
    """
    from cdpctl.commands._common import choose_format
    from cdpctl.errors import UsageError

    fmt = choose_format(output_format, REPORT_FORMATS)
    with handle_errors():
        from cdpctl.serve.command import serve_main
        from cdpctl.serve.controls import BLOCK_CHOICES, Controls
        from cdpctl.serve.runner import ServeOptions

        for choice in block:
            if choice not in BLOCK_CHOICES:
                raise UsageError(f"--block takes {' or '.join(BLOCK_CHOICES)}, not '{choice}'")
        controls = Controls(
            block_unplanned="unplanned" in block,
            block_invalid="invalid" in block,
            omit_unplanned_properties=omit_unplanned_properties,
        )
        if (controls.active or forward_blocked) and not forward:
            raise UsageError("schema controls (--block, --omit-unplanned-properties, --forward-blocked) need --forward")
        if forward_blocked and not (controls.block_unplanned or controls.block_invalid):
            raise UsageError("--forward-blocked needs --block unplanned or --block invalid")
        if not 0 <= port <= 65535:
            raise UsageError(f"--port must be between 0 and 65535, not {port}")
        if keep < 1 or forward_retries < 0 or drain_timeout < 0:
            raise UsageError("--keep must be at least 1; --forward-retries and --drain-timeout not negative")
        for name, url in (("--forward", forward), ("--forward-blocked", forward_blocked)):
            if url is not None and not url.startswith(("http://", "https://")):
                raise UsageError(f"{name} takes an http:// or https:// URL, not '{url}'")
        options = ServeOptions(
            host=host,
            port=port,
            write_key=write_key,
            capture=capture,
            forward=forward,
            forward_blocked=forward_blocked,
            forward_write_key=forward_write_key,
            controls=controls,
            keep=keep,
            forward_retries=forward_retries,
            drain_timeout=drain_timeout,
        )
        loaded = load_plan_arg(plan)
        show_live = sys.stderr.isatty() if live is None else live
        code = serve_main(loaded, options, fmt, show_live)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
