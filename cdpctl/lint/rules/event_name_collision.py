"""CP103 event-name-collision: two names that differ only by case, spaces or punctuation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.lint.base import Hit, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import call_kind, named_calls
from cdpctl.model import Call, Plan


def normalize(name: str) -> str:
    """``Order Completed``, ``order_completed`` and ``orderCompleted`` all give ``ordercompleted``."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return re.sub(r"[\W_]+", "", folded)


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    first: dict[tuple[str, str], Call] = {}
    for call in named_calls(plan):
        assert call.name is not None
        key = (call.type, normalize(call.name))
        if not key[1]:
            continue
        earlier = first.get(key)
        if earlier is None:
            first[key] = call
            continue
        where = (
            f"line {earlier.pos.line}" if earlier.pos.file == call.pos.file else f"{earlier.pos}"
        )
        yield Hit(
            call.pos,
            f"{call_kind(call)} name '{call.name}' collides with '{earlier.name}' ({where}): they differ only by case, "
            "spaces or punctuation, and downstream tools may merge or confuse them",
        )


RULE = Rule(
    code="CP103",
    slug="event-name-collision",
    severity="error",
    summary="No two events whose names differ only by case, spaces or punctuation.",
    description=(
        "'Order Completed' and 'order_completed' are two events to the plan and to a validator, but one "
        "to the person reading a dashboard, and several warehouse destinations fold them into the same "
        "table. Names are compared after folding case and removing spaces, underscores, hyphens and other "
        "punctuation; page names and screen names are compared among themselves the same way. The finding "
        "points at the later name."
    ),
    check=check,
    passing="""\
events:
  Invoice Paid:
    description: The customer paid an invoice.
  Invoice Voided:
    description: The invoice was voided.
""",
    failing="""\
events:
  Order Completed:
    description: The customer paid.
  order_completed:
    description: Sent by the legacy app.
""",
    failing_at=[(4, 3)],
)
