"""The report printed at shutdown: exactly what ``cdpctl validate`` prints, through its renderers."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from cdpctl.model import Plan
    from cdpctl.validation import Report


def all_command(capture: str | None) -> str:
    """What lists every violation group once the collector has stopped (named where a report shows the worst)."""
    import shlex

    if capture:
        return f"cdpctl validate {shlex.quote(capture)} --format json"
    return "cdpctl serve --format json --output violations.json"


EMPTY_HINT = "the collector received no event (are the SDKs pointed at it?), and --require-events asks for one"


def write_report(
    report: Report,
    fmt: str,
    out: TextIO,
    plan: Plan | None = None,
    capture: str | None = None,
    empty: bool = False,
    not_forwarded: tuple[str, ...] = (),
    not_recorded: tuple[str, ...] = (),
    signal: int | None = None,
) -> None:
    """Write ``report`` to ``out`` in ``fmt`` (text, json, junit, github, sarif, markdown); ``empty``: the
    session received no event and ``--require-events`` asked for one (the report says ``FAIL: no events read``);
    ``not_forwarded``: one line per ``--forward`` destination that did not take every message (``FAIL``);
    ``not_recorded``: one line per kind of request received but never checked or recorded (``FAIL``);
    ``signal``: the second signal that cut the shutdown short (``INTERRUPTED``, exit 128 + its number)."""
    from cdpctl.validation.render import render_report
    from cdpctl.validation.verdict import RunFacts

    facts = None
    if empty or not_forwarded or not_recorded or signal is not None:
        import signal as signals

        facts = RunFacts(
            empty_hint=EMPTY_HINT, not_forwarded=not_forwarded, not_recorded=not_recorded, allow_empty=not empty,
            signal=None if signal is None else signals.Signals(signal).name, signal_exit=0 if signal is None else 128 + signal,
        )
    render_report(report, fmt, out, plan, all_command=all_command(capture), facts=facts)
