"""``--split DIR``: every record into ``valid.ndjson``, ``invalid.ndjson`` (annotated) or ``malformed.txt``."""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cdpctl.errors import UsageError
from cdpctl.validation.engine import Sink
from cdpctl.validation.jsonread import dump_json
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
            if os.path.exists(target) and not os.path.isfile(target):
                raise UsageError(f"cannot write to '{target}': not a regular file (a folder, a FIFO or a device)")
        opened: list[BinaryIO] = []
        try:
            for target in targets:
                opened.append(_open_regular(target))
        except OSError as exc:
            for handle in opened:
                handle.close()
            raise UsageError(f"cannot write to '{exc.filename or directory}': {exc.strerror or exc}") from exc
        self.files: tuple[BinaryIO, BinaryIO, BinaryIO] = (opened[0], opened[1], opened[2])

    def write(self, parts: SplitParts) -> None:
        """Append one block's lines (a failed write, a full disk, is a :class:`UsageError` naming the file)."""
        for handle, data in zip(self.files, (parts.valid, parts.invalid, parts.malformed), strict=True):
            if data:
                try:
                    handle.write(data)
                except OSError as exc:
                    raise _write_error(handle, exc) from exc

    def close(self) -> None:
        """Close the three files; the first that cannot be written to the end raises (after all are closed)."""
        failed: OSError | None = None
        where: BinaryIO | None = None
        for handle in self.files:
            try:
                handle.close()
            except OSError as exc:
                if failed is None:
                    failed, where = exc, handle
        if failed is not None and where is not None:
            raise _write_error(where, failed) from failed


def _open_regular(target: Path) -> BinaryIO:
    """``target`` opened for writing (created, or emptied), only when it is a regular file: opening a FIFO
    that no one reads would wait for ever, beyond any signal, so it is opened without waiting and refused."""
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | nonblocking, 0o666)
    if not stat.S_ISREG(os.fstat(handle).st_mode):
        os.close(handle)
        raise OSError(errno.EINVAL, "not a regular file (a FIFO or a device)", str(target))
    if nonblocking:
        os.set_blocking(handle, True)
    return os.fdopen(handle, "wb")


def _write_error(handle: BinaryIO, exc: OSError) -> UsageError:
    return UsageError(f"cannot write '{handle.name}': {exc.strerror or exc}")
