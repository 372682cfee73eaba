"""The plan's ``common:`` rules, compared once under the pseudo-call ``common``.

Common rules are compiled into every governed call, but a pull request reads
better with one change per edited rule than with the same change repeated on
each event.  Changes are reported with ``type: "common"`` (no event) at
``properties.NAME`` (track, page and screen properties), ``traits.NAME``
(identify and group traits) or ``context.NAME``, with the same rules and
severities as any property change.  The severity is the worst over the calls
the rule reaches: a common property added or removed counts as added to an
open object when any of those calls accepts unplanned keys (or defines the
name itself), and as removed from a closed object when any of them does not.
``context`` is always open.
"""

from __future__ import annotations

from collections.abc import Iterator

from cdpctl.diff import docs, properties
from cdpctl.diff.rules import Change, Where
from cdpctl.model import Call, Common, Plan

SECTIONS = (("properties", "property"), ("traits", "trait"), ("context", "property"))


def _reached(plan: Plan, section: str) -> list[Call]:
    if section == "context":
        return list(plan.calls())
    return [call for call in plan.calls() if call.field_key == section]


def _old_open(old: Plan, new: Plan, section: str, added: set[str]) -> bool:
    """Whether an added common name may already be sent with other values by some producer."""
    if section == "context":
        return True
    if any(call.additional_properties for call in _reached(old, section)):
        return True
    return any(name in call.fields for call in _reached(new, section) for name in added)


def _new_open(new: Plan, section: str) -> bool:
    """Whether every reached call still accepts a removed common name as an unplanned key."""
    if section == "context":
        return True
    return all(call.additional_properties for call in _reached(new, section))


def compare_common(old: Plan, new: Plan) -> Iterator[Change]:
    """Every change to the ``common:`` section, reported once under the ``common`` pseudo-call."""
    if old.common is None and new.common is None:
        return
    pos = new.key_pos.get("common", new.pos)
    old_common = old.common or Common(pos=pos)
    new_common = new.common or Common(pos=pos)
    for section, noun in SECTIONS:
        before = getattr(old_common, section)
        after = getattr(new_common, section)
        if not before and not after:
            continue
        added = {name for name in after if name not in before}
        yield from properties.compare_fields(
            Where("common", None, noun), section, before, after,
            _old_open(old, new, section, added), _new_open(new, section),
            new_common.key_pos.get(section, pos),
        )
    yield from docs.compare_description(
        Where("common", None), "", old_common.description, new_common.description,
        new_common.key_pos.get("description", pos),
    )
