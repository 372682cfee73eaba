"""Listing the inputs named on the command line: files as named, folders walked, globs expanded, ``-``.

A folder is walked with :func:`os.scandir`, the same on every Python version:
links to folders are followed, and a folder already visited (by its device and
inode, whatever link led to it) is not read twice, so a loop of links ends.
Whatever is found but cannot be read (a subfolder without permission, a broken
link, a FIFO) is never skipped in silence: it becomes a source with a problem,
named by the run as an input not read (exit 2).
"""

from __future__ import annotations

import glob
import os
import stat
from collections import deque
from pathlib import Path

from cdpctl.validation.globs import ABSENT, expand_glob, os_reason
from cdpctl.validation.streams import STDIN, InputError, Source
from cdpctl.validation.unsupported import compression_named, not_read

DATA_SUFFIXES = (".ndjson", ".jsonl", ".json", ".log")
COMPRESSED_SUFFIXES = ("", ".gz", ".gzip", ".zst", ".zstd")
SEARCHED = "*.ndjson, *.jsonl, *.json, *.log, each optionally .gz, .gzip, .zst or .zstd"


def is_data_file(name: str) -> bool:
    """Whether a file of this name in a folder is read: a data suffix, optionally compressed; not hidden."""
    name = name.lower()
    if name.startswith("."):
        return False
    return any(name.endswith(data + comp) for data in DATA_SUFFIXES for comp in COMPRESSED_SUFFIXES)


def expand_paths(paths: list[str], *, empty_folders: bool = False) -> list[Source]:
    """Sources for the paths given: files as they are, directories' data files (recursively), globs, ``-``.

    Raises :class:`InputError` for a path that does not exist or a glob that matches nothing.  A folder
    argument without a data file is a source with a problem too, unless ``empty_folders``.  What a
    folder or a glob finds but cannot read (a subfolder without permission, a broken link) is a source
    with a :attr:`~Source.problem`: the run names it as an input not read (exit 2) and reads the rest.
    """
    if not paths:
        return [Source(STDIN)]
    sources: list[Source] = []
    for given in paths:
        if given == STDIN:
            sources.append(Source(STDIN))
            continue
        try:
            info: os.stat_result | None = os.stat(given)
        except OSError as exc:  # a folder on the way that cannot be searched, a name too long...
            if exc.errno not in ABSENT:
                raise InputError(f"cannot read '{_shown(given)}': {os_reason(exc)}") from None
            info = None
        if info is not None and stat.S_ISDIR(info.st_mode):
            found = data_files(given)
            if not found and not empty_folders:
                found = [Source(given, f"no data file in '{given}' (a folder is searched for {SEARCHED})")]
            sources.extend(found)
            continue
        if info is not None:
            sources.append(Source(given))
            continue
        if glob.has_magic(given):
            found = []
            matched, problems = expand_glob(given)
            for match in matched:
                if os.path.isdir(match):
                    found.extend(data_files(match))
                elif os.path.isfile(match):
                    found.append(Source(match))
                else:  # a broken link, a FIFO: matched, so never skipped in silence
                    found.append(Source(match, _unreadable(match)))
            found.extend(Source(folder, f"cannot read '{folder}': {why}") for folder, why in problems)
            if not found:
                raise InputError(f"no file matches '{given}'")
            sources.extend(sorted(found, key=lambda source: source.path))
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


def data_files(folder: str) -> list[Source]:
    """The data files of ``folder`` and its subfolders (links to folders followed, each folder once), in
    the order of their paths.  One named like data that is not a readable regular file (a broken link, a
    loop of links, a FIFO), and a subfolder that cannot be listed, are sources with a problem: a folder is
    read whole, or what was left out is named."""
    found: list[tuple[Path, str | None]] = []
    visited: set[tuple[int, int]] = set()
    key = _folder_key(folder)
    if key is not None:
        visited.add(key)
    todo = deque([folder])
    while todo:
        current = todo.popleft()
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            found.append((Path(current), f"cannot read '{current}': {os_reason(exc)}"))
            continue
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # follows a link
            except OSError as exc:  # a link to a folder that cannot be searched
                found.append((Path(entry.path), f"cannot read '{entry.path}': {os_reason(exc)}"))
                continue
            if is_folder:
                key = _folder_key(entry.path)
                if key is not None and key not in visited:
                    visited.add(key)
                    todo.append(entry.path)
                continue
            if not is_data_file(entry.name):
                kind = None if entry.name.startswith(".") else compression_named(entry.name, DATA_SUFFIXES)
                if kind is not None:  # data, in a compression that is not read: named, never skipped
                    found.append((Path(entry.path), not_read(entry.path, kind, by_name=True)))
                continue
            problem = None if os.path.isfile(entry.path) else _unreadable(entry.path)
            found.append((Path(entry.path), problem))
    return [Source(str(path), problem) for path, problem in sorted(found, key=lambda item: item[0])]


def _shown(path: str) -> str:
    """``path`` for a one-line message: a name too long to be a path is cut in its middle."""
    return path if len(path) <= 200 else f"{path[:120]}...{path[-60:]}"


def _unreadable(path: str) -> str:
    """Why ``path``, found in a folder or through a glob, is not read: a broken link, or not a regular file."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read '{path}': {os_reason(exc)}"
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"cannot read '{path}': not a regular file ({kind}); name it on its own to read it"
