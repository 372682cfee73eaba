"""The report of a ``cdpctl coverage`` run that measured nothing, and the verdict every JSON report carries.

A run that read no records, only malformed ones or only messages outside ``--since``/``--until``, whose plan
does not load (or does not exist), or whose input cannot be found exits 2 with its one error line, as before;
in the json and markdown formats it also writes a report that says nothing was measured and why, so that a
step posting the markdown to a pull request, or reading the JSON, finds that report, not a missing file or a
stale one from an earlier run.  Text is the error line on stderr already.  The report is never written over a
file the run would protect (a file of the plan, an input, the project configuration).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdpctl.errors import PlanIssue


def judged(ok: bool, exit_code: int, reason: str) -> dict[str, Any]:
    """The ``verdict`` object of a JSON report: ``ok``, ``status`` (``OK``/``FAIL``), ``reason`` (empty when
    ok) and the ``exit_code`` of the run (as ``cdpctl validate --format json`` writes it)."""
    return {"ok": ok, "status": "OK" if ok else "FAIL", "reason": "" if ok else reason, "exit_code": exit_code}


def failure_reason(report: dict[str, Any], fail_under: float | None, share_ok: bool) -> str:
    """Why a measured run fails: inputs not read to the end, else under ``--fail-under`` (``share_ok``: the
    share passed, as :func:`cdpctl.coverage.verdict` judged it); empty when it passes."""
    unread = report["summary"].get("unreadable", 0)
    if unread:
        return f"{unread} input{'s' if unread != 1 else ''} not read to the end"
    return "" if share_ok or fail_under is None else f"under --fail-under {fail_under:g}%"


def empty_report(plan_errors: Sequence[PlanIssue] = (), input_errors: Sequence[str] = ()) -> dict[str, Any]:
    """A report without a plan or without a record: zero counts, no share, the problems named."""
    summary = {
        "records": 0, "malformed": 0, "outside_window": 0, "since": None, "until": None, "planned_calls": 0,
        "planned_calls_seen": 0, "coverage": None, "unplanned_calls": 0, "other_messages": 0,
        "other_bucket": False, "unreadable": len(input_errors),
    }  # fmt: skip
    report: dict[str, Any] = {
        "summary": summary, "calls": [], "never_seen": [], "unplanned": [], "other_calls": [],
        "input_errors": list(input_errors),
    }  # fmt: skip
    if plan_errors:
        report["plan_errors"] = [issue.to_json() for issue in plan_errors]
    return report


def unmeasured_markdown(reason: str, problems: Iterable[str]) -> str:
    """The pull-request comment of a run that measured nothing."""
    from cdpctl.reporting.formats import markdown_escape, one_line

    listed = [f"- {markdown_escape(one_line(problem))}" for problem in list(problems)[:50]]
    out = ["## Tracking plan coverage", "", markdown_escape(f"FAIL: {reason}"), "", *listed, *([""] if listed else [])]
    return "\n".join([*out, "Nothing was measured."]) + "\n"


def write_unmeasured(
    fmt: str,
    output: str | None,
    reason: str,
    report: dict[str, Any] | None = None,
    *,
    plan_errors: Sequence[PlanIssue] = (),
    input_errors: Sequence[str] = (),
    protected: Iterable[tuple[str, str]] = (),
) -> None:
    """Write the json or markdown report of a run that measured nothing (``report``: what was read, when a
    plan loaded), unless ``output`` is a file the run protects; the caller's error line and exit 2 follow."""
    import orjson

    from cdpctl.commands._common import write_text
    from cdpctl.errors import CdpctlError
    from cdpctl.validation.targets import refuse_writing_over

    if fmt not in ("json", "markdown"):
        return
    if output not in (None, "-"):
        try:
            refuse_writing_over([("the report (-o)", output)], list(protected))
        except CdpctlError:
            return  # the error is the answer: a report written there would destroy the plan, an input or the configuration
    unread = [*input_errors, *(report["input_errors"] if report is not None else [])]
    if fmt == "markdown":
        problems = [str(issue) for issue in plan_errors] + [f"not read to the end: {error}" for error in unread]
        text = unmeasured_markdown(reason, problems)
    else:
        document = dict(report) if report is not None else empty_report(plan_errors, input_errors)
        document["verdict"] = judged(False, 2, reason)
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
    try:
        write_text(output, text)
    except CdpctlError:  # the error line that follows says what matters
        return
