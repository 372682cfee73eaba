"""What a lint rule is: a stable code, a slug, a default severity, options, documentation and a check.

Each rule lives in a module of its own under :mod:`cdpctl.lint.rules` and
defines one module-level ``RULE``.  A rule's check is a pure function: it gets
the loaded plan, its resolved options and a :class:`SourceIndex` (for exact
positions inside YAML values) and yields :class:`Hit` objects; the runner turns
them into :class:`Finding` objects carrying the rule's code, slug and
configured severity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cdpctl.errors import Pos

if TYPE_CHECKING:
    from cdpctl.lint.source import SourceIndex
    from cdpctl.model import Plan

SEVERITIES = ("error", "warning", "info")
"""Severities, most severe first."""

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


@dataclass(frozen=True)
class Hit:
    """What a rule reports: where and what."""

    pos: Pos
    message: str


@dataclass(frozen=True)
class Finding:
    """A hit with its rule's identity and the severity it is configured at."""

    rule: str
    code: str
    severity: str
    message: str
    pos: Pos

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.pos.file, self.pos.line, self.pos.column, self.code, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.pos.file,
            "line": self.pos.line,
            "column": self.pos.column,
        }


@dataclass(frozen=True)
class Option:
    """A rule option: its default, what it does, and (for strings) the values it accepts."""

    default: Any
    help: str
    choices: tuple[str, ...] = ()
    item_type: type | None = None
    """For list options: the type every item must have."""
    regex: bool = False
    """The value (or each item) is a regular expression that must compile."""

    def describe_default(self) -> str:
        value = self.default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(str(item) for item in value) + "]"
        if value == "":
            return '""'
        return str(value)


Check = Callable[["Plan", Mapping[str, Any], "SourceIndex"], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """A lint rule.  ``code`` (``CP101``) is never reused, even when a rule is retired."""

    code: str
    slug: str
    severity: str
    summary: str
    description: str
    check: Check
    passing: str
    """A plan snippet the rule accepts with its default options."""
    failing: str
    """A plan snippet the rule reports with its default options..."""
    failing_at: Sequence[tuple[int, int]]
    """...at exactly these ``(line, column)`` positions of the snippet."""
    options: Mapping[str, Option] = field(default_factory=dict)
    strict_options: Mapping[str, Any] = field(default_factory=dict)
    """Option values the ``strict`` preset uses instead of the defaults."""
    recommended: bool = True
    """Whether the ``recommended`` preset enables the rule (``strict`` enables every rule)."""
    check_plan: bool = True
    """Whether the rule looks at a loaded plan (``False``: the load problems of a plan that has none)."""

    def default_options(self) -> dict[str, Any]:
        return {name: option.default for name, option in self.options.items()}
