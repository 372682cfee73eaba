"""Rules for documentation: descriptions, owners, tags, examples, ``x-`` extensions, names of the plan.

None of these change what data is valid, so they are ``info`` for both sides
and only ask for a patch release.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cdpctl.diff.rules import Change, Example, Rule, Where, field_name, show
from cdpctl.errors import Pos

INFO = "info"

DESCRIPTION_CHANGED = Rule(
    "description-changed", INFO, INFO, "A description was added, changed or removed (plan, call or property).",
    Example("total: {type: number, description: Order total.}", "total: {type: number, description: Order total in USD.}"),
    kind="docs",
)
EXAMPLES_CHANGED = Rule(
    "examples-changed", INFO, INFO, "The `examples` of a property changed.",
    Example("total: {type: number, examples: [10]}", "total: {type: number, examples: [10, 99.5]}"),
    kind="docs",
)
EXTENSION_CHANGED = Rule(
    "extension-changed", INFO, INFO, "An `x-` extension key was added, changed or removed.",
    Example("total: {type: number}", "total: {type: number, x-pii: false}"),
    kind="docs",
)
OWNER_CHANGED = Rule(
    "owner-changed", INFO, INFO, "The owner of an event, page or screen changed.",
    Example("Signed Up: {owner: growth}", "Signed Up: {owner: identity}", scope="event"),
    kind="docs",
)
TAGS_CHANGED = Rule(
    "tags-changed", INFO, INFO, "The tags of an event, page or screen changed.",
    Example("Signed Up: {tags: [funnel]}", "Signed Up: {tags: [funnel, activation]}", scope="event"),
    kind="docs",
)
EVENT_VERSION_CHANGED = Rule(
    "event-version-changed", INFO, INFO, "The `version` number written on an event changed.",
    Example("Signed Up: {version: 1}", "Signed Up: {version: 2}", scope="event"),
    kind="docs",
)
PLAN_RENAMED = Rule(
    "plan-renamed", INFO, INFO, "The `plan:` name changed.",
    Example("plan: Acme", "plan: Acme Shop", scope="plan"),
    kind="docs",
)

RULES: tuple[Rule, ...] = (
    DESCRIPTION_CHANGED,
    EXAMPLES_CHANGED,
    EXTENSION_CHANGED,
    OWNER_CHANGED,
    TAGS_CHANGED,
    EVENT_VERSION_CHANGED,
    PLAN_RENAMED,
)


def _subject(where: Where, path: str) -> str:
    if not path:
        return "the plan" if where.call_type == "plan" else where_label(where)
    return f"{where.noun} '{field_name(path)}'"


def where_label(where: Where) -> str:
    if where.call_type == "common":
        return "the common rules"
    if where.call_type == "track":
        return f"event '{where.event}'"
    if where.event is None:
        return f"the {where.call_type} traits"
    return f"{where.call_type} '{where.event}'"


def compare_description(where: Where, path: str, old: str | None, new: str | None, pos: Pos) -> Iterator[Change]:
    if (old or None) == (new or None):
        return
    subject = _subject(where, path)
    if old is None:
        message = f"{subject} gained a description"
    elif new is None:
        message = f"{subject} lost its description"
    else:
        message = f"the description of {subject} changed"
    yield where.change(DESCRIPTION_CHANGED, path, message, old, new, pos)


def compare_extras(where: Where, path: str, old: dict[str, Any], new: dict[str, Any], pos: Pos) -> Iterator[Change]:
    """``examples`` and ``x-`` keys kept by the loader."""
    if not old and not new:
        return
    subject = _subject(where, path)
    for key in sorted(set(old) | set(new)):
        if key not in ("examples",) and not key.startswith("x-"):
            continue
        before, after = old.get(key), new.get(key)
        if show(before) == show(after):
            continue
        if key == "examples":
            yield where.change(EXAMPLES_CHANGED, path, f"the examples of {subject} changed", before, after, pos)
            continue
        if before is None:
            message = f"{subject} gained extension '{key}': {show(after)}"
        elif after is None:
            message = f"{subject} lost extension '{key}'"
        else:
            message = f"extension '{key}' of {subject} changed from {show(before)} to {show(after)}"
        yield where.change(EXTENSION_CHANGED, path, message, {key: before}, {key: after}, pos)


def compare_call_docs(
    where: Where,
    old_owner: str | None,
    new_owner: str | None,
    old_tags: list[str],
    new_tags: list[str],
    old_version: int | None,
    new_version: int | None,
    pos: Pos,
    key_pos: dict[str, Pos],
) -> Iterator[Change]:
    subject = where_label(where)
    if old_owner != new_owner:
        yield where.change(
            OWNER_CHANGED, "", f"the owner of {subject} changed from {show(old_owner)} to {show(new_owner)}",
            old_owner, new_owner, key_pos.get("owner", pos),
        )
    if old_tags != new_tags:
        added = [tag for tag in new_tags if tag not in old_tags]
        removed = [tag for tag in old_tags if tag not in new_tags]
        parts = []
        if added:
            parts.append("added " + ", ".join(show(tag) for tag in added))
        if removed:
            parts.append("removed " + ", ".join(show(tag) for tag in removed))
        detail = "; ".join(parts) or "reordered"
        yield where.change(
            TAGS_CHANGED, "", f"the tags of {subject} changed: {detail}", old_tags, new_tags, key_pos.get("tags", pos)
        )
    if old_version != new_version:
        yield where.change(
            EVENT_VERSION_CHANGED, "", f"the version of {subject} changed from {show(old_version)} to {show(new_version)}",
            old_version, new_version, key_pos.get("version", pos),
        )
