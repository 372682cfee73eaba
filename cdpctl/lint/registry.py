"""The rule registry: every rule module, in code order.  Codes are never reused."""

from __future__ import annotations

import importlib
from functools import cache

from cdpctl.lint.base import Rule

RULE_MODULES = (
    "event_name_casing",
    "property_name_casing",
    "event_name_collision",
    "dynamic_event_name",
    "missing_description",
    "deprecated_without_note",
    "property_type_conflict",
    "enum_consistency",
    "invalid_pattern",
    "reserved_property",
    "unused_definition",
    "semantic_event",
)

RETIRED_CODES: tuple[str, ...] = ()
"""Codes of rules that were removed; they are never given to a new rule."""


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by code."""
    rules = [importlib.import_module(f"cdpctl.lint.rules.{name}").RULE for name in RULE_MODULES]
    return tuple(sorted(rules, key=lambda rule: rule.code))


def find_rule(name: str) -> Rule | None:
    """A rule by slug or code (case-insensitive)."""
    wanted = name.strip().lower()
    for rule in all_rules():
        if wanted in (rule.slug, rule.code.lower()):
            return rule
    return None


def rule_names() -> list[str]:
    """Every slug and code (for did-you-mean hints)."""
    return [name for rule in all_rules() for name in (rule.slug, rule.code)]
