"""Compressions cdpctl does not read (bzip2, xz, lz4, brotli...), found by name or by their first bytes.

Only gzip and zstd are decompressed.  A file in another compression is named as
not read, with what to do, instead of being skipped in a folder or read as
lines that are not UTF-8.
"""

from __future__ import annotations

UNSUPPORTED_SUFFIXES = {
    ".bz2": "bzip2",
    ".bzip2": "bzip2",
    ".xz": "xz",
    ".lzma": "lzma",
    ".lz": "lzip",
    ".lz4": "lz4",
    ".br": "brotli",
    ".sz": "snappy",
    ".zip": "zip",
    ".7z": "7z",
    ".z": "compress (.Z)",
}
"""Name endings of compressions that are not read, and their names."""

MAGIC = (
    (b"\xfd7zX", "xz"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"PK\x03\x04", "zip"),
    (b"7z\xbc\xaf", "7z"),
    (b"LZIP", "lzip"),
    (b"\xff\x06\x00\x00", "snappy"),
    (b"\x1f\x9d", "compress (.Z)"),
    (b"\x5d\x00\x00", "lzma"),
)
"""First bytes (at most the four read ahead) of compressed data that is not read (bzip2: ``BZh`` and a digit)."""


def compression_named(name: str, data_suffixes: tuple[str, ...] = ("",)) -> str | None:
    """The unsupported compression ``name`` ends with (after one of ``data_suffixes``), else ``None``."""
    lowered = name.lower()
    for suffix, kind in UNSUPPORTED_SUFFIXES.items():
        if any(lowered.endswith(data + suffix) for data in data_suffixes):
            return kind
    return None


def compression_found(magic: bytes) -> str | None:
    """The unsupported compression the first bytes of a file say, else ``None``."""
    if magic[:3] == b"BZh" and magic[3:4].isdigit() and magic[3:4] != b"0":
        return "bzip2"
    return next((kind for prefix, kind in MAGIC if magic.startswith(prefix)), None)


def not_read(path: str, kind: str, by_name: bool) -> str:
    """The input error for a file in a compression that is not read."""
    how = f"its name says {kind} compression" if by_name else f"it is {kind}-compressed"
    return f"cannot read '{path}': {how}, which cdpctl does not read (it reads gzip and zstd): decompress it first"
