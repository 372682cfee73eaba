"""Running a validation over many sources: blocks of lines, in this process or in worker processes.

Work is cut into blocks of whole lines (:mod:`cdpctl.validation.inputs`); each
block gives a partial :class:`Report` (and its ``--split`` output), merged in
input order, so results do not depend on ``--jobs``.  At most a few blocks are
in flight at a time: memory stays flat however large the input.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO
from itertools import count, repeat
from typing import TYPE_CHECKING

from cdpctl.errors import CdpctlError
from cdpctl.interrupts import Interrupted, Interrupts, interruptible, worker_signals
from cdpctl.validation.engine import Validator, check_parsed, parse_json, validate_lines
from cdpctl.validation.fastpath import is_utf8
from cdpctl.validation.inputs import (
    BLOCK_SIZE,
    MAX_RECORD_BYTES,
    Block,
    Document,
    InputError,
    LineBlock,
    Oversize,
    RangeBlock,
    Source,
    iter_blocks,
    open_source,
)
from cdpctl.validation.report import Report
from cdpctl.validation.split import BufferSink, SplitParts, SplitWriter
from cdpctl.workers import start_pool, stop_pool, submit

if TYPE_CHECKING:  # worker processes are started only for --jobs 2 or more: imported then
    from concurrent.futures import Future

NEWLINE = 10
"""The byte value of a line feed."""

SIGNAL_GRACE = 0.5
"""Seconds a run whose worker pool broke waits for a signal that came with it (then it is interrupted, not failed)."""

BlockResult = tuple[Report, SplitParts | None, int, tuple[str, str] | None]
"""A block's report (its lines numbered from 1), its ``--split`` output, how many newlines it held, and the
file and why it could not be read (``None``: it was; else a file truncated since it was scanned)."""


def run_block(validator: Validator, block: Block, split: bool) -> BlockResult:
    """Validate one block; the pure unit of work of every process."""
    if isinstance(block, Oversize):  # skipped unread: --split copies it from where it is stored, in its turn
        report = Report()
        report.record_too_large(block.file, 1, block.size)
        return report, (SplitParts(oversize=block) if split else None), int(block.newline), None
    sink = BufferSink() if split else None
    if isinstance(block, RangeBlock):
        try:
            block = block.read()
        except InputError as exc:  # the file changed since it was scanned: the range is not checked
            return Report(), (SplitParts() if split else None), 0, (block.file, str(exc))
    if isinstance(block, LineBlock):
        data = block.data
        utf8 = is_utf8(data)  # one pass over the block, not one per line
        # BytesIO finds line ends with memchr (bytes.split looks at every byte in Python's own loop: the
        # split alone took about 6% of a run); zip stops at the first exhausted iterable, so ``numbers``
        # is drawn once per line
        numbers = count(1)
        report = validate_lines(validator, zip(BytesIO(data), repeat(block.file), numbers), sink, utf8=utf8)
        lines = next(numbers) - 1
        newlines = lines - 1 if data and data[-1] != NEWLINE else lines
    else:
        report = validate_document(validator, block, sink)
        newlines = 0
    return report, (sink.parts() if sink is not None else None), newlines, None


def validate_document(validator: Validator, document: Document, sink: BufferSink | None) -> Report:
    """One JSON document: an array of messages, a batch payload, or a single message."""
    report = Report()
    try:
        value = parse_json(document.data)
    except ValueError as exc:
        report.record_malformed(document.file, 1, str(exc), document.data[:1024])
        if sink is not None:
            sink.malformed(document.data.rstrip(b"\r\n"))
        return report
    check_parsed(validator, report, value, document.file, 1, sink)
    return report


# --- worker processes ------------------------------------------------------------------------------

_WORKER: dict[str, Validator] = {}
"""The validator of a worker process, set once by :func:`_init_worker` (per process, never shared)."""


def _init_worker(validator: Validator, parent: int) -> None:
    """Keep the worker's validator: a forked worker inherits the parent's, already built (the
    argument is not pickled); another start method sends its plan and builds it again.  SIGINT and
    SIGTERM are the parent's (:func:`worker_signals`)."""
    worker_signals(parent)
    _WORKER["validator"] = validator


def _work(block: Block, split: bool) -> BlockResult:
    return run_block(_WORKER["validator"], block, split)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --- the run ---------------------------------------------------------------------------------------


@dataclass
class RunResult:
    report: Report
    bytes_read: int = 0
    seconds: float = 0.0
    jobs_used: int = 1
    input_errors: list[str] = field(default_factory=list)
    """One line per input that could not be read to its end (each makes the exit status 2)."""
    warnings: list[str] = field(default_factory=list)
    """Inputs read, but worth a word (a name that says another compression than the bytes)."""
    interrupted: Interrupted | None = None
    """The signal that stopped the run (the report covers what was merged before it)."""


ProgressHook = Callable[[int, Report], None]
"""Called with the number of (possibly compressed) input bytes consumed so far and the report merged so far."""


def validate_sources(
    validator: Validator,
    sources: list[Source],
    *,
    jobs: int = 1,
    split_dir: str | None = None,
    progress: ProgressHook | None = None,
    block_size: int = BLOCK_SIZE,
    max_record: int = MAX_RECORD_BYTES,
    interrupts: Interrupts | None = None,
) -> RunResult:
    """Validate every source in order; partial reports merge in input order whatever ``jobs`` is.

    A source that cannot be read is noted in ``input_errors`` (exit status 2) and the
    run goes on with the others; whatever was read from it before the error counts.
    SIGINT or SIGTERM ends the run early: it stops reading (at once when it waits for
    input), the blocks already read (the whole lines of a stream read so far too) are
    merged, ``interrupted`` says so, and no worker process is left running.  A command that
    notes signals before the run passes its :class:`Interrupts` (a signal noted before
    then stops the run at once).
    """
    started = time.perf_counter()
    result = RunResult(Report())
    writer = SplitWriter(split_dir) if split_dir is not None else None
    split = writer is not None
    consumed_before = 0
    handed: deque[tuple[bool, int]] = deque()
    """For each block handed out (and not yet merged): whether it is the first of its source, and the bytes
    read once it was read (the progress line counts merged blocks only)."""
    line_offset = 0
    unread_files: set[str] = set()
    """Files a block of which could not be read (named once)."""

    def unread(file: str, error: str) -> None:
        """Note ``file`` as not read to its end, once (its later ranges fail the same way)."""
        if file not in unread_files:
            unread_files.add(file)
            result.input_errors.append(error)

    signals = interrupts if interrupts is not None else Interrupts()

    stopped: list[Interrupted] = []
    """The signal that stopped the reading: the blocks already handed out are merged, then it is raised."""

    def blocks() -> Iterator[Block]:
        try:
            yield from read_sources()
        except Interrupted as stop:  # raised in a read (or between two): nothing more is read
            stopped.append(stop)

    def read_sources() -> Iterator[Block]:
        nonlocal consumed_before
        for source in sources:
            try:
                with signals.raising():  # opening a FIFO waits for its writer
                    opened = open_source(source, wait=signals.wait_readable)
            except InputError as exc:
                result.input_errors.append(str(exc))
                continue
            result.warnings.extend(opened.warnings)
            try:
                first = True
                spool = writer.spool if writer is not None else None
                read = iter_blocks(opened, block_size, by_range=True, max_record=max_record, spool=spool)
                while True:
                    with signals.raising():  # a pipe or a FIFO may wait for ever
                        block = next(read, None)
                    if block is None:
                        break
                    handed.append((first, consumed_before + opened.consumed()))
                    first = False
                    yield block
            except InputError as exc:  # a range of it may have failed already
                unread(source.name, str(exc))
            finally:
                consumed_before += opened.consumed()
                if not source.is_stdin:
                    opened.stream.close()

    def take(outcome: BlockResult) -> None:
        nonlocal line_offset
        # a signal does not break into this (it raises only in reads): a block is merged (and its --split
        # lines written) whole, or not at all; every block read before a signal is merged
        report, parts, newlines, not_read = outcome
        first, done = handed.popleft()
        if first:
            line_offset = 0
        if not_read is not None:
            unread(*not_read)
        result.report.update(report, line_offset)
        line_offset += newlines
        if progress is not None:  # after each merge, with --jobs N too (workers merge long after the reads)
            progress(done, result.report)
        if writer is not None and parts is not None:
            not_copied = writer.write(parts)
            if not_copied is not None:  # an oversize record's file changed since it was scanned
                unread(*not_copied)

    try:
        with interruptible(signals):
            iterator = blocks()
            first = next(iterator, None)
            second = next(iterator, None) if first is not None else None
            if second is None or jobs <= 1:
                # one block (or one job): no worker processes to start
                for block in _chain(first, second, iterator):
                    take(run_block(validator, block, split))
            else:
                result.jobs_used = jobs
                _run_pool(validator, jobs, split, _chain(first, second, iterator), take, signals)
            if stopped:
                raise stopped[0]
            signals.check()  # a signal during the last block: the run was stopped all the same
    except Interrupted as stop:
        result.interrupted = stop
        result.report.partial = True
    finally:
        if writer is not None:
            writer.close()
    validator.add_hints(result.report)  # did-you-mean only for the groups the report keeps
    result.bytes_read = consumed_before
    result.seconds = time.perf_counter() - started
    return result


def _chain(first: Block | None, second: Block | None, rest: Iterator[Block]) -> Iterator[Block]:
    if first is not None:
        yield first
    if second is not None:
        yield second
        yield from rest


def _run_pool(
    validator: Validator,
    jobs: int,
    split: bool,
    blocks: Iterator[Block],
    take: Callable[[BlockResult], None],
    signals: Interrupts,
) -> None:
    """Validate ``blocks`` with ``jobs - 1`` worker processes and this one: every ``jobs``-th block is this
    process's own (a core of ``jobs`` is not left to a parent that only waits), validated while a worker's
    result is not ready yet; results are merged in input order.  A pool broken while a signal was noted
    (or one comes within :data:`SIGNAL_GRACE`) interrupts the run: the blocks merged are its report."""
    from concurrent.futures.process import BrokenProcessPool

    window: deque[_Pending] = deque()
    pool = start_pool(jobs - 1, _init_worker, (validator, os.getpid()))

    def take_first() -> None:
        first = window[0]
        while first.future is not None and not first.future.done():
            own = next((item for item in window if item.block is not None), None)
            if own is None:
                break
            own.run(validator, split)  # this process's next block, while the worker's is not ready
        take(window.popleft().result(validator, split))

    try:
        for index, block in enumerate(blocks):
            if index % jobs == jobs - 1:
                window.append(_Pending(block=block))
            else:
                window.append(_Pending(future=submit(pool, _work, block, split)))
            if len(window) >= 2 * jobs:
                take_first()
        while window:
            take_first()
    except BrokenProcessPool as exc:
        stop_pool(pool)
        noted = signals.noted_within(SIGNAL_GRACE)
        if noted is not None:  # a worker ended as the process group was stopped: a stop, not a failure
            raise Interrupted(noted) from None
        raise CdpctlError(f"a worker process died ({exc}); try fewer --jobs or --jobs 1") from exc
    except BaseException:  # interrupted (or failed): the workers end now, not after their queue
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


@dataclass
class _Pending:
    """A block handed out and not merged yet: a worker's (``future``) or this process's own (``block``
    until validated, then ``done``)."""

    future: Future[BlockResult] | None = None
    block: Block | None = None
    done: BlockResult | None = None

    def run(self, validator: Validator, split: bool) -> None:
        assert self.block is not None
        self.done, self.block = run_block(validator, self.block, split), None

    def result(self, validator: Validator, split: bool) -> BlockResult:
        if self.future is not None:
            return self.future.result()
        if self.done is None:
            self.run(validator, split)
        assert self.done is not None
        return self.done

