"""Ctrl-C and SIGTERM during a run: stop reading, keep what was merged, end the worker processes.

While :func:`interruptible` is active, SIGINT and SIGTERM are noted by
:class:`Interrupts`, and :class:`Interrupted` is raised where that is safe: at
once inside :meth:`Interrupts.raising` (a read that may wait for ever: a FIFO, a
pipe, standard input), else at the next :meth:`Interrupts.check` (between two
blocks).  An exception raised by a signal handler lands in whatever Python code
runs at that moment: in an import's lock callback or a finalizer it is printed
and lost (the run then went on, and could wait on a FIFO for ever), and in the
set-up of a C extension being imported it crashed the process.  So a block is
merged (and its ``--split`` lines written) whole, or not at all, and a signal
stops the run within a block's time.  Two more ways a signal could be left
unhandled while the main thread waited on a FIFO: taken by a worker pool's
thread (:func:`kept_from_new_threads`), or arriving just before the read
(:meth:`Interrupts.wait_readable`).  Worker processes ignore SIGINT and SIGTERM
(a terminal, ``timeout`` and a CI job's cancel send them to the whole process
group; the parent decides, and ends its workers itself) and die with their
parent.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

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
    """The signal handler of one run: it notes the first signal, and raises it only where that is safe."""

    def __init__(self) -> None:
        self.received: int | None = None
        """The first signal received (``None``: none yet)."""
        self._raising = 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
        if self._raising:
            raise Interrupted(self.received)

    @contextmanager
    def raising(self) -> Iterator[None]:
        """A read that may wait for ever: a signal (or one noted before) stops it at once."""
        self.check()
        self._raising += 1
        try:
            yield
        finally:
            self._raising -= 1

    def wait_readable(self, fd: int) -> None:
        """Return when ``fd`` can be read; raise :class:`Interrupted` once a signal was received.

        Python runs a signal's handler between two steps of Python code: a signal that arrives just
        before a blocking read (a FIFO whose writer is idle) would wait in its handler until the read
        returns.  Polled a quarter of a second at a time, the read is never entered before it can return."""
        try:
            poller = select.poll()
        except AttributeError:  # pragma: no cover - no poll(): read as before
            return
        poller.register(fd, select.POLLIN | select.POLLPRI | select.POLLHUP | select.POLLERR)
        while not poller.poll(250):
            self.check()
        self.check()

    def check(self) -> None:
        """Raise :class:`Interrupted` when a signal was received."""
        if self.received is not None:
            raise Interrupted(self.received)

    def noted_within(self, seconds: float) -> int | None:
        """The signal received, waited for up to ``seconds`` (``None``: none came): for a failure that may
        have come with a signal whose handler has not run here yet (a worker ended while the whole process
        group was being stopped).  Only in the main thread, the one that runs the handler."""
        deadline = time.monotonic() + seconds
        while self.received is None and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.received


@contextmanager
def interruptible(interrupts: Interrupts) -> Iterator[Interrupts]:
    """SIGINT and SIGTERM are noted by ``interrupts`` in this block (only in the main thread; elsewhere a
    no-op), and one noted before it raises :class:`Interrupted` at once."""
    with _handlers({signum: interrupts.handle for signum in SIGNALS}):
        interrupts.check()
        yield interrupts


def worker_signals(parent: int | None = None) -> None:
    """In a worker process: a process group of its own, SIGINT ignored, and death with the parent (SIGKILL
    when it ends, Linux).

    A terminal sends SIGINT to the whole process group, and ``timeout``, a CI job's cancel and
    ``kill -- -PGID`` send SIGTERM to it: a worker that died of it broke the pool, and the parent, which
    had noted the same signal, failed (``a worker process died``) instead of printing its partial report.
    The parent decides, and ends its workers itself (SIGKILL); out of its group, a worker never gets what
    is sent to the group.  A worker gets SIGKILL when its parent dies, however it dies (SIGKILL included).  ``parent``: the process that forked it (a worker whose parent died before it asked
    ends at once).  The worker was started with both signals blocked (:func:`kept_from_new_threads`): one
    sent meanwhile (before it left the group) waits: SIGINT is dropped, SIGTERM ends the worker, and the
    parent, which noted the same signal, stops its run."""
    if hasattr(os, "setpgid"):  # a process group of its own: a signal to the parent's group is not for it
        with suppress(OSError):
            os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM stays deadly: a broken pool ends its other workers with it and waits for them, holding the lock
    # its submit() and shutdown() take (Python 3.12 and later), so a worker that ignored it hung the run
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            return
        if parent is not None and os.getppid() != parent:  # pragma: no cover - the parent is gone already
            os._exit(1)


@contextmanager
def kept_from_new_threads() -> Iterator[None]:
    """SIGINT and SIGTERM blocked in this (the main) thread for the block: the threads it starts (a worker
    pool's) inherit the mask and never receive them.  The kernel hands a signal sent to the process to any
    thread that does not block it; received by a pool's thread, it left the main thread in its read of a
    FIFO until data came.  A signal sent meanwhile waits, and reaches the main thread when the block ends."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextmanager
def default_signals() -> Iterator[None]:
    """Python's own handling in this block: SIGINT raises ``KeyboardInterrupt``, SIGTERM ends the process
    (for a run that handles them itself: Spark's).  Only in the main thread; elsewhere a no-op."""
    with _handlers({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}):
        yield


Handler = Callable[[int, FrameType | None], Any] | int


@contextmanager
def _handlers(handlers: dict[int, Handler]) -> Iterator[None]:
    """These signal handlers in this block, the previous ones after it (only in the main thread, the one
    Python lets set them; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


_PROCESS: list[Interrupts] = []
"""The :class:`Interrupts` that noted signals since the command line started (one at most), for the
command that takes them over (``validate``)."""


def noted_since_start() -> Interrupts | None:
    """The :class:`Interrupts` the command line installed at its start for this command, if it did."""
    return _PROCESS[-1] if _PROCESS else None


@contextmanager
def noting_from_start(interrupts: Interrupts) -> Iterator[Interrupts]:
    """:func:`interruptible`, with ``interrupts`` handed to the command (:func:`noted_since_start`)."""
    _PROCESS.append(interrupts)
    try:
        with interruptible(interrupts):
            yield interrupts
    finally:
        _PROCESS.pop()
