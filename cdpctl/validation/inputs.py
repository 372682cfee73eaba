"""Reading event data: NDJSON, arrays, batch payloads, as blocks (paths are listed by :mod:`cdpctl.validation.paths`).

Everything is read in blocks of whole lines, so memory stays flat however large
the input; a record longer than ``max_record`` bytes is skipped while streaming
(an :class:`Oversize` record, never buffered whole; with ``--split`` a stream's
goes to a spool file as it is skipped).  Opening and decompressing
is :mod:`cdpctl.validation.streams`.  A file whose first line is not JSON on its
own (a pretty-printed array, a batch payload, one indented message) is read as
one JSON document instead; a first line that is JSON by itself (an array of
messages too) makes the file NDJSON.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson

from cdpctl.interrupts import Interrupted
from cdpctl.validation.paths import expand_paths
from cdpctl.validation.ranges import LineBlock, Oversize, RangeBlock, Stored, scan_ranges
from cdpctl.validation.streams import (
    READ_SIZE,
    STDIN,
    STDIN_NAME,
    UTF8_BOM,
    InputError,
    Opened,
    Source,
    open_source,
    read_errors,
)

if TYPE_CHECKING:  # --split only: its writer is imported by the run that asks for it
    from cdpctl.validation.split import Spool

BLOCK_SIZE = 4 * 1024 * 1024
"""Bytes per block of lines handed to a validator (the unit of work of ``--jobs``)."""

MAX_RECORD_BYTES = 32 * 1024 * 1024
"""The default ``--max-record-bytes``: a longer line (or document) is one ``record_too_large`` record."""

__all__ = [
    "BLOCK_SIZE",
    "MAX_RECORD_BYTES",
    "Block",
    "Document",
    "InputError",
    "LineBlock",
    "Opened",
    "Oversize",
    "RangeBlock",
    "STDIN",
    "STDIN_NAME",
    "Source",
    "expand_paths",
    "iter_blocks",
    "open_source",
    "overwritten_input",
]


@dataclass(frozen=True)
class Document:
    """A whole JSON document (an array of messages, a batch payload or one message)."""

    file: str
    data: bytes


Block = LineBlock | RangeBlock | Document | Oversize

SpoolFactory = Callable[[], "Spool"]
"""Gives a new spool for the bytes of one record over ``max_record`` (``--split``'s writer's :meth:`spool`)."""


def overwritten_input(sources: list[Source], targets: list[str]) -> str | None:
    """The first of ``targets`` (files about to be written) that is one of the input files, else ``None``."""
    for target in targets:
        for source in sources:
            if source.is_stdin:
                continue
            try:
                if os.path.samefile(source.path, target):
                    return target
            except OSError:  # the target does not exist yet
                continue
    return None


def _first_line_is_json(head: bytes) -> bool | None:
    """Whether the first line of ``head`` is JSON by itself (``None``: ``head`` ends before that line does)."""
    stripped = head.lstrip()
    if not stripped:
        return True
    newline = stripped.find(b"\n")
    first = stripped if newline < 0 else stripped[:newline]
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return None if newline < 0 else False
    return True


def _read(opened: Opened, size: int) -> tuple[bytes, BaseException | None]:
    """Up to ``size`` bytes (``b""`` at the end); a compressed stream a little at a time, its end checked."""
    try:
        if opened.compression is None and opened.regular:
            data: bytes = opened.stream.read(size)
            return data, (None if data else opened.shrunk())
        # a pipe, or a decompressor: one step a call, so a signal or an error loses no byte read before it
        read = getattr(opened.stream, "read1", opened.stream.read)
        chunk: bytes = read(size if opened.compression is None else min(size, READ_SIZE))
    except read_errors() as exc:
        return b"", exc
    except Interrupted as stop:  # the whole lines read before it are still handed out, then it is raised
        return b"", stop
    if not chunk:
        reason = opened.ended_cleanly()
        return b"", (EOFError(reason) if reason is not None else None)
    return chunk, None


def _fill(opened: Opened, pending: bytes, want: int) -> tuple[bytes, bool, BaseException | None]:
    """Read until ``pending`` holds ``want`` bytes: ``(data, eof, error)``; data read before an error is kept."""
    parts = [pending]
    size = len(pending)
    try:
        while size < want:
            chunk, error = _read(opened, want - size)
            if not chunk:
                return b"".join(parts), True, error
            parts.append(chunk)
            size += len(chunk)
    except Interrupted as stop:  # between two reads: what was read is kept all the same
        return b"".join(parts), True, stop
    return b"".join(parts), False, None


def iter_blocks(
    opened: Opened,
    block_size: int = BLOCK_SIZE,
    by_range: bool = False,
    max_record: int = MAX_RECORD_BYTES,
    spool: SpoolFactory | None = None,
) -> Iterator[Block]:
    """The source's content as blocks of whole lines (or one document).

    With ``by_range`` an uncompressed regular file is described by byte ranges
    instead of carrying its bytes (workers read them).  A line longer than
    ``max_record`` bytes is skipped as it streams by (an :class:`Oversize`); with
    ``spool``, the bytes of a record skipped that way (from a stream: a range of a
    file is read again) are written to a spool as they go by.  A read error (a
    damaged or truncated compressed stream) raises :class:`InputError` once
    everything read before it has been yielded.
    """
    name = opened.source.name
    block_size = max(1, min(block_size, max_record))
    pending, eof, error = _fill(opened, b"", block_size)
    skipped = len(UTF8_BOM) if pending.startswith(UTF8_BOM) else 0  # files saved by Windows tools
    pending = pending[skipped:]
    if error is None and pending.lstrip()[:1] in (b"[", b"{") and not _first_line_is_json(pending):
        try:
            document, pending, error = _try_document(opened, pending, max_record)
        except read_errors() as exc:  # one document, cut short: nothing of it can be checked
            raise InputError(f"cannot read '{name}': {exc}") from exc
        if isinstance(document, Oversize):  # read to its end first: its bytes are all spooled when it is handed out
            document, error = _rest_of_document(opened, document, pending, spool)
            if isinstance(error, Interrupted):
                raise error
            if error is not None:  # one document, cut short: no record (as any document or line a read error cuts)
                raise InputError(f"cannot read '{name}': {error}; the document, cut short, was not checked") from error
            yield document
            return
        if document is not None:
            yield document
            return
        if error is not None:  # lines, then a read error: the whole lines before it are checked
            yield from _stream_lines(opened, pending, True, error, block_size, max_record, spool)
            return
    ranged = by_range and opened.compression is None and opened.regular and not opened.source.is_stdin
    if ranged and error is None:
        yield from scan_ranges(opened, block_size, skipped, max_record)
        return
    yield from _stream_lines(opened, pending, eof, error, block_size, max_record, spool)


def _stream_lines(
    opened: Opened,
    pending: bytes,
    eof: bool,
    error: BaseException | None,
    block_size: int,
    max_record: int,
    spool: SpoolFactory | None,
) -> Iterator[Block]:
    name = opened.source.name
    unchecked = 0  # the bytes of a line a read error cut: not a record, never checked
    while True:
        if not eof and len(pending) < block_size:
            pending, eof, error = _fill(opened, pending, block_size)
            continue
        last = eof and len(pending) <= block_size
        cut = -1 if last else pending.rfind(b"\n", 0, block_size)
        if last and error is not None:  # the lines before the error are whole; what follows the last one is cut
            cut = pending.rfind(b"\n")
            unchecked += len(pending[cut + 1 :].strip())
            pending = pending[: cut + 1]
            last = cut < 0
        if cut >= 0:
            yield LineBlock(name, pending[: cut + 1])
            pending = pending[cut + 1 :]
            continue
        if last:
            if pending:
                yield LineBlock(name, pending)
            break
        # the first line is longer than a block: read on to its end (or skip it, past max_record)
        record, pending, eof, error = _long_line(opened, pending, eof, error, max_record, spool)
        if error is not None and isinstance(record, LineBlock) and not record.data.endswith(b"\n"):
            unchecked += len(record.data.strip())
            continue
        if error is not None and isinstance(record, Oversize) and not record.newline:  # cut too: no record
            unchecked += record.size
            continue
        yield record
    if isinstance(error, Interrupted):  # a signal while waiting for input: the whole lines were handed out
        raise error
    if error is not None:
        cut_short = f"; its last line, cut short ({unchecked:,} bytes), was not checked" if unchecked else ""
        raise InputError(f"cannot read '{name}': {error}{cut_short}") from error


def _long_line(
    opened: Opened, pending: bytes, eof: bool, error: BaseException | None, max_record: int, spool: SpoolFactory | None
) -> tuple[LineBlock | Oversize, bytes, bool, BaseException | None]:
    """The first line of ``pending`` read to its end: ``(record, rest, eof, error)``.

    Its parts are kept only while it is within ``max_record`` bytes; past that it
    is only counted (and, with ``spool``, written to a spool a read at a time), so
    memory stays within ``max_record`` plus one read.
    """
    name = opened.source.name
    parts: list[bytes] | None = []
    kept: Spool | None = None
    size = 0
    chunk = pending
    while True:
        newline = chunk.find(b"\n")
        piece = chunk if newline < 0 else chunk[:newline]
        size += len(piece)
        if parts is not None and size > max_record:  # too long: from here on only counted (and spooled)
            if spool is not None:
                kept = spool()
                for part in parts:
                    kept.write(part)
            parts = None
        if parts is not None:
            parts.append(piece)
        elif kept is not None:
            kept.write(piece)
        if newline >= 0 or eof:
            rest = chunk[newline + 1 :] if newline >= 0 else b""
            if parts is None:
                return Oversize(name, size, newline >= 0, _stored(kept)), rest, eof, error
            if newline >= 0:
                parts.append(b"\n")
            return LineBlock(name, b"".join(parts)), rest, eof, error
        chunk, error = _read(opened, READ_SIZE)
        eof = not chunk


def _stored(kept: Spool | None, line_ends: bool = True) -> Stored | None:
    return kept.stored(line_ends) if kept is not None else None


def _rest_of_document(
    opened: Opened, oversize: Oversize, head: bytes, spool: SpoolFactory | None
) -> tuple[Oversize, BaseException | None]:
    """Read the rest of an input that is one oversized document without keeping it (with ``spool``, written
    to a spool from its start, ``head``, on): the record, and the error that ended the reading (``None``: none)."""
    kept = spool() if spool is not None else None
    if kept is not None:
        kept.write(head)
    while True:
        chunk, error = _read(opened, READ_SIZE)
        if error is not None or not chunk:
            # a document that does not parse is written without the line ends that close it
            return Oversize(oversize.file, oversize.size, oversize.newline, _stored(kept, False)), error
        if kept is not None:
            kept.write(chunk)


def _looks_like_lines(data: bytes) -> bool:
    """Whether one of the lines after the first parses by itself (the input is NDJSON after a broken first line)."""
    for line in data.split(b"\n", 6)[1:6]:
        if not line.strip():
            continue
        try:
            orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        return True
    return False


def _try_document(
    opened: Opened, head: bytes, limit: int
) -> tuple[Document | Oversize | None, bytes, BaseException | None]:
    """The whole input as one JSON document if it is one; else ``None``, the bytes read so far and the read
    error that ended them (lines before a damaged stretch of a compressed file: they are still records).
    An :class:`Oversize` comes with the bytes read so far, the start of the document.

    An input past ``limit`` bytes is a document too large (an :class:`Oversize`)
    unless its next lines are JSON by themselves (NDJSON after a broken first line).
    A read error raises when what was read is not lines (a document cut short).
    """
    parts = [head]
    total = len(head)
    while total <= limit:
        chunk, error = _read(opened, BLOCK_SIZE)
        if error is not None:
            data = b"".join(parts)
            if _first_line_is_json(data) or _looks_like_lines(data):
                return None, data, error
            raise error
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    data = b"".join(parts)
    lines = _first_line_is_json(data) or _looks_like_lines(data)
    if total > limit:  # too large to be tried whole: one oversized document when it starts like a pretty one
        pretty = data.lstrip().split(b"\n", 1)[0].strip() in (b"[", b"{")
        return (Oversize(opened.source.name, total, False), data, None) if pretty and not lines else (None, data, None)
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        if lines or data.lstrip()[:1] != b"[":  # NDJSON with a broken first line: every line a record
            return None, data, None
    return Document(opened.source.name, data), b"", None  # a document (or one malformed document)
