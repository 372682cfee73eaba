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
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from process_helpers import running, wait_for, workers_of

from cdpctl.errors import CdpctlError
from cdpctl.interrupts import Interrupted, Interrupts, interruptible
from cdpctl.loader import load_plan
from cdpctl.validation import Validator
from cdpctl.validation.inputs import Block, LineBlock, Source
from cdpctl.validation.runner import _run_pool, validate_sources

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
    [
        ["infer", "FIFO"],
        ["coverage", str(PLAN), "FIFO"],
        ["coverage", str(PLAN), "FIFO", "--jobs", "2"],  # multiprocessing.Pool's terminate waited for ever
        ["docs", str(PLAN), "--logs", "FIFO", "-o", "site"],
    ],
    ids=["infer", "coverage", "coverage-jobs-2", "docs"],
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


# --- a signal sent to the whole process group, with worker processes ---------------------------------------
# Ctrl-C, `timeout -s TERM`, a CI job's cancel and `kill -- -PGID` signal every process of the group: the
# workers too.  A worker that died of SIGTERM broke the pool before the parent printed its partial report
# (`validate`: "a worker process died", exit 2), and a coverage worker that died of SIGINT left the command
# waiting for ever.  Workers ignore both (the parent ends them) and get SIGKILL when the parent dies.


def feed_for_ever(path: Path, stop: threading.Event, written: list[int]) -> threading.Thread:
    """Write lines into the FIFO until ``stop`` or until its reader is gone: a run that never ends by itself,
    its workers busy; ``written[0]`` counts the bytes written."""
    chunk = LINE * 4096

    def write() -> None:
        try:
            with open(path, "wb") as handle:
                while not stop.is_set():
                    handle.write(chunk)
                    written[0] += len(chunk)
        except OSError:  # BrokenPipeError: the reader ended
            pass

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def signalled_run(tmp_path: Path, arguments: list[str], ready: Callable[[Path, list[int]], bool]) -> Run:
    """``cdpctl ARGUMENTS`` in a process group of its own, reading a FIFO fed for ever, once ``ready``."""
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    out, err = tmp_path / "out", tmp_path / "err"
    env = {**os.environ, "GITHUB_ACTIONS": "", "CI": "", "COLUMNS": "200"}
    stop, written = threading.Event(), [0]
    writer = feed_for_ever(fifo, stop, written)
    command = [sys.executable, "-m", "cdpctl", *[str(fifo) if part == "FIFO" else part for part in arguments]]
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, cwd=tmp_path, start_new_session=True)
    run = Run(process, fifo, out, err, stop, writer)
    try:
        wait_for(lambda: process.poll() is not None or (len(workers_of(process.pid)) >= 1 and ready(err, written)))
        assert process.poll() is None, err.read_text()
        run.workers = workers_of(process.pid)
    except BaseException:
        run.end()
        raise
    return run


class Run:
    """A command reading a FIFO fed for ever, and its worker processes."""

    def __init__(
        self, process: subprocess.Popen[bytes], fifo: Path, out: Path, err: Path, stop: threading.Event, writer: threading.Thread
    ) -> None:
        self.process, self.fifo, self.out, self.err = process, fifo, out, err
        self.stop, self.writer = stop, writer
        self.workers: set[int] = set()

    def wait(self) -> tuple[int, str, str]:
        """The exit status (negative: the signal that ended it), stdout and stderr, once it ended."""
        try:
            status = self.process.wait(timeout=120)  # the bug: a command that waits for ever
        finally:
            self.end()
        return status, self.out.read_text(), self.err.read_text()

    def end(self) -> None:
        self.stop.set()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        release(self.fifo)
        self.writer.join(10)


def merged_some(err: Path, written: list[int]) -> bool:
    """The progress line is drawn: blocks were merged, and the run goes on."""
    return "events/s" in err.read_text()


def read_some(err: Path, written: list[int]) -> bool:
    """Chunks of 20,000 records (3 MB) went to the workers: the command has read beyond 5 of them."""
    return written[0] > 16 * 1024 * 1024


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="lists the workers through /proc")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_the_process_group_prints_the_partial_report_with_jobs(
    tmp_path: Path, signum: int, status: int
) -> None:
    arguments = ["validate", "--plan", str(PLAN), "FIFO", "-f", "json", "--jobs", "2", "--progress"]
    run = signalled_run(tmp_path, arguments, merged_some)
    os.killpg(run.process.pid, signum)  # as timeout -s TERM, a CI job's cancel and Ctrl-C send it
    returncode, out, err = run.wait()
    assert returncode == status, err
    assert "Traceback" not in err and "worker process died" not in err, err
    document = json.loads(out)
    assert document["summary"]["partial"] is True
    assert document["summary"]["events"] > 0
    assert f"stopped by {signal.Signals(signum).name}" in err
    for pid in run.workers:
        assert not running(pid), f"worker {pid} still running"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="lists the workers through /proc")
@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)])
def test_a_signal_to_the_process_group_ends_coverage_with_jobs(tmp_path: Path, signum: int, status: int) -> None:
    run = signalled_run(tmp_path, ["coverage", str(PLAN), "FIFO", "-f", "json", "--jobs", "2"], read_some)
    os.killpg(run.process.pid, signum)
    returncode, out, err = run.wait()
    assert returncode == status, err  # SIGTERM ends it as it ends any process (the shell says 143)
    assert "Traceback" not in err, err
    if signum == signal.SIGINT:
        assert err.strip() == "cdpctl: interrupted", err
    wait_for(lambda: not any(running(pid) for pid in run.workers))  # dead with their parent


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="lists the workers through /proc")
@pytest.mark.parametrize("command", ["validate", "coverage"])
def test_workers_never_outlive_a_parent_killed_by_sigkill(tmp_path: Path, command: str) -> None:
    # workers ignore SIGTERM: the parent's death sends them SIGKILL
    if command == "validate":
        run = signalled_run(tmp_path, ["validate", "--plan", str(PLAN), "FIFO", "--jobs", "2", "--progress"], merged_some)
    else:
        run = signalled_run(tmp_path, ["coverage", str(PLAN), "FIFO", "--jobs", "2"], read_some)
    try:
        os.kill(run.process.pid, signal.SIGKILL)  # the parent alone
        run.process.wait(timeout=120)
        wait_for(lambda: not any(running(pid) for pid in run.workers))
    finally:
        for pid in run.workers:  # a worker left behind by a failure here
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        run.end()


def test_a_pool_broken_while_a_signal_was_noted_is_a_stop_not_a_failure(tmp_path: Path) -> None:
    validator = Validator(load_plan(str(PLAN)))
    for noted in (signal.SIGTERM, None):
        interrupts = Interrupts()

        def blocks(noted: int | None = noted, interrupts: Interrupts = interrupts) -> Iterator[Block]:
            before = workers_of(os.getpid())
            yield LineBlock("a", LINE * 10)  # a worker's: the pool starts its worker here
            yield LineBlock("b", LINE * 10)  # this process's own
            for pid in workers_of(os.getpid()) - before:  # the worker ends: the pool breaks
                os.kill(pid, signal.SIGKILL)
            interrupts.received = noted  # the signal that ended it, as a process group's is
            yield LineBlock("c", LINE * 10)  # for the worker, which never returns it

        if noted is None:  # a worker that died alone: an error
            with pytest.raises(CdpctlError, match="a worker process died"):
                _run_pool(validator, 2, False, blocks(), lambda outcome: None, interrupts)
        else:  # the run was stopped: what was merged is its report
            with pytest.raises(Interrupted) as stopped:
                _run_pool(validator, 2, False, blocks(), lambda outcome: None, interrupts)
            assert stopped.value.signum == noted


def test_a_signal_noted_within_a_grace_is_returned_at_once() -> None:
    interrupts = Interrupts()
    assert interrupts.noted_within(0) is None
    timer = threading.Timer(0.1, setattr, (interrupts, "received", signal.SIGTERM))
    timer.start()
    assert interrupts.noted_within(120) == signal.SIGTERM  # returns once noted, not after the 120 s
    timer.join()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="lists the workers through /proc")
def test_a_coverage_worker_that_dies_is_one_error_line(tmp_path: Path) -> None:
    # multiprocessing.Pool waited for ever for the chunk a dead worker held
    run = signalled_run(tmp_path, ["coverage", str(PLAN), "FIFO", "-f", "json", "--jobs", "2"], read_some)
    os.kill(min(run.workers), signal.SIGKILL)  # the out-of-memory killer's way
    returncode, out, err = run.wait()
    assert returncode == 2, err
    assert "Traceback" not in err, err
    assert err.strip().startswith("cdpctl: error: a worker process died"), err
    wait_for(lambda: not any(running(pid) for pid in run.workers))
