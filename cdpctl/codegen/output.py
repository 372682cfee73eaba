"""Where generated code goes: one module (``--out tracking.py``) or a package (``--out tracking/``).

A path ending in ``.py`` gets a single module; any other path is a package
directory (:mod:`cdpctl.codegen.package`) whose calls load on first use, with a
``py.typed`` marker, so type checkers use its annotations when it is installed.
Every file name in a package is fixed by cdpctl (never taken from the plan); the
group files a smaller plan no longer has are removed (``--check`` reports them).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cdpctl.atomic import replace_file
from cdpctl.codegen.package import GROUP_FILE, generate_package
from cdpctl.codegen.python import generate_python
from cdpctl.errors import UsageError
from cdpctl.model import Plan


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    text: str
    remove: bool = False
    """A group file of an earlier, larger plan: to delete (its ``text`` is unused)."""


def generated_files(plan: Plan, out: str | os.PathLike[str]) -> list[GeneratedFile]:
    """The files ``cdpctl generate python --out out`` writes, with their text."""
    target = Path(out)
    if target.suffix == ".py":
        return [GeneratedFile(target, generate_python(plan))]
    if target.suffix:
        raise UsageError(f"--out '{out}' must be a .py module or a package directory (no suffix)")
    files = [GeneratedFile(target / name, text) for name, text in generate_package(plan).items()]
    return files + [GeneratedFile(path, "", remove=True) for path in _obsolete(target, {file.path.name for file in files})]


def _obsolete(folder: Path, names: set[str]) -> list[Path]:
    """Group files in ``folder`` (regular files, not links) that the plan no longer generates."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return []
    return [
        folder / entry.name
        for entry in entries
        if GROUP_FILE.fullmatch(entry.name) and entry.name not in names and entry.is_file(follow_symlinks=False)
    ]


def _current(file: GeneratedFile) -> str | None:
    """What ``file`` holds now (``None``: nothing generated there yet).  A symbolic link or anything but a
    regular file is never generated code: it is stale (written over, the link replaced, never followed);
    a file far larger than any generated one is stale too, never read whole."""
    try:
        info = os.lstat(file.path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read '{file.path}': {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode) or info.st_size > 4 * len(file.text.encode("utf-8")) + 4096:
        return f"\0not generated code: {info.st_mode:o}"  # differs from any text cdpctl writes
    try:
        with open(file.path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read '{file.path}': {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read '{file.path}': not UTF-8 text ({exc.reason})") from exc


def stale_files(files: list[GeneratedFile]) -> list[GeneratedFile]:
    """The files whose content on disk differs from what would be generated (missing and obsolete ones included)."""
    return [file for file in files if file.remove or _current(file) != file.text]


def write_files(files: list[GeneratedFile]) -> list[GeneratedFile]:
    """Write the files that changed; returns those written (unchanged files keep their timestamps)."""
    changed = stale_files(files)
    for file in changed:
        try:
            if file.remove:
                file.path.unlink(missing_ok=True)
                continue
            file.path.parent.mkdir(parents=True, exist_ok=True)
            if file.path.is_dir() and not file.path.is_symlink():
                raise UsageError(f"cannot write '{file.path}': a folder stands there")
            replace_file(file.path, file.text, newline="")  # a link, hard link or FIFO there: replaced, never written through
        except OSError as exc:
            raise UsageError(f"cannot write '{file.path}': {exc.strerror or exc}") from exc
    return changed
