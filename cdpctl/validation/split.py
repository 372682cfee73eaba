"""``--split DIR``: every record into ``valid.ndjson``, ``invalid.ndjson`` (annotated) or ``malformed.txt``.

A record over ``--max-record-bytes`` is never held in memory: a regular file's is copied from the file by its
byte range, a stream's goes to a :class:`Spool` (an unnamed temporary file in ``DIR``) as the reader skips it;
either is copied into ``malformed.txt`` a chunk at a time in its turn, after the blocks read before it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any, BinaryIO

from cdpctl.errors import UsageError
from cdpctl.validation.engine import Sink
from cdpctl.validation.jsonread import dump_json
from cdpctl.validation.ranges import Oversize, Stored
from cdpctl.validation.streams import READ_SIZE, changed_while_read
from cdpctl.validation.violations import Violation

VALID_FILE = "valid.ndjson"
INVALID_FILE = "invalid.ndjson"
MALFORMED_FILE = "malformed.txt"


def annotate(message: Any, violations: list[Violation]) -> dict[str, Any]:
    """The message with its violations under ``context.violations`` (as Segment annotates them).

    A ``context`` that is not an object is kept under ``context.original``; a
    message that is not an object is kept under ``message``.
    """
    found = [violation.to_json() for violation in violations]
    if not isinstance(message, dict):
        return {"message": message, "context": {"violations": found}}
    annotated = dict(message)
    context = message.get("context")
    if isinstance(context, dict):
        annotated["context"] = {**context, "violations": found}
    elif context is None:
        annotated["context"] = {"violations": found}
    else:
        annotated["context"] = {"original": context, "violations": found}
    return annotated


@dataclass
class SplitParts:
    """The three streams of one block, ready to append (each line ends with a newline)."""

    valid: bytes = b""
    invalid: bytes = b""
    malformed: bytes = b""
    oversize: Oversize | None = None
    """A record over ``--max-record-bytes`` (its block's only record): copied to ``malformed.txt`` from where it is stored."""


class Spool:
    """The bytes of one stream's record over ``--max-record-bytes``, written as the reader skips them (never held
    whole) to an unnamed temporary file beside the split files; the writer copies them in the record's turn."""

    def __init__(self, number: int, handle: BinaryIO, target: str) -> None:
        self.number = number
        self.handle = handle
        self.target = target
        """The file the record goes to, named when a write fails (a full disk)."""
        self.size = 0
        self.trailing = 0
        """CR and LF bytes at the end of what was written so far."""

    def write(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.handle.write(data)
        except OSError as exc:
            raise write_error(self.target, exc) from exc
        self.size += len(data)
        kept = len(data.rstrip(b"\r\n"))
        self.trailing = len(data) - kept if kept else self.trailing + len(data)

    def stored(self, line_ends: bool = True) -> Stored:
        """Where the record is: every byte written (without ``line_ends``: less the CR and LF bytes that end
        them, as a document that does not parse is written)."""
        return Stored(self.size if line_ends else self.size - self.trailing, spool=self.number)


@dataclass
class BufferSink(Sink):
    """Collects one block's records in memory (a worker hands them back with its report)."""

    valid_lines: list[bytes] = field(default_factory=list)
    invalid_lines: list[bytes] = field(default_factory=list)
    malformed_lines: list[bytes] = field(default_factory=list)

    def valid(self, raw: bytes) -> None:
        self.valid_lines.append(raw)

    def invalid(self, message: Any, violations: list[Violation]) -> None:
        self.invalid_lines.append(dump_json(annotate(message, violations)))  # integers beyond 64 bits as read

    def malformed(self, raw: bytes) -> None:
        self.malformed_lines.append(raw)

    def parts(self) -> SplitParts:
        def joined(lines: list[bytes]) -> bytes:
            return b"".join(line + b"\n" for line in lines)

        return SplitParts(joined(self.valid_lines), joined(self.invalid_lines), joined(self.malformed_lines))


class SplitWriter:
    """The three files of ``--split DIR`` (created, or truncated when they exist)."""

    def __init__(self, directory: str) -> None:
        root = Path(directory)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except FileExistsError as exc:  # mkdir: a file stands where the folder should be
            what = "a link to nothing" if os.path.islink(exc.filename or directory) else "a file"
            raise UsageError(f"cannot write to '{directory}': '{exc.filename}' is {what}, not a folder") from exc
        except OSError as exc:
            raise UsageError(f"cannot write to '{directory}': {exc.strerror or exc}") from exc
        targets = [root / name for name in (VALID_FILE, INVALID_FILE, MALFORMED_FILE)]
        for target in targets:  # all three checked before any is emptied
            if os.path.islink(target):  # written through, it emptied or made a file outside the folder
                raise UsageError(f"cannot write to '{target}': a symbolic link (the split files are written in the folder only)")
            if os.path.exists(target) and not os.path.isfile(target):
                raise UsageError(f"cannot write to '{target}': not a regular file (a folder, a FIFO or a device)")
            if os.path.isfile(target) and os.stat(target).st_nlink > 1:  # emptying it empties the file it is linked to
                raise UsageError(f"cannot write to '{target}': it has other names (a hard link to another file)")
        opened: list[BinaryIO] = []
        try:
            for target in targets:
                opened.append(_open_regular(target))
        except OSError as exc:
            for handle in opened:
                handle.close()
            raise UsageError(f"cannot write to '{exc.filename or directory}': {exc.strerror or exc}") from exc
        self.files: tuple[BinaryIO, BinaryIO, BinaryIO] = (opened[0], opened[1], opened[2])
        self.paths = tuple(str(target) for target in targets)
        """Each file's path, named when a write fails (a file opened from a descriptor has its number for a name)."""
        self.root = root
        self._spools: dict[int, Spool] = {}
        self._numbers = count()

    def spool(self) -> Spool:
        """A new spool for a stream's record over ``--max-record-bytes`` (copied and closed by :meth:`write`)."""
        try:
            handle = tempfile.TemporaryFile(dir=self.root)  # noqa: SIM115  # unnamed where the OS allows: nothing left behind
        except OSError as exc:
            raise write_error(self.paths[2], exc) from exc
        spool = Spool(next(self._numbers), handle, self.paths[2])
        self._spools[spool.number] = spool
        return spool

    def write(self, parts: SplitParts) -> tuple[str, str] | None:
        """Append one block's lines (a failed write, a full disk, is a :class:`UsageError` naming the file);
        returns the input an oversize record could not be read again from, and why (``None``: it was)."""
        for index, data in enumerate((parts.valid, parts.invalid, parts.malformed)):
            if data:
                self._write(index, data)
        if parts.oversize is not None and parts.oversize.stored is not None:
            problem = self._copy(parts.oversize.file, parts.oversize.stored)
            return (parts.oversize.file, problem) if problem is not None else None
        return None

    def _write(self, index: int, data: bytes) -> None:
        try:
            self.files[index].write(data)
        except OSError as exc:
            raise write_error(self.paths[index], exc) from exc

    def _copy(self, file: str, stored: Stored) -> str | None:
        """Copy a record's bytes to ``malformed.txt`` a chunk at a time, then its newline; returns why its
        input no longer holds them all (what it held is written, the line still ended)."""
        if stored.path is None:
            source = self._spools.pop(stored.spool).handle
            source.seek(0)
        else:
            try:
                source = open(stored.path, "rb")  # noqa: SIM115  # closed below
            except OSError as exc:
                self._write(2, b"\n")
                return f"cannot read '{file}': {exc.strerror or exc}"
            source.seek(stored.offset)
        problem: str | None = None
        try:
            left = stored.length
            while left:
                chunk = source.read(min(left, READ_SIZE))
                if not chunk:  # the input file was truncated since it was scanned
                    end = stored.offset + stored.length - left
                    problem = f"cannot read '{file}': {changed_while_read(end, stored.offset + stored.length)}"
                    break
                self._write(2, chunk)
                left -= len(chunk)
            self._write(2, b"\n")
        finally:
            source.close()
        return problem

    def close(self) -> None:
        """Close the three files (and the spools of records never copied: an interrupted run); the first
        that cannot be written to the end raises (after all are closed)."""
        for spool in self._spools.values():
            spool.handle.close()
        self._spools.clear()
        failed: tuple[int, OSError] | None = None
        for index, handle in enumerate(self.files):
            try:
                handle.close()
            except OSError as exc:
                if failed is None:
                    failed = index, exc
        if failed is not None:
            index, error = failed
            raise write_error(self.paths[index], error) from error


def write_error(path: str, exc: OSError) -> UsageError:
    """The error of a split file (or a spool for one) that cannot be written: a full disk, a size limit."""
    return UsageError(f"cannot write '{path}': {exc.strerror or exc}")


def _open_regular(target: Path) -> BinaryIO:
    """``target`` opened for writing (created, or emptied), only when it is a regular file: opening a FIFO
    that no one reads would wait for ever, beyond any signal, so it is opened without waiting and refused."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    nofollow = getattr(os, "O_NOFOLLOW", 0)  # a link made after the check is refused too (ELOOP)
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | nonblocking | nofollow, 0o666)
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise OSError(errno.EINVAL, "not a regular file (a FIFO or a device)", str(target))
    if nonblocking:
        os.set_blocking(handle, True)
    return os.fdopen(handle, "wb")
