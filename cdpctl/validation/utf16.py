"""Text saved as UTF-16 (PowerShell's ``>`` writes it) read as the UTF-8 bytes the rest of the reader takes.

Nothing is repaired: an unpaired surrogate is passed on as the bytes it would be
in UTF-8 (``ED A0 80``), which are not UTF-8, so the record holding it is
``malformed_json`` exactly as it would be in a UTF-8 file.  A stream that stops in
the middle of a character (an odd number of bytes) is a read error: the input
was cut short.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO

READ_BYTES = 256 * 1024
"""UTF-16 bytes decoded at a time."""


class Utf16AsUtf8(io.RawIOBase):
    """A UTF-16 byte stream (with its byte order mark) read as UTF-8 bytes, lone surrogates kept as such.

    Decoded a piece at a time by an incremental decoder, so a character cut at the end of the stream
    raises only once everything decoded before it has been handed out."""

    def __init__(self, raw: BinaryIO) -> None:
        self._read = getattr(raw, "read1", raw.read)  # what is there, never waiting for a whole piece
        self._decoder = codecs.getincrementaldecoder("utf-16")("surrogatepass")
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            if self._done:
                return 0
            data: bytes = self._read(READ_BYTES)
            self._done = not data
            try:
                text = self._decoder.decode(data, final=self._done)
            except UnicodeDecodeError as exc:  # only what surrogatepass does not pass: a cut character
                self._done = True
                raise EOFError(f"the UTF-16 text stops in the middle of a character (truncated): {exc.reason}") from exc
            self._pending = text.encode("utf-8", "surrogatepass")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size
