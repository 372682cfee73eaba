"""Files written whole: a new file beside the target, renamed into place.

A reader never sees half a file, and whatever stood at the target (a symbolic link, a hard link to
another file, a FIFO, a socket) is replaced, never written through.  The new file gets the mode a
plain ``open(..., "w")`` would give (the umask applied), or the mode of the regular file it replaces.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def replace_file(target: Path, text: str, newline: str = "\n") -> None:
    """Write ``text`` (UTF-8) to ``target`` as a new file renamed into place; ``OSError`` on failure."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            stream.write(text)
        os.chmod(temporary, _mode(target))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
