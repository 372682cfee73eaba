"""``cdpctl validate``: check event logs against the plan.

This module declares the command line for typer; what the command does is
:func:`cdpctl.commands._validate_run.run_validate`.
"""

from __future__ import annotations

from typing import Optional

import typer

from cdpctl.commands._common import PLAN_HELP
from cdpctl.commands._help import choices


def validate_command(
    paths: Optional[list[str]] = typer.Argument(
        None,
        help="NDJSON files, JSON arrays or batch payloads (gzip/zstd too), directories, globs; '-' or nothing for stdin.",
        show_default=False,
    ),
    plan: Optional[str] = typer.Option(None, "--plan", "-p", help=PLAN_HELP, show_default=False),
    fmt: Optional[str] = typer.Option(
        None,
        "--format",
        "-f",
        metavar=choices(("text", "json", "junit", "sarif", "github", "markdown")),
        help="Report format (default: text; github under GitHub Actions).",
        show_default=False,
    ),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", metavar="FILE", help="Write the report to this file instead of stdout.", show_default=False
    ),
    split: Optional[str] = typer.Option(
        None,
        "--split", metavar="FOLDER",
        help="Write valid.ndjson, invalid.ndjson (violations under context.violations) and malformed.txt here.",
        show_default=False,
    ),
    max_invalid_rate: Optional[str] = typer.Option(
        None,
        "--max-invalid-rate", metavar="RATE",
        help="Exit 0 while the share of invalid and malformed records is at most this (0.01 or 1%). Default 0.",
        show_default=False,
    ),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", metavar="N", help="Processes validating at once, this one included (default: the number of cores).", show_default=False
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        metavar=choices(("local", "spark")),
        help="local (this machine, --jobs processes) or spark (PySpark: NDJSON files, gzip too, at any URI the "
        "cluster reads: s3a://, gs://, abfss://, hdfs://; needs pip install \"cdpctl\\[spark]\").",
    ),
    spark_master: Optional[str] = typer.Option(
        None,
        "--spark-master", metavar="URL",
        help="Spark master for --engine spark (default: what spark-submit or the environment provides, else local[*]).",
        show_default=False,
    ),
    progress: Optional[bool] = typer.Option(
        None, "--progress/--no-progress", help="Progress line on stderr for runs over a second: bytes, events/s, invalid so far, ETA "
        "(default: on a terminal, outside CI, without --quiet).",
        show_default=False,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No throughput line, notes or progress on stderr."),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="Exit 0 when the input holds no records (default: exit 2, 'no events read')."
    ),
    max_record_bytes: Optional[int] = typer.Option(
        None,
        "--max-record-bytes", metavar="BYTES",
        help="Longest line or document read (default 32 MB); a longer one is one malformed record "
        "(record_too_large), skipped unread.",
        show_default=False,
    ),
    fast_path: bool = typer.Option(
        True, "--fast-path/--no-fast-path", help="Use the fast path (off: every message through jsonschema).",
        hidden=True,
    ),
) -> None:
    """Validate event data against the tracking plan.

    Example: cdpctl validate examples/events.ndjson --format github
    """
    from cdpctl.commands._validate_run import ValidateArgs, run_validate

    run_validate(
        ValidateArgs(
            paths=paths,
            plan=plan,
            fmt=fmt,
            output=output,
            split=split,
            max_invalid_rate=max_invalid_rate,
            jobs=jobs,
            engine=engine,
            spark_master=spark_master,
            progress=progress,
            quiet=quiet,
            fast_path=fast_path,
            allow_empty=allow_empty,
            max_record_bytes=max_record_bytes,
        )
    )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)
