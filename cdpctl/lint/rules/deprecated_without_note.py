"""CP202 deprecated-without-note: a deprecated event says what replaces it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.loader import did_you_mean
from cdpctl.model import Plan

REPLACEMENT_WORDS = re.compile(
    r"\b(replaced|replacement|replaces|superseded|supersedes|instead|use|migrate|migrated|moved|renamed|"
    r"successor|no replacement|removed)\b",
    re.IGNORECASE,
)
REPLACED_BY = "x-replaced-by"


NOUNS = {"track": "event", "page": "page", "screen": "screen"}


def _same_kind(plan: Plan, call_type: str) -> Mapping[str, Any]:
    """The calls a deprecated call of ``call_type`` may be replaced by: events, pages or screens."""
    found = {"page": plan.pages, "screen": plan.screens}.get(call_type, plan.events)
    return found or {}


def _names_replacement(text: str, names: Mapping[str, Any], self_name: str | None) -> bool:
    if REPLACEMENT_WORDS.search(text):
        return True
    return any(name in text for name in names if name != self_name)


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    strict = options["require_replacement"]
    for call in plan.calls():
        if not call.deprecated:
            continue
        at = call.key_pos.get("deprecated", call.pos)
        noun = NOUNS.get(call.type, call.type)
        names = _same_kind(plan, call.type)  # a page is replaced by a page, a screen by a screen
        replaced_by = call.extra.get(REPLACED_BY)
        if replaced_by is not None:
            if not isinstance(replaced_by, str) or replaced_by not in names:
                shown = replaced_by if isinstance(replaced_by, str) else repr(replaced_by)
                hint = did_you_mean(shown, names) if isinstance(replaced_by, str) else ""
                yield Hit(
                    call.key_pos.get(REPLACED_BY, at),
                    f"'{REPLACED_BY}' of deprecated {noun} '{call.name}' names no {noun} of the plan: '{shown}'{hint}",
                )
            continue
        description = (call.description or "").strip()
        if not description:
            yield Hit(
                at,
                f"{noun} '{call.name}' is deprecated without a note: say in its description what replaces it "
                f"(or set '{REPLACED_BY}: {noun.capitalize()} Name')",
            )
        elif strict and not _names_replacement(description, names, call.name):
            yield Hit(
                at,
                f"deprecated {noun} '{call.name}': its description does not say what replaces it "
                f"(name the replacing {noun}, or set '{REPLACED_BY}: {noun.capitalize()} Name')",
            )
    if not options["properties"]:
        return
    for definition in source.definitions(plan):
        prop = definition.prop
        if prop.deprecated and not (prop.description or "").strip():
            yield Hit(
                prop.key_pos.get("deprecated", prop.pos),
                f"{definition.kind} '{definition.path}' of {definition.where} is deprecated without a note: "
                "say in its description what replaces it",
            )


RULE = Rule(
    code="CP202",
    slug="deprecated-without-note",
    severity="warning",
    summary="A deprecated event has a description saying what replaces it.",
    description=(
        "Marking an event deprecated tells producers to stop sending it; without a note they cannot tell "
        "what to send instead. A deprecated event needs a description, or an 'x-replaced-by' key naming "
        "the event that replaces it (a page for a deprecated page, a screen for a screen; checked against the plan, "
        "with a did-you-mean hint). With "
        "'require_replacement' the description itself must name the replacement: mention another event "
        "of the plan, or say 'replaced by', 'use ... instead', 'superseded' or 'no replacement'. With "
        "'properties', deprecated properties and traits need a description too."
    ),
    check=check,
    options={
        "require_replacement": Option(False, "the description must name what replaces the event"),
        "properties": Option(True, "deprecated properties and traits need a description too"),
    },
    strict_options={"require_replacement": True},
    passing="""\
events:
  Invoice Paid:
    description: The customer paid an invoice.
  Checkout Finished:
    description: Replaced by Invoice Paid since app 4.2.
    deprecated: true
""",
    failing="""\
events:
  Order Completed:
    description: The customer paid.
  Checkout Finished:
    deprecated: true
  Purchase Made:
    deprecated: true
    x-replaced-by: Order Complete
""",
    failing_at=[(5, 5), (8, 5)],
)
