"""Where generated code goes: one module (``--out tracking.py``) or a package (``--out tracking/``).

A path ending in ``.py`` gets a single module; any other path is a package
directory holding ``__init__.py`` (the same module text) and a ``py.typed``
marker, so type checkers use its annotations when it is installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cdpctl.codegen.python import generate_python
from cdpctl.errors import UsageError
from cdpctl.model import Plan


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    text: str


def generated_files(plan: Plan, out: str | os.PathLike[str]) -> list[GeneratedFile]:
    """The files ``cdpctl generate python --out out`` writes, with their text."""
    target = Path(out)
    module = generate_python(plan)
    if target.suffix == ".py":
        return [GeneratedFile(target, module)]
    if target.suffix:
        raise UsageError(f"--out '{out}' must be a .py module or a package directory (no suffix)")
    return [GeneratedFile(target / "__init__.py", module), GeneratedFile(target / "py.typed", "")]


def _current(file: GeneratedFile) -> str | None:
    try:
        with open(file.path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read '{file.path}': {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"cannot read '{file.path}': not UTF-8 text ({exc.reason})") from exc


def stale_files(files: list[GeneratedFile]) -> list[GeneratedFile]:
    """The files whose content on disk differs from what would be generated (missing ones included)."""
    return [file for file in files if _current(file) != file.text]


def write_files(files: list[GeneratedFile]) -> list[GeneratedFile]:
    """Write the files that changed; returns those written (unchanged files keep their timestamps)."""
    changed = stale_files(files)
    for file in changed:
        try:
            file.path.parent.mkdir(parents=True, exist_ok=True)
            with open(file.path, "w", encoding="utf-8", newline="") as handle:
                handle.write(file.text)
        except OSError as exc:
            raise UsageError(f"cannot write '{file.path}': {exc.strerror or exc}") from exc
    return changed
