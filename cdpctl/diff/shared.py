"""A renamed shared property, reported once: the per-call renames it causes folded into one change.

The engine compares resolved calls, so renaming an entry of the plan's shared
property library (``properties:`` at the top) and its uses shows as one
``property-renamed`` change per call that uses it.  A pull request reads better
with one change naming the calls it touches: this pass replaces those per-call
changes with one ``property-renamed`` change of ``type: "shared"`` (no event) at
``properties.NEW``, whose ``events`` lists the calls, in plan order.

A rename is folded only when OLD's library has the old name and not the new
one, and NEW's library the new name and not the old one; renames of a call's
own (not shared) properties stay per call.
"""

from __future__ import annotations

from dataclasses import replace

from cdpctl.diff.rules import Change, worst
from cdpctl.model import Plan


def library_changes(old: Plan, new: Plan) -> tuple[set[str], set[str]]:
    """(names only OLD's shared library has, names only NEW's has)."""
    return set(old.properties) - set(new.properties), set(new.properties) - set(old.properties)


def fold_shared_renames(old: Plan, new: Plan, changes: list[Change]) -> list[Change]:
    """``changes`` with the per-call renames of each shared library entry replaced by one change."""
    gone, came = library_changes(old, new)
    if not gone or not came:
        return changes

    def folds(change: Change) -> bool:
        return (
            change.rule == "property-renamed"
            and change.old in gone
            and change.new in came
            and change.path.rpartition(".")[2] == change.new
        )

    groups: dict[tuple[str, str], list[Change]] = {}
    for change in changes:
        if folds(change):
            groups.setdefault((change.old, change.new), []).append(change)
    result: list[Change] = []
    for change in changes:
        if not folds(change):
            result.append(change)
            continue
        group = groups.pop((change.old, change.new), None)
        if group is not None:  # the first of its group: the folded change takes its place
            result.append(_folded(new, group))
    return result


def _folded(new: Plan, group: list[Change]) -> Change:
    first = group[0]
    old_name, new_name = first.old, first.new
    labels = tuple(dict.fromkeys(change.call_label for change in group))
    noun = "call" if len(labels) == 1 else "calls"
    return replace(
        first,
        producer=worst(*(change.producer for change in group)),
        consumer=worst(*(change.consumer for change in group)),
        call_type="shared",
        event=None,
        path=f"properties.{new_name}",
        message=(
            f"shared property '{old_name}' was likely renamed to '{new_name}' (removed and added with the same "
            f"definition), in {len(labels)} {noun}: {', '.join(labels)}"
        ),
        pos=new.properties[new_name].pos,
        events=labels,
    )
