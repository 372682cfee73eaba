"""The progress line of a long run on a terminal: bytes done of total, events a second, invalid so far, ETA.

It appears only once a run has taken :data:`DELAY` seconds (a quick run prints nothing),
is redrawn in place on one line cut to the terminal's width, and is erased when the run
ends, before the report is printed.  The caller decides whether to show it at all
(a terminal, not CI, not ``--quiet``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TextIO

DELAY = 1.0
"""Seconds before the line first appears."""

INTERVAL = 0.2
"""Seconds between two redraws."""


def size_text(count: float) -> str:
    """``12.3 MB``, ``840.0 kB``, ``512 B``."""
    if count >= 1e9:
        return f"{count / 1e9:,.2f} GB"
    if count >= 1e6:
        return f"{count / 1e6:,.1f} MB"
    if count >= 1e3:
        return f"{count / 1e3:,.1f} kB"
    return f"{count:.0f} B"


def duration_text(seconds: float) -> str:
    """``0:07``, ``12:30``, ``1:02:03``."""
    whole = max(int(seconds + 0.5), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(done: int, total: int | None, events: int, invalid: int, malformed: int, elapsed: float) -> str:
    """One progress line: ``validating 12.3 MB of 50.0 MB (25%), 183,000 events/s, 1,234 invalid, ETA 0:04``."""
    parts = [f"validating {size_text(done)}" + (f" of {size_text(total)} ({min(done / total, 1):.0%})" if total else " read")]
    rate = events / elapsed if elapsed > 0 else 0.0
    parts.append(f"{rate:,.0f} events/s")
    parts.append(f"{invalid:,} invalid" + (f", {malformed:,} malformed" if malformed else ""))
    if total and done > 0 and elapsed > 0:
        parts.append(f"ETA {duration_text(max(total - done, 0) / (done / elapsed))}")
    return ", ".join(parts)


def fitted_progress_text(
    done: int, total: int | None, events: int, invalid: int, malformed: int, elapsed: float, width: int
) -> str:
    """:func:`progress_text` in at most ``width`` characters, every figure kept as long as it can be.

    Too wide (an 80-column terminal), the words go first (``12.3/50.0 MB (25%), 183,000 ev/s,
    1,234 invalid, ETA 0:04``); only a line that still does not fit is cut.
    """
    text = progress_text(done, total, events, invalid, malformed, elapsed)
    if len(text) <= width:
        return text
    short = text.removeprefix("validating ").replace(" events/s", " ev/s")
    if total:
        short = short.replace(f"{size_text(done)} of {size_text(total)}", _pair(done, total), 1)
    return short[:width]


def _pair(done: int, total: int) -> str:
    """``12.3/50.0 MB`` when both sizes have the same unit, else ``840.0 kB/1.2 MB``."""
    left, right = size_text(done), size_text(total)
    unit = right.rsplit(" ", 1)[-1]
    return f"{left.removesuffix(' ' + unit)}/{right}" if left.endswith(" " + unit) else f"{left}/{right}"


def terminal_width(out: TextIO) -> int:
    """Columns of the terminal ``out`` writes to (stderr's own, whatever stdout is), or ``COLUMNS``, else 80."""
    from cdpctl.reporting.table import columns_from_env

    asked = columns_from_env()
    if asked is not None:
        return asked
    try:
        return os.get_terminal_size(out.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):
        return 80


@dataclass
class ProgressLine:
    """Draws :func:`progress_text` in place on ``out`` (a terminal) after :data:`DELAY` seconds."""

    out: TextIO
    total: int | None
    started: float = field(default_factory=time.monotonic)
    last: float = 0.0
    shown: bool = False

    def update(self, done: int, events: int, invalid: int, malformed: int) -> None:
        now = time.monotonic()
        if now - self.started < DELAY or now - self.last < INTERVAL:
            return
        self.last = now
        width = terminal_width(self.out) - 1  # the last column would wrap on some terminals
        text = fitted_progress_text(done, self.total, events, invalid, malformed, now - self.started, width)
        self.out.write("\r" + text + "\x1b[K")
        self.out.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the line (the report follows on a clean line)."""
        if self.shown:
            self.out.write("\r\x1b[K")
            self.out.flush()
