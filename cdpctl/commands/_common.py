"""Helpers shared by the command modules: error handling, plan loading, output format choice.

Nothing here imports typer: the command modules declare the command line, and these helpers
do the work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

from cdpctl.errors import CdpctlError, PlanLoadError

if TYPE_CHECKING:
    from cdpctl.model import Plan

PLAN_HELP = "Plan file (default: 'plan' from cdpctl.yaml or \\[tool.cdpctl] in pyproject.toml)."


def exit_with(code: int) -> NoReturn:
    """End the command with exit status ``code``.

    ``SystemExit`` rather than ``typer.Exit``: typer lets it through unchanged (the same
    status, in a test runner too), and raising it needs no import of typer.
    """
    raise SystemExit(code)


def die(message: str, code: int = 2) -> NoReturn:
    """Print ``cdpctl: error: message`` to stderr and exit with ``code``."""
    from cdpctl.reporting.formats import printable

    sys.stderr.write(f"cdpctl: error: {printable(message)}\n")
    exit_with(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn cdpctl's own errors into a clear message on stderr and their exit code, never a traceback."""
    try:
        yield
    except PlanLoadError as exc:
        from cdpctl.reporting.formats import printable

        for issue in exc.issues:
            sys.stderr.write(f"{printable(str(issue))}\n")
        count = len(exc.issues)
        sys.stderr.write(f"cdpctl: the plan has {count} problem{'s' if count != 1 else ''}\n")
        if os.environ.get("GITHUB_ACTIONS") == "true":  # also as annotations on the plan's lines
            from cdpctl.reporting import Result, github_annotations

            results = (
                Result(
                    "plan-load",
                    "error",
                    issue.message,
                    issue.pos.file,
                    issue.pos.line,
                    issue.pos.column,
                    "plan does not load",
                )
                for issue in exc.issues
            )
            sys.stderr.write(github_annotations(results))
        exit_with(exc.exit_code)
    except CdpctlError as exc:
        die(str(exc), exc.exit_code)


def load_plan_arg(plan: str | None) -> Plan:
    """Load ``--plan`` or the configured default plan (raises cdpctl errors; use under handle_errors)."""
    from cdpctl.config import resolve_plan_path
    from cdpctl.errors import UsageError
    from cdpctl.loader import load_plan

    if plan == "-":
        raise UsageError("reading a plan from standard input ('-') is not supported: pass the plan file")
    return load_plan(resolve_plan_path(plan))


def refuse_overwriting_plan(output: str | None, plan: Plan) -> None:
    """Exit 2 when ``output`` is one of the plan's files (a report written there would destroy the plan)."""
    if not output or output == "-":
        return
    for file in plan.files:
        try:
            same = os.path.samefile(file, output)
        except OSError:  # the output does not exist yet, or the file came from a git revision
            continue
        if same:
            die(f"'{output}' is a file of the plan; writing there would destroy it")


def choose_format(requested: str | None, allowed: tuple[str, ...], default: str = "text") -> str:
    """The output format: the one asked for, else ``github`` under GitHub Actions, else ``default``."""
    if requested is None:
        if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in allowed:
            return "github"
        return default
    if requested not in allowed:
        die(f"unknown format '{requested}'; choose one of: {', '.join(allowed)}")
    return requested
