"""Expanding a glob as :func:`glob.glob` does (``recursive=True``), without its silences.

The names matched are glob's: ``*``, ``?`` and ``[...]`` inside one path part,
``**`` for any number of folders, hidden names only for a part that starts with
a dot.  What differs: a folder the walk needs but cannot list (no permission)
is returned as a problem instead of being skipped, and a loop of links to
folders ends: under a ``**`` a folder is entered once for each position of the
pattern, whatever link led to it (glob went round a loop 40 links deep, and
round two loops in exponential time).
"""

from __future__ import annotations

import errno
import glob
import os
import re
from collections import deque
from fnmatch import translate

Matches = tuple[list[str], list[tuple[str, str]]]
"""The paths matched, sorted, and ``(folder, why)`` for each folder that could not be listed."""


ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.ELOOP)
"""Why a path is no folder to walk (or no file), rather than one that cannot be searched."""


def _hidden(name: str) -> bool:
    return name.startswith(".")


class _Pattern:
    """The parts of a pattern after its first part with a wildcard, and how each matches a name."""

    def __init__(self, parts: list[str]) -> None:
        self.parts = parts
        self.size = len(parts)
        self.regex = [re.compile(translate(part)) if glob.has_magic(part) else None for part in parts]

    def closure(self, positions: set[int]) -> frozenset[int]:
        """``positions`` with the ones a ``**`` lets the match skip to (it may stand for no folder)."""
        found = set(positions)
        todo = list(positions)
        while todo:
            position = todo.pop()
            if position < self.size and self.parts[position] == "**" and position + 1 not in found:
                found.add(position + 1)
                todo.append(position + 1)
        return frozenset(found)

    def step(self, state: frozenset[int], name: str) -> set[int]:
        """The positions after matching ``name`` (found by listing a folder) from ``state``."""
        after: set[int] = set()
        for position in state:
            if position >= self.size:
                continue
            part, regex = self.parts[position], self.regex[position]
            if part == "**":
                if not _hidden(name):
                    after.add(position)
            elif regex is not None and regex.match(name) and (not _hidden(name) or part.startswith(".")):
                after.add(position + 1)
        return after


def expand_glob(pattern: str) -> Matches:
    """The paths ``pattern`` matches (as :func:`glob.glob` with ``recursive=True`` reads it), sorted, and
    the folders that could not be listed on the way."""
    parts = re.split(r"[/\\]" if os.sep == "\\" else "/", pattern)
    first = next((index for index, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    base = os.sep.join(parts[:first])
    if not base and first > 0:  # a pattern from the root: '/*.ndjson'
        base = os.sep
    rest = _Pattern([part for part in parts[first:] if part])
    folders_only = not parts[-1]  # 'logs/*/' matches folders only
    if base and not os.path.isdir(base):
        try:
            os.stat(base)
        except OSError as exc:
            if exc.errno not in ABSENT:  # a folder on the way that cannot be searched
                return [], [(base, os_reason(exc))]
        return [], []
    matched: list[str] = []
    problems: list[tuple[str, str]] = []
    entered: set[tuple[int, int, frozenset[int]]] = set()
    start = rest.closure({0})
    if base and rest.size in start:  # 'logs/**' matches 'logs' itself too
        matched.append(base)
    todo: deque[tuple[str, frozenset[int]]] = deque([(base, start)])
    while todo:
        folder, state = todo.popleft()
        candidates: dict[str, set[int]] = {}
        for position in state:  # a part without a wildcard is looked up, not listed (so '..' works)
            if position < rest.size and rest.regex[position] is None and rest.parts[position] != "**":
                name = rest.parts[position]
                if os.path.lexists(os.path.join(folder, name)):
                    candidates.setdefault(name, set()).add(position + 1)
        if any(position < rest.size and rest.regex[position] is not None for position in state):
            try:
                with os.scandir(folder or os.curdir) as listing:
                    names = sorted(entry.name for entry in listing)
            except OSError as exc:
                problems.append((folder or os.curdir, os_reason(exc)))
                continue
            for name in names:
                stepped = rest.step(state, name)
                if stepped:
                    candidates.setdefault(name, set()).update(stepped)
        for name in sorted(candidates):
            path = os.path.join(folder, name)
            after = rest.closure(candidates[name])
            if rest.size in after and (not folders_only or os.path.isdir(path)):
                matched.append(path)
            if any(position < rest.size for position in after):
                try:
                    info = os.stat(path)
                except OSError as exc:
                    if exc.errno not in ABSENT:  # a link to a folder that cannot be searched
                        problems.append((path, os_reason(exc)))
                    continue  # else nothing under it to match (a broken link, a loop of links)
                if not os.path.isdir(path):
                    continue
                if not any(rest.parts[position] == "**" for position in after if position < rest.size):
                    todo.append((path, after))  # no '**' ahead: as deep as the pattern, no further
                    continue
                key = (info.st_dev, info.st_ino, after)
                if key not in entered:
                    entered.add(key)
                    todo.append((path, after))
    return sorted(set(matched)), problems


def os_reason(exc: OSError) -> str:
    """What the system says of ``exc``, to follow a colon in a message (``permission denied``)."""
    reason = exc.strerror or str(exc)
    return f"{reason[:1].lower()}{reason[1:]}"
