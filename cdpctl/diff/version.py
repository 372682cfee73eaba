"""The semantic-version check: the bump a change set needs, and whether NEW's version gives it.

* ``major`` for any change breaking for producers or consumers,
* ``minor`` for any other change to what is valid (additions, deprecations, loosening for one side only...),
* ``patch`` for documentation-only changes,
* ``none`` when nothing changed.

The bump NEW gives is read from the first of major, minor, patch that grew
(pre-release and build labels do not count); a version that went down never
satisfies the check.

``0.y.z`` versions follow semver's initial-development rule (semver 2.0.0 item 4:
anything may change before 1.0.0), the way Cargo and npm's caret ranges read it:
while OLD's major is 0, the minor number is the breaking one, so a breaking change
needs a minor bump (0.3.1 -> 0.4.0, or 1.0.0) and any other change to what is valid
a patch bump (0.3.1 -> 0.3.2).  ``required_bump`` stays what the changes need under
semver proper; ``initial_development`` says the lighter rule applied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cdpctl.diff.rules import Change

BUMPS = ("none", "patch", "minor", "major")

INITIAL_DEVELOPMENT = {"none": "none", "patch": "patch", "minor": "patch", "major": "minor"}
"""The bump a ``0.y.z`` version must give for what the changes need under semver proper."""

_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class VersionCheck:
    old: str | None
    new: str
    required_bump: str
    actual_bump: str | None
    """``None`` when a version cannot be read or went down."""
    ok: bool
    initial_development: bool = False
    """OLD is a ``0.y.z`` version: a breaking change needs only a minor bump, any other a patch bump."""

    def as_json(self) -> dict[str, object]:
        return {
            "old": self.old,
            "new": self.new,
            "required_bump": self.required_bump,
            "ok": self.ok,
            "initial_development": self.initial_development,
        }

    def explain(self) -> str:
        """One sentence for people."""
        need = "no bump" if self.required_bump == "none" else f"a {self.required_bump} bump"
        if self.old is None:
            return f"new plan at version {self.new}; the changes need {need}"
        got = {
            None: "a lower or unreadable version",
            "none": "no bump",
        }.get(self.actual_bump, f"a {self.actual_bump} bump")
        verdict = "ok" if self.ok else "not enough"
        if self.initial_development and self.required_bump in ("major", "minor"):
            lighter = INITIAL_DEVELOPMENT[self.required_bump]
            need = f"{need}, which a {lighter} bump gives before 1.0.0 (initial development)"
        return f"version {self.old} -> {self.new} is {got}; the changes need {need}: {verdict}"


Parsed = tuple[int, int, int, "tuple[tuple[int, int | str], ...] | None"]


def parse(version: str) -> Parsed | None:
    """``(major, minor, patch, pre-release)``, or ``None`` if not a semantic version."""
    match = _SEMVER.match(version.strip())
    if match is None:
        return None
    pre = match.group(4)
    pre_key = None
    if pre is not None:
        pre_key = tuple((0, int(part)) if part.isdigit() else (1, part) for part in pre.split("."))
    return int(match.group(1)), int(match.group(2)), int(match.group(3)), pre_key


def _order(version: Parsed) -> tuple[int, int, int, int, str]:
    """A sort key: a release sorts after its pre-releases (pre-release identifiers compared as semver says)."""
    major, minor, patch, pre = version
    if pre is None:
        return (major, minor, patch, 1, "")
    # numeric identifiers sort before alphanumeric ones and numerically among themselves
    key = ".".join(f"0{value:020d}" if kind == 0 else f"1{value}" for kind, value in pre)
    return (major, minor, patch, 0, key)


def required_bump(changes: Iterable[Change]) -> str:
    """The bump a change set needs, over both sides whatever view is shown."""
    needed = "none"
    for change in changes:
        if "breaking" in (change.producer, change.consumer):
            return "major"
        level = "patch" if change.kind == "docs" else "minor"
        if BUMPS.index(level) > BUMPS.index(needed):
            needed = level
    return needed


def actual_bump(old: str, new: str) -> str | None:
    """The bump from ``old`` to ``new``; ``None`` when either is unreadable or the version went down."""
    before, after = parse(old), parse(new)
    if before is None or after is None:
        return None
    if _order(after) < _order(before):
        return None
    if after[0] > before[0]:
        return "major"
    if after[1] > before[1]:
        return "minor"
    if after[2] > before[2]:
        return "patch"
    return "none"


def check_version(old: str | None, new: str, changes: Iterable[Change]) -> VersionCheck:
    """Whether NEW's version is enough for the changes (a plan with no OLD side always is)."""
    needed = required_bump(changes)
    if old is None:
        return VersionCheck(None, new, needed, None, True)
    got = actual_bump(old, new)
    before = parse(old)
    initial = before is not None and before[0] == 0
    enough = INITIAL_DEVELOPMENT[needed] if initial else needed
    ok = got is not None and BUMPS.index(got) >= BUMPS.index(enough)
    return VersionCheck(old, new, needed, got, ok, initial)
