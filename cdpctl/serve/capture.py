"""``--capture FILE``: every received message appended to an NDJSON file ``cdpctl validate`` reads.

One message a line, compact JSON, in the order received (one that is not an object, or that reads as a
batch payload, inside ``[...]``: the replay reads it as the one message it was).  A body that is not
JSON is written as one line too (its line breaks replaced by NUL bytes, which
keeps it unparseable), so replaying the file gives the same summary: the
same events, valid, invalid and malformed counts.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO


class CaptureFailed(Exception):
    """The lines of a request could not be written (disk full, file too large...); none of them was kept."""


COMPRESSED_MAGIC = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd")


def malformed_line(raw: bytes) -> bytes:
    """A non-JSON body as one capture line that still does not parse (and is not mistaken for compression)."""
    line = raw.replace(b"\r", b"\x00").replace(b"\n", b"\x00")
    if not line.strip() or line.startswith(COMPRESSED_MAGIC):
        line = b"\x00" + line
    return line


def message_line(message: Any, raw: bytes) -> bytes:
    """A message's capture line: its bytes; wrapped in ``[...]`` when ``cdpctl validate`` would otherwise read
    the line as several messages or none (a JSON array, a batch payload), so the replay sees this one message."""
    if isinstance(message, list) or (
        isinstance(message, dict) and "type" not in message and isinstance(message.get("batch"), list)
    ):
        return b"[" + raw + b"]"
    return raw


def _is_null(path: Path) -> bool:
    """Whether ``path`` is the null device (``--capture /dev/null`` turns a configured capture off)."""
    try:
        return os.path.samefile(path, os.devnull)
    except OSError:
        return False


def _count_lines(path: Path) -> int:
    """Lines already in ``path`` (a last line without a newline counts, and gets one on the next write)."""
    count = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (0 if last == b"\n" else 1)


@dataclass
class CaptureWriter:
    """Appends lines to the capture file; :attr:`line` is the number of the last line written."""

    path: Path
    line: int = 0
    _handle: BinaryIO | None = field(default=None, init=False, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> CaptureWriter:
        """Open ``path`` for appending (creating it), continuing its line numbering; raises OSError."""
        target = Path(path)
        writer = cls(target)
        if target.exists() and not target.is_file() and not _is_null(target):  # a FIFO waited, a device was read for ever
            raise OSError(errno.EINVAL, "not a regular file (a capture is appended to a file, its lines counted)", str(target))
        existing = _count_lines(target) if target.is_file() else 0
        handle = target.open("ab")
        if existing and target.stat().st_size:
            with target.open("rb") as check:
                check.seek(-1, 2)
                if check.read(1) != b"\n":
                    handle.write(b"\n")
        writer.line = existing
        writer._handle = handle
        return writer

    def write(self, line: bytes) -> int:
        """Append one line (without its newline); returns its line number."""
        assert self._handle is not None, "capture file is closed"
        self._handle.write(line + b"\n")
        self.line += 1
        return self.line

    def write_lines(self, lines: Sequence[bytes]) -> int:
        """Append the lines of one request all at once, written through to the file; returns the first's number.

        On any write error the file is cut back to where it was and :class:`CaptureFailed` is
        raised: a request's messages are captured whole or not at all, so the collector can
        answer 503 (retry) and never keep half a batch.
        """
        assert self._handle is not None, "capture file is closed"
        fd = self._handle.fileno()
        start = os.lseek(fd, 0, os.SEEK_END)
        data = memoryview(b"".join(line + b"\n" for line in lines))
        try:
            self._handle.flush()
            while data:
                written = os.write(fd, data)
                data = data[written:]
        except OSError as exc:
            with suppress(OSError):  # cut back what was written of this request
                os.ftruncate(fd, start)
            raise CaptureFailed(f"cannot write to the capture file: {exc.strerror or exc}") from exc
        first = self.line + 1
        self.line += len(lines)
        return first

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.flush()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
