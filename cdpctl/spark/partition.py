"""What runs inside a Spark partition: plain Python over rows, no pyspark import.

A partition holds one or more *splits* (a whole gzip file, or a byte range of
an uncompressed file).  Each split is validated on its own with
:func:`cdpctl.validation.validate_lines`, numbering its lines from the line
count of the splits before it, and gives one partial :class:`Report` keyed by
``(file, split start)``.  The driver folds the partial reports in input order
(:func:`fold`), which is the order the single-machine run merges its blocks in,
so both runs keep the same examples.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import groupby, islice
from operator import itemgetter
from typing import Any

from cdpctl.validation import Report, Validator, validate_lines
from cdpctl.validation.split import BufferSink

Row = Sequence[Any]
"""``(raw bytes, file URI, split start)``: a row of the text scan (a pyspark ``Row`` is a tuple)."""

SplitKey = tuple[str, int]
"""``(file URI, byte offset where the split starts)``."""

Part = tuple[SplitKey, Report]

Offsets = Mapping[SplitKey, int]
"""Lines of a file before the split starting at that offset (only splits that do not start a file)."""

VALID, INVALID, MALFORMED = "valid", "invalid", "malformed"
KINDS = (VALID, INVALID, MALFORMED)

SPLIT_CHUNK = 8192
"""Lines validated at a time when records are also written out (bounds a task's memory)."""


class LineNumberingError(RuntimeError):
    """A split starts inside a file whose earlier lines were not counted (a bug, never bad input)."""


def first_line(key: SplitKey, offsets: Offsets) -> int:
    """The 1-based number of the first line of a split."""
    file, start = key
    if start == 0:
        return 1
    try:
        return offsets[key] + 1
    except KeyError:
        raise LineNumberingError(f"no line count for the split of {file} at byte {start}") from None


def splits(rows: Iterable[Row]) -> Iterator[tuple[SplitKey, Iterator[Row]]]:
    """The rows of a partition, cut into its splits (each split's rows are contiguous and in file order)."""
    for (file, start), group in groupby(rows, key=itemgetter(1, 2)):
        yield (str(file), int(start)), group


UTF8_BOM = b"\xef\xbb\xbf"


def numbered(rows: Iterable[Row], file: str, first: int) -> Iterator[tuple[bytes, str, int]]:
    """``(raw, file, line)`` for :func:`validate_lines`; a byte order mark opening a file is skipped (as locally)."""
    for line, row in enumerate(rows, first):
        raw = row[0]
        if not isinstance(raw, bytes):
            raw = bytes(raw)
        if line == 1 and raw.startswith(UTF8_BOM):
            raw = raw[len(UTF8_BOM) :]
        yield raw, file, line


def partition_reports(validator: Validator, rows: Iterable[Row], offsets: Offsets) -> Iterator[Part]:
    """One partial report per split of the partition."""
    for key, group in splits(rows):
        yield key, validate_lines(validator, numbered(group, key[0], first_line(key, offsets)))


def partition_records(
    validator: Validator,
    rows: Iterable[Row],
    offsets: Offsets,
    done: Callable[[Part], None],
    chunk: int = SPLIT_CHUNK,
) -> Iterator[tuple[str, bytes]]:
    """``(kind, line)`` for every record of the partition (``--split``); each split's report goes to ``done``.

    Invalid messages carry their violations under ``context.violations``; malformed
    lines are kept verbatim.  Records are produced a chunk at a time, so memory stays flat.
    """
    for key, group in splits(rows):
        report = Report()
        lines = numbered(group, key[0], first_line(key, offsets))
        while True:
            block = list(islice(lines, chunk))
            if not block:
                break
            sink = BufferSink()
            report.update(validate_lines(validator, block, sink))
            for kind, found in ((VALID, sink.valid_lines), (INVALID, sink.invalid_lines), (MALFORMED, sink.malformed_lines)):
                for line in found:
                    yield kind, line
        done((key, report))


def scan_rows(encoded: Iterable[bytes]) -> Iterator[tuple[bytes, str, int]]:
    """Text-scan rows from their transport form ``start TAB base64(raw) TAB file`` (see ``job.encoded_lines``)."""
    a2b = binascii.a2b_base64
    last_name, last_file = b"", ""
    for line in encoded:
        start, data, name = line.split(b"\t", 2)
        if name != last_name:
            last_name, last_file = name, name.decode("utf-8", "surrogateescape")
        yield a2b(data), last_file, int(start)


def dataframe_rows(encoded: Iterable[bytes], label: str) -> Iterator[tuple[bytes, str, int]]:
    """Rows of a DataFrame column (base64 of the raw message): the whole partition is one split named ``label``."""
    a2b = binascii.a2b_base64
    for data in encoded:
        yield a2b(data), label, 0


def fold(parts: Iterable[Part], order: Callable[[SplitKey], tuple[int, str, int]]) -> Report:
    """Merge partial reports in input order (``order`` sorts split keys); a split seen twice counts once."""
    seen: dict[SplitKey, Report] = {}
    for key, report in parts:
        seen.setdefault(key, report)
    total = Report()
    for key in sorted(seen, key=order):
        total.update(seen[key])
    return total


def input_order(files: Sequence[str]) -> Callable[[SplitKey], tuple[int, str, int]]:
    """Sort key of splits: the file's place among the inputs (unknown files last, by name), then the offset."""
    place = {file: index for index, file in enumerate(files)}
    last = len(files)

    def key(split: SplitKey) -> tuple[int, str, int]:
        file, start = split
        return place.get(file, last), file, start

    return key


__all__ = [
    "KINDS",
    "LineNumberingError",
    "Offsets",
    "Part",
    "SplitKey",
    "dataframe_rows",
    "first_line",
    "fold",
    "input_order",
    "partition_records",
    "partition_reports",
    "scan_rows",
]
