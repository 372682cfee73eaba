"""Files written whole: a new file beside the target, renamed into place.

A reader never sees half a file, and whatever stood at the target (a symbolic link, a hard link to
another file, a FIFO, a socket) is replaced, never written through.  The new file gets the mode a
plain ``open(..., "w")`` would give (the umask applied), or the mode of the regular file it replaces.

Two kinds of target are written into instead, since replacing them loses the output and damages the
system: a device named itself (``-o /dev/null``, ``/dev/full``: its error is the run's; git cannot hold
one, so no checkout plants one), and a link that leads through this process's own standard output or
error (``-o /dev/stdout``, a link to ``/proc/self/fd/1``) or to a pipe handed to it (a process
substitution's ``/dev/fd/63``), opened without waiting (a pipe nobody reads is an error, never a hang)
and appended to.  Every other link is replaced: one through ``/proc/self/root`` or ``/proc/self/cwd``
reaches any file, and a link to a device could have been committed to a repository.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path


def replace_file(target: Path, text: str, newline: str = "\n") -> None:
    """Write ``text`` (UTF-8) to ``target`` as a new file renamed into place (a device named itself, or a link
    through this process's standard output, is written into); ``OSError`` on failure."""
    if _written_into(target):
        handle = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_NOCTTY)
        os.set_blocking(handle, True)
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


MAX_LINKS = 40
"""Symbolic links followed from a target (the kernel's own limit)."""

OWN_STREAMS = frozenset({"/dev/stdout", "/dev/stderr", "/proc/self/fd/1", "/proc/self/fd/2", "/dev/fd/1", "/dev/fd/2"})
"""This process's standard output and error, whatever they are (a pipe, a terminal, a file the shell opened)."""
OWN_DESCRIPTOR = re.compile(r"/(?:proc/self|dev)/fd/[0-9]+")
"""A descriptor of this process: written into only when it is a pipe (a process substitution)."""


def _written_into(target: Path) -> bool:
    """Whether ``target`` is written into rather than replaced: a device named itself, or a link through this
    process's standard output or error, or to a pipe it was handed (see the module's docstring)."""
    try:
        own = os.lstat(target)
    except OSError:
        return False
    if stat.S_ISCHR(own.st_mode) or stat.S_ISBLK(own.st_mode):
        return True
    if not stat.S_ISLNK(own.st_mode):
        return False
    try:
        final = os.stat(target)
    except OSError:
        return False
    path = os.path.abspath(target)
    for _ in range(MAX_LINKS):  # the target, then each link it leads through
        if path in OWN_STREAMS:
            return not stat.S_ISDIR(final.st_mode)
        if OWN_DESCRIPTOR.fullmatch(path):
            return stat.S_ISFIFO(final.st_mode) or stat.S_ISSOCK(final.st_mode)
        if not os.path.islink(path):
            return False
        path = os.path.normpath(os.path.join(os.path.dirname(path), os.readlink(path)))
    return False


def _mode(target: Path) -> int:
    try:
        status = os.lstat(target)
        if stat.S_ISREG(status.st_mode):
            return stat.S_IMODE(status.st_mode)
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
