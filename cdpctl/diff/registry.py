"""Every rule of ``cdpctl diff``, by id (ids are stable: tools and people match on them)."""

from __future__ import annotations

from cdpctl.diff import constraints, docs, events, properties
from cdpctl.diff.rules import KINDS, RANK, Rule

FAMILIES: tuple[tuple[str, tuple[Rule, ...]], ...] = (
    ("Calls", events.RULES),
    ("Properties and traits", properties.RULES),
    ("Constraints", constraints.RULES),
    ("Documentation", docs.RULES),
)


def _index() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for _family, family_rules in FAMILIES:
        for rule in family_rules:
            if rule.id in rules:
                raise RuntimeError(f"duplicate diff rule id {rule.id}")
            if rule.producer not in RANK or rule.consumer not in RANK or rule.kind not in KINDS:
                raise RuntimeError(f"diff rule {rule.id} has an unknown severity or kind")
            rules[rule.id] = rule
    return rules


RULES: dict[str, Rule] = _index()
"""Every rule, by id, in documentation order."""


def get(rule_id: str) -> Rule:
    return RULES[rule_id]
