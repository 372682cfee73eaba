"""Source positions, the errors a plan can have, and the did-you-mean every error message uses."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """``did you mean 'validate'?`` for the closest of ``known`` to ``name``, or ``None`` when none is close."""
    matches = difflib.get_close_matches(name, list(known), n=2, cutoff=0.7)
    if not matches:
        return None
    return "did you mean " + " or ".join(f"'{match}'" for match in matches) + "?"


def file_name_text(path: str) -> str:
    """How reports name a file: bytes of its name that are not UTF-8 (a file system allows them; Python
    keeps them as lone surrogates, which no report can write) shown as ``\\xNN``."""
    if path.isascii():
        return path
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, order=True, slots=True)
class Pos:
    """A place in a source file; line and column are 1-based."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class PlanIssue:
    """One problem found while loading a plan."""

    pos: Pos
    message: str

    def __str__(self) -> str:
        """One line: newlines and control characters in the position's file or the message are escaped."""
        from cdpctl.reporting.formats import one_line

        return one_line(f"{self.pos}: {self.message}")

    def to_json(self) -> dict[str, object]:
        """``file``, ``line``, ``column`` and ``message``: an item of ``plan_errors`` in the JSON reports."""
        return {"file": str(self.pos.file), "line": self.pos.line, "column": self.pos.column, "message": self.message}


class CdpctlError(Exception):
    """Base of every error cdpctl raises on purpose; the CLI prints it and exits with ``exit_code``."""

    exit_code = 2


class PlanLoadError(CdpctlError):
    """The plan could not be loaded; ``issues`` lists every problem found, in source order."""

    def __init__(self, issues: list[PlanIssue], files: list[str] | None = None) -> None:
        self.issues = sorted(issues, key=lambda issue: (issue.pos, issue.message))
        self.files = list(files or [])
        """The files of the plan met before the problems were found (the root and its includes, read or not)."""
        super().__init__("\n".join(str(issue) for issue in self.issues))


class ConfigError(CdpctlError):
    """The project configuration is invalid."""


class UsageError(CdpctlError):
    """The command line asks for something that cannot be done."""
