"""Compare two resolved plans: the list of classified changes, and the report around it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from cdpctl.diff import common, docs, events, shared
from cdpctl.diff.rules import RANK, SEVERITIES, Change, Where
from cdpctl.diff.version import VersionCheck, check_version
from cdpctl.model import Plan


def _plan_changes(old: Plan, new: Plan) -> Iterator[Change]:
    where = Where("plan", None)
    if old.name != new.name:
        yield where.change(
            docs.PLAN_RENAMED, "", f"the plan was renamed from '{old.name}' to '{new.name}'",
            old.name, new.name, new.key_pos.get("plan", new.pos),
        )
    yield from docs.compare_description(where, "", old.description, new.description, new.key_pos.get("description", new.pos))
    yield from docs.compare_extras(where, "", old.extra, new.extra, new.pos)


def diff_plans(old: Plan, new: Plan) -> list[Change]:
    """Every change from ``old`` to ``new``, in plan order (plan, common rules, events, identify, group, pages,
    screens); a renamed shared property once (:mod:`cdpctl.diff.shared`)."""
    changes = [*_plan_changes(old, new), *common.compare_common(old, new), *events.compare_calls(old, new)]
    return shared.fold_shared_renames(old, new, changes)


def empty_plan_like(plan: Plan) -> Plan:
    """An empty plan to compare a brand-new plan against (every call shows as added)."""
    return Plan(
        name=plan.name,
        version="0.0.0",
        pos=plan.pos,
        description=plan.description,
        default_additional_properties=plan.default_additional_properties,
        extra=dict(plan.extra),
    )


@dataclass
class DiffReport:
    """The comparison of one plan's two versions."""

    old_label: str
    new_label: str
    changes: list[Change]
    version: VersionCheck
    new_files: list[str] = field(default_factory=list)
    old_missing: bool = False
    """NEW is a plan that does not exist on the OLD side (``--base``)."""
    files_root: str | None = None
    """The folder NEW's file names are relative to when not the working directory (a git revision's: the
    repository root), so annotations point at the right file from any folder."""
    _ordered: dict[tuple[str, int], list[Change]] = field(default_factory=dict, repr=False, compare=False)

    def counts(self, direction: str = "both") -> dict[str, int]:
        result = dict.fromkeys(SEVERITIES, 0)
        for change in self.changes:
            result[change.severity(direction)] += 1
        return result

    def ordered(self, direction: str = "both") -> list[Change]:
        """Changes grouped by call, the group with the worst change first, the worst change first in each
        (worked out once per view: every report format asks several times)."""
        key = (direction, len(self.changes))
        found = self._ordered.get(key)
        if found is None:
            found = self._ordered[key] = order_changes(self.changes, direction)
        return list(found)


def order_changes(changes: list[Change], direction: str) -> list[Change]:
    groups: dict[tuple[str, str | None], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.call_type, change.event), []).append(change)
    ordered_groups = sorted(
        enumerate(groups.values()),
        key=lambda item: (-max(RANK[c.severity(direction)] for c in item[1]), item[0]),
    )
    result: list[Change] = []
    for _index, group in ordered_groups:
        result.extend(sorted(group, key=lambda c: -RANK[c.severity(direction)]))
    return result


def compare(old: Plan | None, new: Plan, old_label: str, new_label: str) -> DiffReport:
    """The report for one plan; ``old`` is ``None`` when the plan is new."""
    base = old if old is not None else empty_plan_like(new)
    changes = diff_plans(base, new)
    return DiffReport(
        old_label=old_label,
        new_label=new_label,
        changes=changes,
        version=check_version(old.version if old is not None else None, new.version, changes),
        new_files=list(new.files),
        old_missing=old is None,
    )
