"""A signal at any moment of ``cdpctl validate``: one line and exit 130 / 143, never a hang, a crash or a traceback.

A signal handler that raises puts its exception into whatever Python code runs at
that moment.  Raised in an import's lock callback or in a finalizer, it was printed
as "Exception ignored" and lost: the run went on and then waited on a FIFO for
ever.  Raised in the set-up of an extension module being imported, it crashed the
process (SIGSEGV).  Raised while the command was being imported, it printed a
traceback.  With ``--jobs 2`` a signal taken by a worker pool's thread, or one
arriving just before the read of an idle FIFO, left the run waiting for input.
:mod:`cdpctl.interrupts` notes signals from the start of the command line and
raises them only where that is safe: in a read that may wait for ever (entered
only once it can return), and between two blocks.  These tests send real signals
to real processes, at moments spread over the start-up (imports, the plan, the
first reads) and the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cdpctl.interrupts import Interrupted, Interrupts, interruptible
from cdpctl.loader import load_plan
from cdpctl.validation import Validator
from cdpctl.validation.inputs import Source
from cdpctl.validation.runner import validate_sources

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
LINE = (
    b'{"type":"track","event":"Order Completed","userId":"u-1","properties":{"order_id":"o-1","total":10,'
    b'"currency":"EUR","products":[{"product_id":"p","price":10}]}}\n'
)
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}
DELAYS = [0.0, 0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5]
"""When the signal is sent after the process starts: the interpreter's start, the imports of the command,
the plan, the first reads, the run (a start-up takes about 0.15 s; later, the run waits on the FIFO)."""


def hold_fifo_open(path: Path, data: bytes, done: threading.Event) -> threading.Thread:
    """Write ``data`` into the FIFO and keep it open (the reader then waits for more) until ``done``."""

    def write() -> None:
        try:
            with open(path, "wb") as handle:
                handle.write(data)
                handle.flush()
                done.wait(60)
        except BrokenPipeError:  # the reader ended first
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def validate_command(path: Path, jobs: str) -> list[str]:
    return [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), str(path), "-f", "json", "--jobs", jobs]


def release(fifo: Path) -> None:
    """Let a writer still waiting for a reader (the process ended before it opened the FIFO) go on."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))


def before_cdpctl(err: str) -> bool:
    """A KeyboardInterrupt raised before cdpctl's own code ran: the interpreter importing runpy or the
    standard library modules ``cdpctl.cli`` imports first (every frame of cdpctl in it at module level)."""
    if "KeyboardInterrupt" not in err:
        return False
    frames = [line for line in err.splitlines() if line.strip().startswith("File ")]
    ours = [line for line in frames if f"{os.sep}cdpctl{os.sep}" in line]
    return all(line.rstrip().endswith("in <module>") for line in ours)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_at_any_moment_ends_the_run_with_one_line(tmp_path: Path, signum: int, jobs: str) -> None:
    name = signal.Signals(signum).name
    for number, delay in enumerate(DELAYS):
        fifo = tmp_path / f"events-{number}.fifo"
        os.mkfifo(fifo)
        done = threading.Event()
        writer = hold_fifo_open(fifo, LINE * 60_000, done)  # two blocks and more: a pool with --jobs 2
        out = subprocess.PIPE
        process = subprocess.Popen(validate_command(fifo, jobs), stdout=out, stderr=out, text=True, env=ENV)
        try:
            time.sleep(delay)
            process.send_signal(signum)
            _, err = process.communicate(timeout=60)  # a lost signal: the run waits on the FIFO for ever
        finally:
            done.set()
            if process.poll() is None:
                process.kill()
                process.communicate()
            release(fifo)
            writer.join(10)
        where = f"signal {name} after {delay} s"
        assert "Exception ignored" not in err, where
        if process.returncode == -signum or before_cdpctl(err):
            continue  # the interpreter's own start-up (before its handlers, or importing runpy): not ours
        assert "Traceback" not in err, f"{where}\n{err}"
        assert process.returncode == 128 + signum, f"{where}: exit {process.returncode}\n{err}"
        errors = [line for line in err.splitlines() if line.startswith("cdpctl: error:")]
        assert len(errors) == 1, f"{where}\n{err}"
        assert any(
            text in errors[0]
            for text in (f"stopped by {name}", "interrupted before the run started")
        ), f"{where}\n{err}"


def test_a_signal_is_noted_and_raised_only_where_it_is_safe() -> None:
    interrupts = Interrupts()
    with interruptible(interrupts):
        os.kill(os.getpid(), signal.SIGTERM)  # its handler runs in this thread, at once: noted, not raised
        assert interrupts.received == signal.SIGTERM
        with pytest.raises(Interrupted) as stopped:
            interrupts.check()
        assert stopped.value.exit_code == 143
        with pytest.raises(Interrupted), interrupts.raising():  # one noted before stops a read at its start
            pass
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handlers are restored


def test_a_signal_during_a_blocking_read_stops_it_at_once() -> None:
    interrupts = Interrupts()
    reader, writer = os.pipe()
    try:
        with interruptible(interrupts):
            # to the main thread itself: a signal sent to the process may be handed to any of its threads
            timer = threading.Timer(0.2, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
            timer.start()
            started = time.monotonic()
            with pytest.raises(Interrupted) as stopped, interrupts.raising():
                os.read(reader, 1)  # nothing is ever written: only the signal ends it
            timer.join()
        assert stopped.value.name == "SIGINT"
        assert time.monotonic() - started < 30
    finally:
        os.close(reader)
        os.close(writer)


def test_a_signal_noted_before_the_run_stops_it_before_it_reads(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    events.write_bytes(LINE * 10)
    interrupts = Interrupts()
    interrupts.received = signal.SIGINT  # noted while the plan loaded, say
    result = validate_sources(Validator(load_plan(str(PLAN))), [Source(str(events))], interrupts=interrupts)
    assert result.interrupted is not None and result.interrupted.name == "SIGINT"
    assert result.report.partial is True
    assert result.report.events == 0


def test_a_wait_for_input_returns_when_it_can_be_read_and_ends_once_a_signal_is_noted() -> None:
    interrupts = Interrupts()
    reader, writer = os.pipe()
    try:
        os.write(writer, b"x")
        interrupts.wait_readable(reader)  # data there: returns at once
        assert os.read(reader, 1) == b"x"
        # a signal whose handler ran late (noted while the wait polls): the wait ends within a poll
        timer = threading.Timer(0.2, setattr, (interrupts, "received", signal.SIGTERM))
        timer.start()
        with pytest.raises(Interrupted):
            interrupts.wait_readable(reader)
        timer.join()
    finally:
        os.close(reader)
        os.close(writer)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(
    "arguments",
    [["infer", "FIFO"], ["coverage", str(PLAN), "FIFO"], ["docs", str(PLAN), "--logs", "FIFO", "-o", "site"]],
    ids=["infer", "coverage", "docs"],
)
def test_ctrl_c_while_another_command_reads_a_log_ends_it_with_one_line(tmp_path: Path, arguments: list[str]) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    command = [sys.executable, "-m", "cdpctl", *[str(fifo) if part == "FIFO" else part for part in arguments]]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=tmp_path)
    try:
        with open(fifo, "wb") as writer:  # returns once the command has opened the log: it is past start-up
            writer.write(LINE)
            writer.flush()
            time.sleep(0.5)  # the command has read the line and waits for more
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert err.strip() == "cdpctl: interrupted", err
