"""Ctrl-C and SIGTERM during a run: stop reading, keep what was merged, end the worker processes.

While :func:`interruptible` is active, SIGINT and SIGTERM raise :class:`Interrupted`
in the main thread, except inside :meth:`Interrupts.held` (merging one block's
report): there the signal waits until the block is merged, so a partial report
is never half-updated.  Worker processes ignore SIGINT (the terminal sends it to
the whole process group; the parent decides) and die with their parent.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A run was stopped by a signal (a BaseException: nothing on the way catches it as an error)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 plus the signal's number, as a shell reports a process the signal ended: 130, 143."""
        return 128 + self.signum


class Interrupts:
    """The signal handler of one run, and the sections it must not break into."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending: int | None = None

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.depth:
            self.pending = signum
            return
        raise Interrupted(signum)

    @contextmanager
    def held(self) -> Iterator[None]:
        """A section a signal does not break into: it is raised when the section ends."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
        if not self.depth and self.pending is not None:
            raise Interrupted(self.pending)


@contextmanager
def interruptible(interrupts: Interrupts) -> Iterator[Interrupts]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in this block (only in the main thread; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    previous = {signum: signal.signal(signum, interrupts.handle) for signum in SIGNALS}
    try:
        yield interrupts
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def worker_signals() -> None:
    """In a worker process: ignore SIGINT, die on SIGTERM, and get SIGTERM when the parent dies (Linux)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
