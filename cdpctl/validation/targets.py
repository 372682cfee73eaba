"""Where ``cdpctl validate`` writes (``-o`` and the ``--split`` files): never over the plan, an input, or each other.

Paths are compared as the same file (hard links, symlinks) when they exist, and
by their resolved, case-folded spelling otherwise: two names that differ only
in case are one file on macOS and Windows.  The ``--split`` file names are fixed
(``valid.ndjson``, ``invalid.ndjson``, ``malformed.txt``): safe on every OS.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from cdpctl.errors import UsageError
from cdpctl.validation.split import INVALID_FILE, MALFORMED_FILE, VALID_FILE
from cdpctl.validation.streams import STDIN, Source


def written_paths(output: str | None, split: str | None) -> list[tuple[str, str]]:
    """``(what, path)`` of every file the run writes."""
    paths = [("the report (-o)", output)] if output and output != "-" else []
    if split is not None:  # '' too: the files would go to the current folder
        paths += [("--split", os.path.join(split, name)) for name in (VALID_FILE, INVALID_FILE, MALFORMED_FILE)]
    return paths


def _spelling(path: str) -> str:
    return os.path.normcase(os.path.realpath(path)).casefold()


def _is_standard_input(path: str) -> bool:
    """Whether ``path`` is the file standard input was redirected from (``cdpctl validate - < log``)."""
    try:
        given = os.fstat(0)
        target = os.stat(path)
    except OSError:  # no standard input, or the file does not exist yet
        return False
    return stat.S_ISREG(given.st_mode) and (given.st_dev, given.st_ino) == (target.st_dev, target.st_ino)


def same_file(one: str, other: str) -> bool:
    """Whether two paths name one file (the same inode when both exist, else the same resolved spelling);
    ``other`` may be ``-``: standard input, when it is a file redirected into it."""
    if other == STDIN:
        return _is_standard_input(one)
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them does not exist yet
        return _spelling(one) == _spelling(other)


def check_targets(
    output: str | None, split: str | None, sources: Iterable[Source], plan_files: Iterable[str]
) -> None:
    """Raise :class:`UsageError` when a file about to be written is the plan, an input, or another output."""
    protected = [("a file of the plan", str(file)) for file in plan_files]
    refuse_writing_over(written_paths(output, split), [*protected, *inputs_read(sources)])


def inputs_read(sources: Iterable[Source], kind: str = "one of the inputs") -> list[tuple[str, str]]:
    """``(kind, path)`` of each source a run reads, and of standard input when one of them is ``-`` (the
    file it is redirected from, if any: :func:`same_file`)."""
    sources = list(sources)
    found = [(kind, source.path) for source in sources if not source.is_stdin]
    if any(source.is_stdin for source in sources):
        found.append(("standard input, read by this run", STDIN))
    return found


def logs_read(paths: list[str], kind: str = "one of the logs") -> list[tuple[str, str]]:
    """``(kind, path)`` of every file a run reads from ``paths``: each as named, each found in a folder or
    through a glob, and standard input (:func:`inputs_read`).  Each path is expanded on its own: one that
    cannot be listed (left to the run, which names it) does not hide the files the others name."""
    from cdpctl.validation.inputs import InputError, expand_paths

    sources = expand_paths([]) if not paths else []  # no path: standard input
    for path in paths:
        try:
            sources += expand_paths([path])
        except InputError:
            continue
    return [*((kind, path) for path in paths if path != STDIN), *inputs_read(sources, kind)]


CONFIGURATION_FILES = ("cdpctl.yaml", "pyproject.toml")


def project_configuration() -> list[tuple[str, str]]:
    """``(kind, path)`` of the project configuration files in the current folder and above it: every
    command reads them (the nearest one that holds a cdpctl table), so no output is written over one."""
    here = os.path.abspath(os.getcwd())
    found = []
    while True:
        for name in CONFIGURATION_FILES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                found.append(("the project configuration", candidate))
        parent = os.path.dirname(here)
        if parent == here:
            return found
        here = parent


def refuse_writing_over(targets: list[tuple[str, str]], protected: Iterable[tuple[str, str]]) -> None:
    """Raise :class:`UsageError` when a ``(what, path)`` target is one of the ``(kind, path)`` files read
    (the project configuration always among them), or two targets are one file."""
    protected = [*protected, *project_configuration()] if targets else []
    for what, target in targets:
        for kind, path in protected:
            if same_file(target, path):
                raise UsageError(f"'{target}' is {kind}: writing {what} there would destroy it")
    for index, (what, target) in enumerate(targets):
        for other_what, other in targets[index + 1 :]:
            if same_file(target, other):
                raise UsageError(f"{what} and {other_what} would both write '{target}'")
