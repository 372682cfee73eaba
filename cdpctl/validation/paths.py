"""Listing the inputs named on the command line: files as named, folders walked, globs expanded, ``-``.

A folder is walked with :func:`os.scandir`, the same on every Python version:
links to folders are followed, and a folder already visited (by its device and
inode, whatever link led to it) is not read twice, so a loop of links ends.
Whatever is found but cannot be read is never skipped in silence.
"""

from __future__ import annotations

import glob
import os
import stat
from pathlib import Path

from cdpctl.validation.streams import STDIN, InputError, Source

DATA_SUFFIXES = (".ndjson", ".jsonl", ".json", ".log")
COMPRESSED_SUFFIXES = ("", ".gz", ".gzip", ".zst", ".zstd")


def is_data_file(name: str) -> bool:
    """Whether a file of this name in a folder is read: a data suffix, optionally compressed; not hidden."""
    name = name.lower()
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
            sources.extend(Source(p) for p in data_files(given))
            continue
        if path.exists():
            sources.append(Source(given))
            continue
        if glob.has_magic(given):
            files: list[str] = []
            for match in sorted(glob.glob(given, recursive=True)):
                if os.path.isdir(match):
                    files.extend(data_files(match))
                elif os.path.isfile(match):
                    files.append(match)
                else:  # a broken link, a FIFO: matched, so never skipped in silence
                    raise InputError(_unreadable(match))
            if not files:
                raise InputError(f"no file matches '{given}'")
            sources.extend(Source(f) for f in files)
            continue
        if os.path.lexists(given):  # a link to nothing, or a loop of links
            raise InputError(_unreadable(given))
        raise InputError(f"cannot read '{given}': no such file or directory")
    return _once(sources)


def _once(sources: list[Source]) -> list[Source]:
    """``sources`` with each file once (the first way it was named): overlapping folders, globs and names
    (``logs logs/a.ndjson``, ``'*.ndjson' '**/*.ndjson'``) must not count a record twice; stdin stays."""
    seen: set[str] = set()
    kept: list[Source] = []
    for source in sources:
        if not source.is_stdin:
            real = os.path.realpath(source.path)
            if real in seen:
                continue
            seen.add(real)
        kept.append(source)
    return kept


def _folder_key(path: str) -> tuple[int, int] | None:
    """The identity of the folder at ``path`` (links followed), ``None`` when it cannot be looked at."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def data_files(folder: str) -> list[str]:
    """The data files of ``folder`` and its subfolders (links to folders followed, each folder once), in
    the order of their paths; one named like data that is not a readable regular file (a broken link, a
    loop of links, a FIFO) raises: a folder is read whole, or not at all."""
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()
    key = _folder_key(folder)
    if key is not None:
        visited.add(key)
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # follows a link
            except OSError:
                is_folder = False
            if is_folder:
                key = _folder_key(entry.path)
                if key is not None and key not in visited:
                    visited.add(key)
                    stack.append(entry.path)
                continue
            if not is_data_file(entry.name):
                continue
            if not os.path.isfile(entry.path):
                raise InputError(_unreadable(entry.path))
            found.append(Path(entry.path))
    return [str(path) for path in sorted(found)]


def _unreadable(path: str) -> str:
    """Why ``path``, found in a folder or through a glob, is not read: a broken link, or not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return f"cannot read '{path}': {reason[:1].lower()}{reason[1:]}"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"cannot read '{path}': not a regular file ({kind}); name it on its own to read it"
