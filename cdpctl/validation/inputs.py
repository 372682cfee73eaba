"""Reading event data: paths, directories, globs and stdin; gzip and zstd; NDJSON, arrays, batch payloads.

Everything is read in blocks of whole lines, so memory stays flat however large
the input.  Compression is detected from the first bytes, not the file name.  A
file whose first line is not JSON on its own (a pretty-printed array, a batch
payload, one indented message) is read as one JSON document instead.
"""

from __future__ import annotations

import glob
import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import orjson

from cdpctl.errors import CdpctlError

BLOCK_SIZE = 4 * 1024 * 1024
"""Bytes per block of lines handed to a validator (the unit of work of ``--jobs``)."""

DOCUMENT_LIMIT = 256 * 1024 * 1024
"""Largest input tried as one JSON document when its first line is not JSON by itself."""

READ_SIZE = 256 * 1024
"""Bytes asked of a stream at a time: a damaged compressed stream loses at most this much before the error."""

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
DATA_SUFFIXES = (".ndjson", ".jsonl", ".json", ".log")
COMPRESSED_SUFFIXES = ("", ".gz", ".gzip", ".zst", ".zstd")
STDIN = "-"
STDIN_NAME = "<stdin>"


class InputError(CdpctlError):
    """An input cannot be found or read (exit status 2)."""


@dataclass(frozen=True)
class Source:
    """One input: a file path, or ``-`` for standard input."""

    path: str

    @property
    def name(self) -> str:
        """How reports name it."""
        return STDIN_NAME if self.path == STDIN else self.path

    @property
    def is_stdin(self) -> bool:
        return self.path == STDIN

    def size(self) -> int | None:
        if self.is_stdin:
            return None
        try:
            return os.path.getsize(self.path)
        except OSError:
            return None


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
class RangeBlock:
    """Whole lines of an uncompressed file, by byte range (a worker reads them itself)."""

    file: str
    path: str
    offset: int
    length: int

    def read(self) -> LineBlock:
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            return LineBlock(self.file, handle.read(self.length))


@dataclass(frozen=True)
class Document:
    """A whole JSON document (an array of messages, a batch payload or one message)."""

    file: str
    data: bytes


Block = LineBlock | RangeBlock | Document


def _is_data_file(path: Path) -> bool:
    name = path.name.lower()
    if name.startswith("."):
        return False
    return any(name.endswith(data + comp) for data in DATA_SUFFIXES for comp in COMPRESSED_SUFFIXES)


def expand_paths(paths: list[str]) -> list[Source]:
    """Sources for the paths given: files as they are, directories' data files (recursively), globs, ``-``.

    Raises :class:`InputError` for a path that does not exist or a glob that matches nothing.
    """
    if not paths:
        return [Source(STDIN)]
    sources: list[Source] = []
    for given in paths:
        if given == STDIN:
            sources.append(Source(STDIN))
            continue
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_data_file(p))
            sources.extend(Source(str(p)) for p in found)
            continue
        if path.exists():
            sources.append(Source(given))
            continue
        if glob.has_magic(given):
            matches = sorted(glob.glob(given, recursive=True))
            files = [m for m in matches if os.path.isfile(m)]
            for match in matches:
                if os.path.isdir(match):
                    files.extend(str(p) for p in sorted(Path(match).rglob("*")) if p.is_file() and _is_data_file(p))
            if not files:
                raise InputError(f"no file matches '{given}'")
            sources.extend(Source(f) for f in files)
            continue
        raise InputError(f"cannot read '{given}': no such file or directory")
    return sources


class _Counting(io.RawIOBase):
    """Counts the bytes read from the underlying (compressed) stream, for the progress bar."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n: int = self.raw.readinto(buffer) or 0  # type: ignore[attr-defined]  # straight into the caller's buffer
        self.count += n
        return n


@dataclass
class Opened:
    """An open source: the decompressed stream, its compression, and the raw stream (for progress)."""

    source: Source
    stream: BinaryIO
    compression: str | None
    counter: _Counting

    def consumed(self) -> int:
        return self.counter.count


class _Utf16AsUtf8(io.RawIOBase):
    """A UTF-16 byte stream (with its byte order mark) read as UTF-8 bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._text = io.TextIOWrapper(raw, encoding="utf-16", errors="replace", newline="")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._text.read(READ_SIZE // 2)
            if not chunk:
                return 0
            self._pending = chunk.encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def open_source(source: Source) -> Opened:
    """Open a source, decompressing gzip or zstd when its first bytes say so."""
    try:
        raw: BinaryIO = sys.stdin.buffer if source.is_stdin else open(source.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read '{source.path}': {exc.strerror or exc}") from exc
    counter = _Counting(raw)
    buffered = io.BufferedReader(counter, buffer_size=1024 * 1024)
    try:
        magic = buffered.peek(4)[:4]
    except OSError as exc:
        raise InputError(f"cannot read '{source.name}': {exc.strerror or exc}") from exc
    if magic.startswith(GZIP_MAGIC):
        stream: BinaryIO = io.BufferedReader(gzip.GzipFile(fileobj=buffered, mode="rb"), buffer_size=1024 * 1024)
        return Opened(source, stream, "gzip", counter)
    if magic.startswith(ZSTD_MAGIC):
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
        return Opened(source, io.BufferedReader(reader, buffer_size=1024 * 1024), "zstd", counter)
    if magic.startswith(UTF16_BOMS):  # text saved as UTF-16 (PowerShell's '>' does): read it as UTF-8
        return Opened(source, io.BufferedReader(_Utf16AsUtf8(buffered), buffer_size=1024 * 1024), "utf-16", counter)
    return Opened(source, buffered, None, counter)


UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


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


def _read_errors() -> tuple[type[BaseException], ...]:
    import zstandard

    return (OSError, EOFError, zlib.error, zstandard.ZstdError)


def _first_line_is_json(head: bytes) -> bool:
    stripped = head.lstrip()
    if not stripped:
        return True
    newline = stripped.find(b"\n")
    first = stripped if newline < 0 else stripped[:newline]
    try:
        orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return True


def _fill(opened: Opened, pending: bytes, want: int) -> tuple[bytes, bool, BaseException | None]:
    """Read until ``pending`` holds ``want`` bytes: ``(data, eof, error)``; data read before an error is kept.

    A compressed stream is read a little at a time (a damaged one loses at most
    that much before the error); plain data in one read of what is missing.
    """
    if opened.compression is None:
        try:
            chunk = opened.stream.read(want - len(pending)) if want > len(pending) else b""
        except OSError as exc:
            return pending, True, exc
        if not chunk:
            return pending, want > len(pending), None
        data = pending + chunk if pending else chunk
        return data, len(data) < want, None
    read = getattr(opened.stream, "read1", opened.stream.read)
    parts = [pending]
    size = len(pending)
    try:
        while size < want:
            chunk = read(min(want - size, READ_SIZE))
            if not chunk:
                return b"".join(parts), True, None
            parts.append(chunk)
            size += len(chunk)
    except _read_errors() as exc:
        return b"".join(parts), True, exc
    return b"".join(parts), False, None


def iter_blocks(opened: Opened, block_size: int = BLOCK_SIZE, by_range: bool = False) -> Iterator[Block]:
    """The source's content as blocks of whole lines (or one document).

    With ``by_range`` an uncompressed file is described by byte ranges instead of
    carrying its bytes (workers read them).  A read error (a damaged compressed
    stream) raises :class:`InputError` once everything read before it has been yielded.
    """
    name = opened.source.name
    pending, eof, error = _fill(opened, b"", block_size)
    skipped = len(UTF8_BOM) if pending.startswith(UTF8_BOM) else 0  # files saved by Windows tools
    pending = pending[skipped:]
    stripped = pending.lstrip()
    if error is None and (stripped[:1] == b"[" or (stripped[:1] == b"{" and not _first_line_is_json(pending))):
        try:
            document, pending = _try_document(opened, pending)
        except _read_errors() as exc:
            raise InputError(f"cannot read '{name}': {exc}") from exc
        if document is not None:
            yield document
            return
    ranged = by_range and opened.compression is None and not opened.source.is_stdin
    if ranged and error is None:
        scanned = _scan_ranges(opened, block_size, skipped)
        if scanned is not None:
            yield from scanned
            return
    offset = skipped
    while True:
        if not eof and len(pending) < block_size:
            pending, eof, error = _fill(opened, pending, block_size)
            continue
        cut = pending.rfind(b"\n", 0, block_size)
        if cut < 0:
            cut = pending.find(b"\n")
        if cut < 0 and not eof:  # one line longer than a block: read on until it ends
            pending, eof, error = _fill(opened, pending, len(pending) + block_size)
            continue
        if cut < 0 or (eof and len(pending) <= block_size):
            if pending:
                yield _block(name, pending, ranged, opened, offset)
            if error is not None:
                raise InputError(f"cannot read '{name}': {error}") from error
            return
        block, pending = pending[: cut + 1], pending[cut + 1 :]
        yield _block(name, block, ranged, opened, offset)
        offset += len(block)


def _scan_ranges(opened: Opened, block_size: int, start: int) -> Iterator[RangeBlock] | None:
    """Byte ranges of whole lines of a regular file, found with positioned reads (``None``: not a regular file).

    Only the end of each range is read, to find its last newline; no bytes are
    joined, sliced or carried: the workers read their ranges themselves.  The file's size when the scan
    starts bounds it (a log still being written is read up to there).
    """
    path = opened.source.path
    try:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115
    except OSError:
        return None
    try:
        info = os.fstat(handle.fileno())
    except OSError:
        handle.close()
        return None
    if not stat.S_ISREG(info.st_mode):
        handle.close()
        return None
    return _ranges(handle, opened, block_size, start, info.st_size)


TAIL_WINDOW = 64 * 1024
"""Bytes read at the end of a byte range to find its last newline."""


def _last_newline(fd: int, start: int, end: int) -> int:
    """The offset of the last newline in ``[start, end)`` of a file, else -1 (read backwards, a window at a time)."""
    window = TAIL_WINDOW
    high = end
    while high > start:
        low = max(start, high - window)
        found = os.pread(fd, high - low, low).rfind(b"\n")
        if found >= 0:
            return low + found
        high = low
        window *= 2
    return -1


def _next_newline(fd: int, start: int, size: int, step: int) -> int:
    """The offset of the first newline at or after ``start``, else the file's last byte."""
    position = start
    while position < size:
        chunk = os.pread(fd, step, position)
        if not chunk:
            break
        found = chunk.find(b"\n")
        if found >= 0:
            return position + found
        position += len(chunk)
    return size - 1


def _ranges(handle: BinaryIO, opened: Opened, block_size: int, start: int, size: int) -> Iterator[RangeBlock]:
    """Byte ranges of about ``block_size`` ending at a newline; only the end of each range is read here."""
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
            if cut < 0:  # one line longer than a block: it ends the range
                cut = _next_newline(fd, offset + block_size, size, block_size)
            length = cut + 1 - offset
            opened.counter.count = offset + length
            yield RangeBlock(name, path, offset, length)
            offset += length
    except OSError as exc:
        raise InputError(f"cannot read '{name}': {exc.strerror or exc}") from exc
    finally:
        handle.close()


def _block(name: str, data: bytes, ranged: bool, opened: Opened, offset: int) -> Block:
    if ranged:
        return RangeBlock(name, opened.source.path, offset, len(data))
    return LineBlock(name, data)


def _try_document(opened: Opened, head: bytes) -> tuple[Document | None, bytes]:
    """The whole input as one JSON document if it is one; else ``None`` and the bytes read so far."""
    parts = [head]
    total = len(head)
    while total <= DOCUMENT_LIMIT:
        chunk = opened.stream.read(BLOCK_SIZE)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    data = b"".join(parts)
    if total > DOCUMENT_LIMIT:
        return None, data
    if data.lstrip()[:1] == b"[":
        return Document(opened.source.name, data), b""
    try:
        orjson.loads(data)
    except orjson.JSONDecodeError:
        return None, data
    return Document(opened.source.name, data), b""
