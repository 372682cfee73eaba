"""The report of a ``cdpctl validate`` run that checked nothing: its plan does not load (or does not exist),
or an input named cannot be found.

The run exits 2 with its one error line, as before; in the machine and CI formats (json, junit, sarif,
markdown, github) it also writes a report that says nothing was checked and names why, so that a SARIF
upload, a JUnit reader or a step summary finds a report, not a missing file or a stale one.  Text, and
GitHub annotations in a workflow, are the error lines on stderr already.  The report is never written over
a file the run would protect: a file of the plan (included ones too), an input (folders and globs expanded),
the project configuration.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdpctl.commands._validate_run import ValidateArgs
    from cdpctl.errors import PlanIssue


def report_unchecked(
    args: ValidateArgs,
    fmt: str,
    rate: float,
    *,
    plan: Any = None,
    plan_files: Iterable[str] = (),
    plan_errors: Sequence[PlanIssue] = (),
    input_error: str | None = None,
) -> None:
    """Write the report of a run that checked nothing (see the module); a report that cannot be written is
    said on stderr, and the caller's error follows."""
    from cdpctl.commands._validate_run import _write_report, all_command
    from cdpctl.validation.report import Report
    from cdpctl.validation.runner import RunResult
    from cdpctl.validation.verdict import RunFacts

    if fmt == "text" or (fmt == "github" and os.environ.get("GITHUB_ACTIONS") == "true"):
        return
    files = [*plan_files, *(str(issue.pos.file) for issue in plan_errors), *([args.plan] if args.plan else [])]
    if args.output not in (None, "-") and _protected(args.output, files, list(args.paths or [])):
        return  # the error is the answer; a report written there would destroy a plan, an input or the configuration
    errors = [input_error] if input_error is not None else []
    facts = RunFacts(tuple(errors), max_invalid_rate=rate, allow_empty=args.allow_empty, plan_errors=tuple(plan_errors))
    with contextlib.suppress(SystemExit):
        _write_report(RunResult(Report(), input_errors=errors), fmt, args.output, plan, all_command(args), facts)


def _protected(output: str, plan_files: list[str], inputs: list[str]) -> bool:
    """Whether ``output`` is a file of the plan, an input (folders and globs expanded) or a file of the project
    configuration: what :func:`~cdpctl.validation.targets.refuse_writing_over` refuses."""
    from cdpctl.errors import UsageError
    from cdpctl.validation.targets import logs_read, refuse_writing_over

    plan = [("a file of the plan", file) for file in plan_files]
    try:
        refuse_writing_over([("the report (-o)", output)], [*plan, *logs_read(inputs, "one of the inputs")])
    except UsageError:
        return True
    return False
