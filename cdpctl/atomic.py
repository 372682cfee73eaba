"""Files written whole: a new file beside the target, renamed into place.

A reader never sees half a file, and whatever stood at the target (a symbolic link, a hard link to
another file, a FIFO, a socket) is replaced, never written through.  The new file gets the mode a
plain ``open(..., "w")`` would give (the umask applied), or the mode of the regular file it replaces.

Two kinds of target are written into instead, since replacing them loses the output and damages the
system: a device (``-o /dev/null``, ``/dev/full``: its error is the run's), and a path of ``/dev`` or
``/proc`` that leads somewhere (``-o /dev/stdout``, a process substitution's ``/dev/fd/63``), opened
without waiting (a pipe nobody reads is an error, never a hang) and appended to.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_file(target: Path, text: str, newline: str = "\n") -> None:
    """Write ``text`` (UTF-8) to ``target`` as a new file renamed into place (a device, or a path of ``/dev``
    or ``/proc``, is written into); ``OSError`` on failure."""
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


def _written_into(target: Path) -> bool:
    """Whether ``target`` is a device, or a path of ``/dev`` or ``/proc`` (or a link leading through one) to
    something other than a folder (``/dev/stdout``): written into, never replaced."""
    try:
        status = os.stat(target)  # through links
    except OSError:
        return False
    if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode):
        return True
    if stat.S_ISDIR(status.st_mode):
        return False
    path = os.path.abspath(target)
    for _ in range(MAX_LINKS):  # the target, then each link it leads through (a link to /proc/self/fd/1)
        if path.startswith(("/dev/", "/proc/")):
            return True
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
