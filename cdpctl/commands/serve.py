"""``cdpctl serve``: a local Segment-compatible collector that validates every message it receives."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP, PLAN_OPTION_HELP, handle_errors, load_plan_arg, one_plan
from cdpctl.commands._help import choices

REPORT_FORMATS = ("text", "json", "junit", "github", "sarif", "markdown")


def serve_command(
    plan_argument: Optional[str] = typer.Argument(None, metavar="PLAN", help=PLAN_HELP, show_default=False),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", metavar="PLAN", help=PLAN_OPTION_HELP, show_default=False),
    host: Optional[str] = typer.Option(
        None, "--host", help="Interface to listen on (default 127.0.0.1; 0.0.0.0 for every one).", show_default=False
    ),
    port: Optional[int] = typer.Option(
        None, "--port", help="Port to listen on (default 8088; 0 picks a free one).", show_default=False
    ),
    write_key: Optional[str] = typer.Option(
        None, "--write-key", metavar="KEY", help="Accept only this write key (basic auth user or 'writeKey'); others get 401."
    ),
    capture: Optional[str] = typer.Option(
        None, "--capture", metavar="FILE", help="Append every received message to this NDJSON file (replay with cdpctl validate)."
    ),
    forward: Optional[str] = typer.Option(
        None, "--forward", metavar="URL", help="Relay messages to this Segment-compatible API (posted to URL/v1/batch)."
    ),
    block: Optional[list[str]] = typer.Option(
        None,
        "--block",
        metavar=choices(("unplanned", "invalid")),
        help="With --forward: drop unplanned events or invalid messages. Repeatable.",
    ),
    omit_unplanned_properties: bool = typer.Option(
        False,
        "--omit-unplanned-properties",
        help="With --forward: strip unplanned properties and traits, listing them under context.violations.",
        show_default=False,
    ),
    forward_blocked: Optional[str] = typer.Option(
        None, "--forward-blocked", metavar="URL", help="Send blocked messages to this API instead of dropping them."
    ),
    forward_write_key: Optional[str] = typer.Option(
        None, "--forward-write-key", metavar="KEY", help="Write key to forward with (default: the key each message came with)."
    ),
    forward_retries: Optional[int] = typer.Option(
        None, "--forward-retries", metavar="N", help="Retries of a failed forward, with backoff (default 5).", show_default=False
    ),
    forward_queue_bytes: Optional[int] = typer.Option(
        None,
        "--forward-queue-bytes", metavar="BYTES",
        help="Bytes of messages waiting to be forwarded before intake answers 503 (retry) (default 64 MiB).",
        show_default=False,
    ),
    limits: Optional[str] = typer.Option(
        None,
        "--limits",
        metavar=choices(("segment", "rudderstack", "none")),
        help="Size limits to apply: segment (32 KB a message, 500 KB a batch; default), rudderstack "
        "(4 MB a batch, 32 KB a single call), none.",
        show_default=False,
    ),
    max_message_bytes: Optional[int] = typer.Option(
        None, "--max-message-bytes", metavar="BYTES", help="Largest message accepted, in bytes (over --limits).", show_default=False
    ),
    max_batch_bytes: Optional[int] = typer.Option(
        None, "--max-batch-bytes", metavar="BYTES", help="Largest batch request accepted, in bytes (over --limits).", show_default=False
    ),
    drain_timeout: Optional[float] = typer.Option(
        None,
        "--drain-timeout", metavar="SECONDS",
        help="Seconds to finish forwarding at shutdown before giving up (default 10).",
        show_default=False,
    ),
    keep: Optional[int] = typer.Option(
        None, "--keep", metavar="N", help="Recent messages kept for GET /events (default 1000).", show_default=False
    ),
    require_events: bool = typer.Option(
        False,
        "--require-events",
        help="Exit 2 ('no events read') when no event arrived: the SDKs never reached it (default: exit 0, with a note).",
        show_default=False,
    ),
    live: Optional[bool] = typer.Option(
        None, "--live/--no-live", help="Live view (default: on when stderr is a terminal).", show_default=False
    ),
    output_format: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        metavar=choices(REPORT_FORMATS),
        help="Report printed at shutdown (default: text; github under GitHub Actions).",
        show_default=False,
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the shutdown report to this file instead of stdout.", show_default=False
    ),
) -> None:
    """Run a local Segment-compatible collector that validates every message against the plan.

    Point an SDK's host at it, run your tests, then stop it (Ctrl+C or SIGTERM):
    it prints the validate report and exits 1 if any error-severity violation
    was seen, a request was not recorded or a message was not forwarded (with
    --require-events, 2 if no event arrived).  Query endpoints: /summary,
    /violations, /events, /report, /reset, /healthz, /openapi.json.

    Example:
      cdpctl serve plans/acme-shop.yaml --capture session.ndjson &
      until curl -sf http://127.0.0.1:8088/healthz >/dev/null; do sleep 0.2; done
      curl -s http://127.0.0.1:8088/v1/track -H 'Content-Type: application/json' -d '{"userId": "u1", "event": "Signed Up"}'
      kill $!; wait $!  # prints the report; exit status 1: 'Signed Up' is not in the plan
    """
    from cdpctl.commands._common import choose_format, exit_with

    with handle_errors():
        from cdpctl.config import find_config
        from cdpctl.serve.command import serve_main
        from cdpctl.serve.settings import resolve

        cli = {
            "host": host,
            "port": port,
            "write_key": write_key,
            "capture": capture,
            "forward": forward,
            "forward_blocked": forward_blocked,
            "forward_write_key": forward_write_key,
            "block": block,
            "omit_unplanned_properties": omit_unplanned_properties or None,
            "forward_retries": forward_retries,
            "forward_queue_bytes": forward_queue_bytes,
            "limits": limits,
            "max_message_bytes": max_message_bytes,
            "max_batch_bytes": max_batch_bytes,
            "drain_timeout": drain_timeout,
            "keep": keep,
            "require_events": require_events or None,
            "format": output_format,
            "output": output,
        }
        settings = resolve(cli, find_config().section("serve"))
        fmt = choose_format(settings.format, REPORT_FORMATS)
        loaded = load_plan_arg(one_plan(plan_argument, plan))
        show_live = sys.stderr.isatty() if live is None else live
        code = serve_main(loaded, settings.options, fmt, show_live, settings.output)
    exit_with(code)  # 130 and 143 (a second signal) included: the report said it, no "interrupted" line after


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
