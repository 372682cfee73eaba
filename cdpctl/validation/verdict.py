"""The verdict of a ``cdpctl validate`` run: one function gives both the verdict line and the exit status.

What was not read or not checked is never OK: a plan that does not load (exit 2: nothing
was checked), an input not read to its end (exit 2), a run stopped by a signal (exit 130 / 143), no records at all (exit 2,
unless ``--allow-empty``), and for ``serve``, messages its ``--forward`` destinations did not take (exit 1).  Otherwise the share of failing records (invalid and
malformed) decides: over ``--max-invalid-rate`` is exit 1.  Every report format
shows :attr:`Verdict.headline`, and the command exits with :attr:`Verdict.exit_code`,
so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdpctl.validation.report import Report

if TYPE_CHECKING:
    from cdpctl.errors import PlanIssue

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREAD = 2
NO_EVENTS = "no events read"
"""The reason of the verdict on an input without a record (exit 2 unless ``--allow-empty``)."""
PLAN_NOT_LOADED = "the plan does not load, nothing was checked"
"""The reason of the verdict of a run whose plan did not load (exit 2)."""


@dataclass(frozen=True)
class RunFacts:
    """What a run knows beyond its report: inputs not read whole, a stopping signal, the options that judge."""

    input_errors: tuple[str, ...] = ()
    """One line per input that could not be read to its end."""
    signal: str | None = None
    """``SIGINT`` or ``SIGTERM`` when the run was stopped (the report is partial)."""
    signal_exit: int = 0
    max_invalid_rate: float = 0.0
    allow_empty: bool = False
    warnings: tuple[str, ...] = field(default=())
    empty_hint: str = "the input holds no records (--allow-empty accepts an empty input)"
    """What the report adds to ``no events read`` (``serve`` says no event arrived)."""
    not_forwarded: tuple[str, ...] = ()
    """One line per ``serve`` destination that did not deliver every message it was handed (exit 1)."""
    plan_errors: tuple[PlanIssue, ...] = ()
    """The problems of a plan that did not load: nothing was checked (exit 2); the report names each."""
    not_recorded: tuple[str, ...] = ()
    """One line per kind of ``serve`` request whose body was received but never checked or recorded: cut or
    left unchecked when the collector stopped, or not captured (exit 1)."""

    @property
    def partial(self) -> bool:
        return self.signal is not None

    def summary(self) -> dict[str, Any]:
        """The fields a run adds to ``summary`` in ``--format json``."""
        return {"unreadable": len(self.input_errors), "partial": self.partial}


@dataclass(frozen=True)
class Verdict:
    """``word`` (``OK``, ``FAIL``, ``INTERRUPTED``), why, and the exit status that goes with it."""

    word: str
    reason: str
    exit_code: int

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    @property
    def headline(self) -> str:
        """``OK``, ``FAIL: no events read``, ``OK: 2% invalid, within --max-invalid-rate 5%``..."""
        return f"{self.word}: {self.reason}" if self.reason else self.word


def run_notes(facts: RunFacts | None) -> list[str]:
    """What a report says was not read or not checked: each input not read to its end, a stopped run."""
    if facts is None:
        return []
    notes = [f"not checked: the plan does not load: {problem}" for problem in facts.plan_errors]
    notes += [f"not read to the end: {problem}" for problem in facts.input_errors]
    if facts.signal is not None:
        notes.append(f"stopped by {facts.signal}: this report covers only the data read before it")
    notes += [f"not recorded: {problem}" for problem in facts.not_recorded]
    notes += [f"not forwarded: {problem}" for problem in facts.not_forwarded]
    return notes


def percent(share: float) -> str:
    """``2%``, ``0.5%``, ``33.3%``: three significant digits at most."""
    return f"{share * 100:.3g}%"


def judge(report: Report, facts: RunFacts | None) -> Verdict:
    """The verdict; without ``facts`` (a report not from a validate run), OK unless any record fails."""
    if facts is None:
        if report.partial:  # interrupted (a serve session stopped by a second signal): never OK
            return Verdict("INTERRUPTED", "stopped by a signal, partial report", EXIT_INVALID)
        return Verdict("FAIL", "", EXIT_INVALID) if report.has_errors else Verdict("OK", "", EXIT_OK)
    if facts.plan_errors:
        return Verdict("FAIL", PLAN_NOT_LOADED, EXIT_UNREAD)
    if facts.signal is not None:
        return Verdict("INTERRUPTED", f"stopped by {facts.signal}, partial report", facts.signal_exit)
    if facts.input_errors:
        count = len(facts.input_errors)
        unread = f"{count} input{'s' if count != 1 else ''} not read to the end"
        if report.events == 0 and not facts.allow_empty:  # an empty folder, a file that could not be opened
            unread = f"{NO_EVENTS}, {unread}"
        return Verdict("FAIL", unread, EXIT_UNREAD)
    if report.partial:  # a serve session whose shutdown a second signal interrupted
        return Verdict("INTERRUPTED", "stopped by a signal, partial report", EXIT_INVALID)
    if report.events == 0 and not facts.allow_empty:
        return Verdict("FAIL", NO_EVENTS, EXIT_UNREAD)
    if facts.not_recorded:
        return Verdict("FAIL", "requests received but not recorded", EXIT_INVALID)
    if facts.not_forwarded:
        return Verdict("FAIL", "messages received but not forwarded", EXIT_INVALID)
    if report.events == 0:
        return Verdict("OK", f"{NO_EVENTS} (--allow-empty)", EXIT_OK)
    failing = report.invalid + report.malformed
    if not failing:
        return Verdict("OK", "", EXIT_OK)
    share = failing / report.events
    rate = facts.max_invalid_rate
    if not rate:
        return Verdict("FAIL", "", EXIT_INVALID)
    if share > rate:
        shown, limit = (percent(share), percent(rate)) if percent(share) != percent(rate) else (
            f"{share * 100:.9g}%", f"{rate * 100:.9g}%")  # close: enough digits to tell them apart
        return Verdict("FAIL", f"{shown} invalid, over --max-invalid-rate {limit}", EXIT_INVALID)
    return Verdict("OK", f"{percent(share)} invalid, within --max-invalid-rate {percent(rate)}", EXIT_OK)
