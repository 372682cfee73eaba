"""Blocks of lines, and byte ranges of whole lines of a regular file found with positioned reads.

Workers read their ranges themselves: only the end of each range is read, to find its last newline; no bytes are
joined, sliced or carried.  A line longer than ``--max-record-bytes`` is never read whole: its range becomes an
:class:`Oversize` record (``--split`` copies it from the file by range).  A file that turns out shorter than when
its scan started (truncated while read) is an :class:`InputError`, never a short block or a long line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cdpctl.validation.streams import InputError, Opened, changed_while_read

TAIL_WINDOW = 64 * 1024
"""Bytes read at the end of a byte range to find its last newline."""


@dataclass(frozen=True)
class RangeBlock:
    """Whole lines of an uncompressed file, by byte range (a worker reads them itself)."""

    file: str
    path: str
    offset: int
    length: int

    def read(self) -> LineBlock:
        """The lines of the range; raises :class:`InputError` when the file no longer holds them all (it
        was truncated since it was scanned: nothing of the range is checked)."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read(self.length)
        except OSError as exc:
            raise InputError(f"cannot read '{self.file}': {exc.strerror or exc}") from exc
        if len(data) < self.length:
            end = self.offset + len(data)
            raise InputError(f"cannot read '{self.file}': {changed_while_read(end, self.offset + self.length)}")
        return LineBlock(self.file, data)


@dataclass(frozen=True)
class LineBlock:
    """Whole lines of NDJSON (``data`` holds them, newline-separated).

    Blocks do not know their first line's number: counting the lines of every
    earlier block would cost a pass over the data.  Whoever validates a block
    numbers its lines from 1 and reports how many it had; the runner, which
    merges the results in input order, moves each block's line numbers on.
    """

    file: str
    data: bytes


@dataclass(frozen=True)
class Stored:
    """Where the bytes of an :class:`Oversize` record are, for ``--split`` to copy them a chunk at a time:
    ``length`` bytes at ``offset`` of the input file ``path`` (read again by range), or of the split writer's
    spool number ``spool`` (a stream's record, written there as the reader skipped it)."""

    length: int
    path: str | None = None
    offset: int = 0
    spool: int = -1


@dataclass(frozen=True)
class Oversize:
    """One record longer than ``--max-record-bytes``, skipped unread (``size`` bytes, ``newline``: it ended with one).

    ``stored`` says where its bytes can be read again for ``--split`` (``None``: nowhere, no ``--split``)."""

    file: str
    size: int
    newline: bool
    stored: Stored | None = None


def scan_ranges(opened: Opened, block_size: int, start: int, max_record: int) -> Iterator[RangeBlock | Oversize]:
    """Ranges of about ``block_size`` ending at a newline, from ``start``; the file's size when the scan
    starts bounds it (a log still being written is read up to there)."""
    try:
        handle = open(opened.source.path, "rb", buffering=0)  # noqa: SIM115  # a regular file: opened again safely
        size = os.fstat(handle.fileno()).st_size
    except OSError as exc:
        raise InputError(f"cannot read '{opened.source.name}': {exc.strerror or exc}") from exc
    return _ranges(handle, opened, block_size, start, size, max_record)


class _Shrunk(Exception):
    """A positioned read returned less than the file held when the scan started (it was truncated)."""

    def __init__(self, end: int) -> None:
        super().__init__(end)
        self.end = end


def _last_newline(fd: int, start: int, end: int) -> int:
    """The offset of the last newline in ``[start, end)`` of a file, else -1 (read backwards, a window at a time)."""
    window = TAIL_WINDOW
    high = end
    while high > start:
        low = max(start, high - window)
        window_bytes = os.pread(fd, high - low, low)
        if len(window_bytes) < high - low:
            raise _Shrunk(low + len(window_bytes))
        found = window_bytes.rfind(b"\n")
        if found >= 0:
            return low + found
        high = low
        window *= 2
    return -1


def _next_newline(fd: int, start: int, size: int, step: int) -> int:
    """The offset of the first newline at or after ``start`` before ``size``, else -1."""
    position = start
    while position < size:
        want = min(step, size - position)
        chunk = os.pread(fd, want, position)
        if len(chunk) < want:
            raise _Shrunk(position + len(chunk))
        found = chunk.find(b"\n")
        if found >= 0:
            return position + found
        position += len(chunk)
    return -1


def _ranges(
    handle: BinaryIO, opened: Opened, block_size: int, start: int, size: int, max_record: int
) -> Iterator[RangeBlock | Oversize]:
    name = opened.source.name
    path = opened.source.path
    fd = handle.fileno()
    offset = start
    try:
        while offset < size:
            if size - offset <= block_size:
                opened.counter.count = size
                yield RangeBlock(name, path, offset, size - offset)
                return
            cut = _last_newline(fd, offset, offset + block_size)
            if cut >= 0:
                length = cut + 1 - offset
                opened.counter.count = offset + length
                yield RangeBlock(name, path, offset, length)
                offset += length
                continue
            # one line longer than a block: it alone makes the range (or an Oversize record)
            cut = _next_newline(fd, offset + block_size, size, block_size)
            end = size if cut < 0 else cut + 1
            line = (size if cut < 0 else cut) - offset
            opened.counter.count = end
            if line > max_record:
                yield Oversize(name, line, cut >= 0, Stored(line, path, offset))
            else:
                yield RangeBlock(name, path, offset, end - offset)
            offset = end
    except _Shrunk as exc:
        raise InputError(f"cannot read '{name}': {changed_while_read(exc.end, size)}") from None
    except OSError as exc:
        raise InputError(f"cannot read '{name}': {exc.strerror or exc}") from exc
    finally:
        handle.close()
