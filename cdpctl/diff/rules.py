"""The vocabulary of ``cdpctl diff``: severities, rules and the changes they produce.

Every change the engine reports is produced by a :class:`Rule`; the rule
fixes its id and its severity for each side of the data flow, so a rule id
always means the same thing:

* **producers** (app code and SDKs that emit events) break when the plan gets
  *stricter*: a value they send today would fail validation tomorrow;
* **consumers** (warehouses, dbt models, destinations) break when the plan gets
  *looser* or a field disappears: data they rely on may change shape or vanish.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdpctl.errors import Pos

SEVERITIES = ("breaking", "warning", "info")
"""Most severe first."""

RANK = {"info": 0, "warning": 1, "breaking": 2}

DIRECTIONS = ("producer", "consumer", "both")

KINDS = ("contract", "docs")
"""``docs`` changes (descriptions, owners, tags) only need a patch release."""


def worst(*severities: str) -> str:
    """The most severe of the given severities (the first of the most severe: as ``max`` would)."""
    found = severities[0]
    for severity in severities[1:]:
        if RANK[severity] > RANK[found]:
            found = severity
    return found


@dataclass(frozen=True)
class Example:
    """A minimal before/after pair showing a rule.

    ``scope`` says where the fragments go: ``property`` fragments are the
    properties of a track event named ``Signed Up``, ``event`` fragments are
    entries of ``events:``, ``plan`` fragments are top-level plan keys.
    """

    before: str
    after: str
    scope: str = "property"

    def plan_text(self, after: bool) -> str:
        """A whole plan holding one side of the example (what the rule's test and docs run)."""
        fragment = self.after if after else self.before
        if self.scope == "plan":
            name = "" if fragment.startswith("plan:") else "plan: Example\n"
            return f"{name}version: 1.0.0\n{fragment}\n"
        if self.scope == "event":
            return "plan: Example\nversion: 1.0.0\nevents:\n" + _indent(fragment, 2)
        return "plan: Example\nversion: 1.0.0\nevents:\n  Signed Up:\n    properties:\n" + _indent(fragment, 6)


def _indent(text: str, width: int) -> str:
    return "".join(" " * width + line + "\n" for line in text.splitlines())


@dataclass(frozen=True)
class Change:
    """One difference between two plans, classified by a rule.

    ``call_type`` is ``track``, ``identify``, ``group``, ``page``, ``screen``
    (or ``plan`` for plan-level changes, ``common`` for the common rules, ``shared``
    for an entry of the shared property library); ``event`` the event, page or screen
    name (``None`` for identify, group and the plan); ``path`` the property
    path (``properties.products[].price``; ``properties`` alone for the call's
    own object, empty for the call itself); ``pos`` the place in the NEW plan
    to point at.
    """

    rule: str
    producer: str
    consumer: str
    kind: str
    call_type: str
    event: str | None
    path: str
    message: str
    old: Any = None
    new: Any = None
    pos: Pos | None = None
    events: tuple[str, ...] = ()
    """The calls a change to a shared definition touches (``type: "shared"``), in plan order; empty otherwise."""

    def severity(self, direction: str = "both") -> str:
        """The severity in a view: one side, or the worst over both."""
        if direction == "producer":
            return self.producer
        if direction == "consumer":
            return self.consumer
        producer, consumer = self.producer, self.consumer  # worst() written out: it runs for every change
        return producer if RANK[producer] >= RANK[consumer] else consumer

    @property
    def call_label(self) -> str:
        """Human name of the call: ``Order Completed``, ``identify``, ``page Pricing``, ``plan``."""
        if self.call_type == "track" and self.event is not None:
            return self.event
        if self.event is None:
            return self.call_type
        return f"{self.call_type} {self.event}"


@dataclass(frozen=True)
class Rule:
    """A kind of change with a stable kebab-case id and a severity for each side."""

    id: str
    producer: str
    consumer: str
    summary: str
    example: Example
    kind: str = "contract"

    def change(
        self,
        *,
        call_type: str,
        event: str | None,
        path: str,
        message: str,
        old: Any = None,
        new: Any = None,
        pos: Pos | None = None,
    ) -> Change:
        return Change(
            rule=self.id,
            producer=self.producer,
            consumer=self.consumer,
            kind=self.kind,
            call_type=call_type,
            event=event,
            path=path,
            message=message,
            old=old,
            new=new,
            pos=pos,
        )


@dataclass(frozen=True)
class Where:
    """The call a comparison is looking at (shared by every rule family)."""

    call_type: str
    event: str | None
    noun: str = "property"
    """``property`` or ``trait``: how messages name the call's fields."""

    def change(self, rule: Rule, path: str, message: str, old: Any = None, new: Any = None, pos: Pos | None = None) -> Change:
        return rule.change(
            call_type=self.call_type, event=self.event, path=path, message=message, old=old, new=new, pos=pos
        )


def show(value: Any) -> str:
    """A value as it reads in a message: JSON, so strings are quoted and null is null."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def field_name(path: str) -> str:
    """The path as a message names it: without the leading ``properties.`` / ``traits.``."""
    head, _, rest = path.partition(".")
    return rest if head in ("properties", "traits") and rest else path
