"""CP104 dynamic-event-name: names that embed template placeholders, ids, numbers, dates or emails."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from cdpctl.errors import Pos
from cdpctl.lint.base import Hit, Option, Rule
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.walk import call_kind, named_calls
from cdpctl.model import Plan
from cdpctl.patterns import fullmatcher

_UUID = r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}"

PLACEHOLDER = re.compile(
    r"\$\{[^{}]*\}"  # ${name}: JavaScript template literals, shell
    r"|\{\{[^{}]*\}\}"  # {{name}}: Mustache, Handlebars, Jinja
    r"|\{[^{}]*\}"  # {name}: str.format, f-strings, ICU
    r"|%(?:\([^()]*\))?[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGoc@]"  # %s, %d, %(name)s, %@: printf styles
    r"|<[A-Za-z_][^<>]*>"  # <name>: documentation placeholders
    r"|(?<![\w:]):[A-Za-z_]\w*"  # :name: route parameters (/products/:id; not a 'Label:Value' pair)
)
"""Template syntaxes left in a name: the code that builds the name substitutes a value into them."""

CONCATENATED_ID = re.compile(rf"(?:{_UUID}|(?<=[_#:/-])\d+|(?<=\s)\d{{3,}})$", re.IGNORECASE)
"""A value pasted on the end of a name: a UUID, a number after ``_ # : / -``, a number of 3+ digits after a space.

Reported even with ``allow_numbers`` (which accepts 'Checkout Step 2 Viewed')."""

DETECTORS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a template placeholder", PLACEHOLDER),
    ("an email address", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),  # from a run's start: linear
    ("a URL", re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)),
    ("a UUID", re.compile(rf"\b{_UUID}\b", re.IGNORECASE)),
    (
        "a date",
        re.compile(
            r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|"
            r"(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))\b"
        ),
    ),
    ("a concatenated id", CONCATENATED_ID),
    # a run of letters and digits mixed, 6 or more long ('usr93x1k2'): separators end it, so the numbered
    # step of a snake_case or kebab-case name ('signup_step_2_done') is a number, not an id
    ("an id", re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{6,}(?![A-Za-z0-9])")),
    ("a number", re.compile(r"\d+")),
)


def _name_offset(source: SourceIndex, pos: Pos, offset: int) -> Pos:
    return source.offset_in_scalar(pos, offset)


def find_dynamic_part(name: str, allow_numbers: bool) -> tuple[str, int, str] | None:
    """``(what, offset, text)`` of the first dynamic-looking part of ``name``, or None."""
    for what, pattern in DETECTORS:
        if allow_numbers and what == "a number":
            continue
        match = pattern.search(name)
        if match:
            return what, match.start(), match.group(0)
    return None


def check(plan: Plan, options: Mapping[str, Any], source: SourceIndex) -> Iterator[Hit]:
    allowed = [fullmatcher(item) for item in options["allow"]]
    for call in named_calls(plan):
        assert call.name is not None
        if any(matches(call.name) for matches in allowed):
            continue
        found = find_dynamic_part(call.name, options["allow_numbers"])
        if found is None:
            continue
        what, offset, text = found
        yield Hit(
            _name_offset(source, call.pos, offset),
            f"{call_kind(call)} name '{call.name}' embeds {what} ('{text}'); put the value in a property and keep "
            "the name fixed, or every value becomes an event of its own",
        )


RULE = Rule(
    code="CP104",
    slug="dynamic-event-name",
    severity="error",
    summary="Event, page and screen names do not embed placeholders, ids, numbers, dates, URLs or emails.",
    description=(
        "A name built from data ('Order 1234 Completed', 'Signed Up 2024-05-01', 'Invite jo@acme.com Sent') "
        "turns every value into an event of its own: the plan cannot govern them and analytics tools "
        "drown in event names. The value belongs in a property. Template syntaxes left in a name are "
        "caught too ('Screen Viewed ${name}', '{name}', '{{name}}', '%s', '%(name)s', '<name>', ':name'), "
        "and so is an id pasted on the end ('Viewed_42', a trailing UUID). A numbered step inside a snake_case or "
        "kebab-case name ('signup_step_2_done') is a number, not an id. The finding points at the first dynamic "
        "part of the name. 'allow' lists regular expressions of names that are fine as written (a product "
        "called 'Web3', say), and 'allow_numbers' accepts plain numbers while still catching ids and dates."
    ),
    check=check,
    options={
        "allow_numbers": Option(False, "accept plain numbers in names (ids, dates, emails are still reported)"),
        "allow": Option([], "regular expressions of names that are accepted as written", item_type=str, regex=True),
    },
    passing="""\
events:
  Invoice Paid:
    description: The customer paid an invoice.
    properties:
      invoice_id: {type: string}
""",
    failing="""\
events:
  Order 1234 Completed:
    description: One event per order, by mistake.
  Invite jo@acme.com Sent:
    description: One event per invitee, by mistake.
""",
    failing_at=[(2, 9), (4, 10)],
)
