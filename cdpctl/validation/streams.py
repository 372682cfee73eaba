"""Opening one input: standard input or a file, gzip or zstd found from its first bytes, UTF-16 as UTF-8.

Compression is detected from the content, never the name; a name that says
otherwise (``x.gz`` holding plain text, gzip data in ``x.ndjson``) is read by its
bytes and noted as a warning.  A zstd stream that ends in the middle of a frame
(a truncated download) is an error: the decompressor itself ends such a stream
silently, so :class:`ZstdFrames` follows the frame layout as the compressed
bytes go by (block headers only) and says whether the stream ended cleanly.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from cdpctl.errors import CdpctlError, file_name_text

READ_SIZE = 256 * 1024
"""Bytes asked of a stream at a time: a damaged compressed stream loses at most this much before the error."""

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
GZIP_SUFFIXES = (".gz", ".gzip")
ZSTD_SUFFIXES = (".zst", ".zstd")
STDIN = "-"
STDIN_NAME = "<stdin>"


class InputError(CdpctlError):
    """An input cannot be found or read (exit status 2)."""


@dataclass(frozen=True)
class Source:
    """One input: a file path, or ``-`` for standard input."""

    path: str
    problem: str | None = None
    """Why it cannot be read, found while listing the inputs (an unreadable folder, a broken link): opening
    it raises :class:`InputError` with this message, so the run names it where it would have been read."""

    @property
    def name(self) -> str:
        """How reports name it: bytes of the path that are not UTF-8 (a file system allows them) shown as
        ``\\xNN``, so every report can be written."""
        if self.path == STDIN:
            return STDIN_NAME
        return file_name_text(self.path)

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


class ZstdFrames:
    """Follows the zstd frame layout (RFC 8878) over the compressed bytes, reading headers only.

    :meth:`feed` takes the bytes in order; :attr:`complete` is true when the bytes
    so far end exactly between two frames.  Block contents are skipped by their
    sizes, so the cost is a few operations per 128 KB block.
    """

    def __init__(self) -> None:
        self._header = bytearray()
        self._want = 4  # bytes of header wanted next
        self._state = "magic"
        self._skip = 0
        self._checksum = False
        self.broken: str | None = None

    @property
    def complete(self) -> bool:
        return self.broken is None and self._state == "magic" and not self._header and self._skip == 0

    def feed(self, data: bytes | memoryview) -> None:
        view = memoryview(data)
        while view and self.broken is None:
            if self._skip:
                step = min(self._skip, len(view))
                self._skip -= step
                view = view[step:]
                continue
            take = min(self._want - len(self._header), len(view))
            self._header += view[:take]
            view = view[take:]
            if len(self._header) == self._want:
                self._advance(bytes(self._header))

    def _advance(self, header: bytes) -> None:
        """A whole header of the current state has been read: move to the next state."""
        self._header.clear()
        state = self._state
        if state == "magic":
            if header == ZSTD_MAGIC:
                self._state, self._want = "descriptor", 1
            elif header[1:] == b"\x2a\x4d\x18" and header[0] & 0xF0 == 0x50:  # a skippable frame
                self._state, self._want = "skippable", 4
            else:
                self.broken = "data after the last zstd frame is not a frame"
        elif state == "skippable":
            self._skip = int.from_bytes(header, "little")
            self._state, self._want = "magic", 4
        elif state == "descriptor":
            descriptor = header[0]
            single = bool(descriptor & 0x20)
            self._checksum = bool(descriptor & 0x04)
            content_size = (0 if not single else 1, 2, 4, 8)[descriptor >> 6]
            dictionary = (0, 1, 2, 4)[descriptor & 0x03]
            rest = (0 if single else 1) + dictionary + content_size
            self._state = "block"
            self._want = 3
            self._skip = rest  # the rest of the frame header carries no sizes we need
        elif state == "block":
            value = int.from_bytes(header, "little")
            last, kind, size = value & 1, (value >> 1) & 3, value >> 3
            if kind == 3:
                self.broken = "a zstd block of the reserved type"
                return
            self._skip = 1 if kind == 1 else size
            if last:
                self._state, self._want = "magic", 4
                self._skip += 4 if self._checksum else 0


class _Counting(io.RawIOBase):
    """Counts the bytes read from the underlying (compressed) stream, for the progress bar.

    :meth:`prime` reads the first bytes ahead (a pipe may hand them out one at a
    time) and serves them again first; :meth:`watch` shows every byte to a
    :class:`ZstdFrames`.
    """

    def __init__(self, raw: BinaryIO, wait: Callable[[], None] | None = None) -> None:
        self.raw = raw
        self.count = 0
        self.frames: ZstdFrames | None = None
        self._prefix = b""
        self._wait = wait
        """Called before each read of a pipe or FIFO: returns when it can be read (see :func:`open_source`)."""

    def readable(self) -> bool:
        return True

    def prime(self, want: int) -> bytes:
        """The first ``want`` bytes (fewer at the end of the stream), read now and served again later."""
        parts = []
        size = 0
        while size < want:
            if self._wait is not None:
                self._wait()
            chunk = self.raw.read(want - size)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        self._prefix = b"".join(parts)
        self.count += size
        return self._prefix

    def watch(self, frames: ZstdFrames) -> None:
        frames.feed(self._prefix)
        self.frames = frames

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        if self._wait is not None:
            self._wait()
        n: int = self.raw.readinto(buffer) or 0  # type: ignore[attr-defined]  # straight into the caller's buffer
        self.count += n
        if self.frames is not None and n:
            self.frames.feed(memoryview(buffer)[:n])
        return n


@dataclass
class Opened:
    """An open source: the decompressed stream, its compression, and the raw stream (for progress)."""

    source: Source
    stream: BinaryIO
    compression: str | None
    counter: _Counting
    regular: bool = False
    """A regular file (it can be read again by byte ranges); a pipe, FIFO or terminal is read once."""
    warnings: list[str] = field(default_factory=list)
    size: int = -1
    """The bytes a regular file had to read when it was opened (``-1``: not a regular file)."""

    def consumed(self) -> int:
        return self.counter.count

    def shrunk(self) -> EOFError | None:
        """Why a regular file read to its end holds less than it did when it was opened (``None``: it does not)."""
        if self.size < 0 or self.counter.count >= self.size:
            return None
        return EOFError(changed_while_read(self.counter.count, self.size))

    def ended_cleanly(self) -> str | None:
        """Why the compressed stream, read to its end, is not whole (``None``: it is, or it is not zstd)."""
        frames = self.counter.frames
        if frames is None or frames.complete:
            return None
        return frames.broken or "the zstd stream ends in the middle of a frame (truncated)"


def _raw_stream(source: Source) -> tuple[BinaryIO, bool]:
    """The byte stream of a source and whether it is a regular file."""
    if source.is_stdin:
        stdin = sys.stdin
        if stdin is None:  # started with standard input closed (<&-)
            raise InputError(f"cannot read '{STDIN_NAME}': standard input is closed")
        try:
            raw: BinaryIO = stdin.buffer
            regular = stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
        except (OSError, ValueError, AttributeError) as exc:
            raise InputError(f"cannot read '{STDIN_NAME}': standard input is closed ({exc})") from exc
        return raw, regular
    try:
        raw = open(source.path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read '{source.path}': {exc.strerror or exc}") from exc
    try:
        regular = stat.S_ISREG(os.fstat(raw.fileno()).st_mode)
    except OSError:
        regular = False
    return raw, regular


def changed_while_read(end: int, size: int) -> str:
    """The reason given for a file that turned out shorter than when it was opened or scanned."""
    return (
        f"the file changed while being read: it ends at byte {end:,}, before the {size:,} it had when the run"
        " started (truncated, or rotated with logrotate's copytruncate); the rest was not checked"
    )


def _size_to_read(raw: BinaryIO) -> int:
    """The bytes of a regular file from where it is read (standard input may be redirected from its middle)."""
    try:
        fd = raw.fileno()
        return max(0, os.fstat(fd).st_size - os.lseek(fd, 0, os.SEEK_CUR))
    except (OSError, ValueError):
        return -1


def _unbuffered(raw: BinaryIO, stdin: bool) -> BinaryIO | None:
    """The raw file under ``raw``, nothing read from it yet (``None``: there is none, or it is not a file)."""
    inner = getattr(raw, "raw", None)
    if not isinstance(inner, io.FileIO):
        return None
    if stdin:
        return cast(BinaryIO, inner)  # sys.stdin keeps its own (empty) buffer
    detach = getattr(raw, "detach")  # noqa: B009  # a BufferedReader's, not in BinaryIO
    return cast(BinaryIO, detach())


def name_warning(source: Source, compression: str | None) -> str | None:
    """The warning for a file whose name says another compression than its bytes (``None``: they agree)."""
    if source.is_stdin:
        return None
    name = source.path.lower()
    named = "gzip" if name.endswith(GZIP_SUFFIXES) else "zstd" if name.endswith(ZSTD_SUFFIXES) else None
    found = compression if compression in ("gzip", "zstd") else None
    if named == found:
        return None
    if found is None:
        return f"'{source.path}' is named like a {named} file but is not {named}-compressed: read as it is"
    return f"'{source.path}' is {found}-compressed although its name does not say so: decompressed"


def open_source(source: Source, wait: Callable[[int], None] | None = None) -> Opened:
    """Open a source, decompressing gzip or zstd when its first bytes say so.

    ``wait(fd)``, when given, is called before each read of a pipe, a FIFO or standard input and returns
    when the descriptor can be read (a run's :meth:`~cdpctl.interrupts.Interrupts.wait_readable`: a read
    that may wait for ever stays interruptible); such a source is then read without a buffer of its own."""
    if source.problem is not None:
        raise InputError(source.problem)
    raw, regular = _raw_stream(source)
    size = _size_to_read(raw) if regular else -1
    waiting: Callable[[], None] | None = None
    if wait is not None and not regular:
        unbuffered = _unbuffered(raw, source.is_stdin)
        if unbuffered is not None:
            raw, fd = unbuffered, unbuffered.fileno()
            waiting = lambda: wait(fd)  # noqa: E731
    counter = _Counting(raw, waiting)
    try:
        magic = counter.prime(4)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read '{source.name}': {getattr(exc, 'strerror', None) or exc}") from exc
    _refuse_unsupported(source, magic, raw)
    buffered = io.BufferedReader(counter, buffer_size=1024 * 1024)
    if magic.startswith(GZIP_MAGIC):
        import gzip

        # read through GzipFile.read1 (one decompression step a call), never a buffer that fills itself with
        # many: a damaged member or junk after the last one then raises in a call that returned nothing, and
        # every line decompressed before it is validated
        stream: BinaryIO = gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[assignment]
        opened = Opened(source, stream, "gzip", counter, regular)
    elif magic.startswith(ZSTD_MAGIC):
        import zstandard

        counter.watch(ZstdFrames())
        reader = zstandard.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
        opened = Opened(source, reader, "zstd", counter, regular)  # read1, one step a call (as gzip above)
    elif magic.startswith(UTF16_BOMS):  # text saved as UTF-16 (PowerShell's '>' does): read it as UTF-8
        from cdpctl.validation.utf16 import Utf16AsUtf8

        stream = io.BufferedReader(Utf16AsUtf8(buffered), buffer_size=1024 * 1024)
        opened = Opened(source, stream, "utf-16", counter, regular)
    else:
        opened = Opened(source, buffered, None, counter, regular)
    opened.size = size
    warning = name_warning(source, opened.compression)
    if warning is not None:
        opened.warnings.append(warning)
    return opened


def _refuse_unsupported(source: Source, magic: bytes, raw: BinaryIO) -> None:
    """Raise :class:`InputError` for a compression that is not read (by its first bytes, or by its name
    when its bytes do not start like JSON text): it would be read as lines that are not UTF-8."""
    from cdpctl.validation.unsupported import compression_found, compression_named, not_read

    kind, by_name = compression_found(magic), False
    if kind is None and not source.is_stdin and magic.lstrip()[:1] not in (b"{", b"[", b""):
        kind, by_name = compression_named(source.path), True
    if kind is None:
        return
    if not source.is_stdin:
        raw.close()
    raise InputError(not_read(source.name, kind, by_name))


def read_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged stream raises."""
    import zstandard

    return (OSError, EOFError, zlib.error, zstandard.ZstdError)
