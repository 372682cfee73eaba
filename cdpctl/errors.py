"""Source positions and the errors a plan can have."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
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
        return f"{self.pos}: {self.message}"


class CdpctlError(Exception):
    """Base of every error cdpctl raises on purpose; the CLI prints it and exits with ``exit_code``."""

    exit_code = 2


class PlanLoadError(CdpctlError):
    """The plan could not be loaded; ``issues`` lists every problem found, in source order."""

    def __init__(self, issues: list[PlanIssue]) -> None:
        self.issues = sorted(issues, key=lambda issue: (issue.pos, issue.message))
        super().__init__("\n".join(str(issue) for issue in self.issues))


class ConfigError(CdpctlError):
    """The project configuration is invalid."""


class UsageError(CdpctlError):
    """The command line asks for something that cannot be done."""
