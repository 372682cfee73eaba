"""Lint configuration: the ``lint`` section of the project config, checked strictly.

::

    lint:
      extends: recommended          # or strict
      fail_on: warning              # optional default for --fail-on
      rules:
        missing-description: off
        dynamic-event-name: warning
        event-name-casing: {severity: error, style: snake_case}

A rule may also be configured directly under ``lint:`` (``lint: {missing-description: off}``).
Rules are named by slug or code.  Unknown rules, options, severities or
presets are configuration errors (exit status 2) with a did-you-mean hint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdpctl.errors import ConfigError
from cdpctl.lint.base import SEVERITIES, Option, Rule
from cdpctl.lint.registry import all_rules, find_rule, rule_names
from cdpctl.lint.suppress import META_RULES
from cdpctl.loader import did_you_mean

PRESETS = ("recommended", "strict")
SECTION_KEYS = ("extends", "rules", "fail_on")
FAIL_ON = (*SEVERITIES, "never")
OFF = "off"


@dataclass(frozen=True)
class RuleSetting:
    """An enabled rule with the severity and options it runs with."""

    rule: Rule
    severity: str
    options: Mapping[str, Any]


@dataclass(frozen=True)
class LintConfig:
    extends: str = "recommended"
    settings: tuple[RuleSetting, ...] = ()
    fail_on: str | None = None
    disabled: frozenset[str] = field(default_factory=frozenset)
    """Slugs of the rules switched off (by the preset or the configuration)."""
    meta: Mapping[str, str | None] = field(default_factory=dict)
    """The severity configured for a rule about suppression comments (``unused-disable``,
    ``unknown-disable``), by slug; ``None``: off.  Unconfigured ones keep their defaults."""

    def setting(self, slug: str) -> RuleSetting | None:
        for item in self.settings:
            if item.rule.slug == slug:
                return item
        return None


def preset(name: str) -> dict[str, tuple[str, dict[str, Any]] | None]:
    """Each rule's ``(severity, options)`` under a preset, or None when the preset leaves it off."""
    result: dict[str, tuple[str, dict[str, Any]] | None] = {}
    for rule in all_rules():
        options = rule.default_options()
        if name == "strict":
            options.update(rule.strict_options)
            severity = "error" if rule.severity == "warning" else rule.severity
            result[rule.slug] = (severity, options)
        else:
            result[rule.slug] = (rule.severity, options) if rule.recommended else None
    return result


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    if value in choices:
        return value
    for choice in choices:
        if _norm(choice) == _norm(value) and _norm(value):
            return choice
    shown = ", ".join(repr(c) for c in choices)
    raise ConfigError(f"{what}: '{value}' is not one of {shown}{did_you_mean(value, choices)}")


def _check_regex(value: str, what: str) -> None:
    from cdpctl.patterns import fullmatcher

    try:
        re.compile(value)
        fullmatcher(value)  # run on RE2 (linear time): a configuration is no more trusted than a plan
    except (re.error, ValueError) as exc:
        raise ConfigError(f"{what}: '{value}' is not a valid regular expression: {exc}") from exc


def check_option(option: Option, value: Any, what: str) -> Any:
    """``value`` checked against ``option`` (and normalised); raises ConfigError."""
    default = option.default
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{what} must be true or false, not {value!r}")
        return value
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{what} must be a whole number, not {value!r}")
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{what} must be a string, not {value!r}")
        if option.choices:
            value = _choice(value, option.choices, what)
        if option.regex and value:
            _check_regex(value, what)
        return value
    if isinstance(default, list):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{what} must be a list, not {value!r}")
        items = []
        for item in value:
            if option.item_type is not None and not isinstance(item, option.item_type):
                raise ConfigError(f"{what} must list strings, not {item!r}")
            if option.choices and isinstance(item, str):
                item = _choice(item, option.choices, what)
            if option.regex and isinstance(item, str):
                _check_regex(item, what)
            items.append(item)
        return items
    return value  # pragma: no cover - every option has one of the types above


def _severity(value: Any, what: str) -> str | None:
    """A severity from the configuration: None means off."""
    if value is False:
        return None
    if value is None:  # `rule:` with nothing after it: a slip, not a way to switch it off
        raise ConfigError(f"{what} has no value; write off, error, warning or info")
    if not isinstance(value, str):
        raise ConfigError(f"{what} must be off, error, warning, info or a table of options, not {value!r}")
    lowered = value.strip().lower()
    if lowered == OFF:
        return None
    if lowered == "warn":
        return "warning"
    if lowered in SEVERITIES:
        return lowered
    choices = (OFF, *SEVERITIES)
    raise ConfigError(f"{what}: unknown severity '{value}'; choose one of: {', '.join(choices)}{did_you_mean(value, choices)}")


def build_config(section: Mapping[str, Any], where: str = "lint configuration") -> LintConfig:
    """The lint configuration from the project config's ``lint`` section; raises ConfigError."""
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where}: 'lint' must be a table of settings")
    extends = section.get("extends", "recommended")
    if not isinstance(extends, str) or extends not in PRESETS:
        hint = did_you_mean(extends, PRESETS) if isinstance(extends, str) else ""
        raise ConfigError(f"{where}: 'extends' must be one of {', '.join(PRESETS)}, not {extends!r}{hint}")
    fail_on = section.get("fail_on")
    if "fail_on" in section and fail_on is None:  # `fail_on:` alone: a value forgotten, not the default
        raise ConfigError(f"{where}: 'fail_on' has no value; write one of {', '.join(FAIL_ON)}")
    if fail_on is not None and (not isinstance(fail_on, str) or fail_on not in FAIL_ON):
        hint = did_you_mean(fail_on, FAIL_ON) if isinstance(fail_on, str) else ""
        raise ConfigError(f"{where}: 'fail_on' must be one of {', '.join(FAIL_ON)}, not {fail_on!r}{hint}")

    entries: dict[str, Any] = {}
    rules_table = section.get("rules", {})
    if rules_table is None:
        rules_table = {}
    if not isinstance(rules_table, Mapping):
        raise ConfigError(f"{where}: 'rules' must be a table of rule settings")
    direct = {key: value for key, value in section.items() if key not in SECTION_KEYS}
    meta: dict[str, str | None] = {}
    for table in (direct, rules_table):
        for key, value in table.items():
            rule = find_rule(str(key))
            meta_rule = find_meta_rule(str(key)) if rule is None else None
            if meta_rule is not None:
                if meta_rule.slug in meta:
                    raise ConfigError(f"{where}: rule '{meta_rule.slug}' is configured twice")
                meta[meta_rule.slug] = _meta_severity(meta_rule, value, f"{where}: rule '{meta_rule.slug}'")
                continue
            if rule is None:
                names = [*rule_names(), *(name for item in META_RULES for name in (item.slug, item.code))]
                choices = [*names, *SECTION_KEYS] if table is direct else names
                label = "unknown lint rule or setting" if table is direct else "unknown lint rule"
                raise ConfigError(f"{where}: {label} '{key}'{did_you_mean(str(key), choices)}")
            if rule.slug in entries:
                raise ConfigError(f"{where}: rule '{rule.slug}' is configured twice")
            entries[rule.slug] = value

    base = preset(extends)
    settings: list[RuleSetting] = []
    disabled: set[str] = set()
    for rule in all_rules():
        current = base[rule.slug]
        severity = current[0] if current else None
        options = dict(current[1]) if current else rule.default_options()
        if rule.slug in entries:
            value = entries[rule.slug]
            what = f"{where}: rule '{rule.slug}'"
            if value is True:
                severity = severity or rule.severity
            elif isinstance(value, Mapping):
                severity = severity or rule.severity
                for name, option_value in value.items():
                    if name == "severity":
                        severity = _severity(option_value, f"{what} severity")
                        continue
                    option = rule.options.get(str(name))
                    if option is None:
                        known = ["severity", *rule.options]
                        listing = ", ".join(known)
                        raise ConfigError(
                            f"{what}: unknown option '{name}'{did_you_mean(str(name), known)}; "
                            f"its options are: {listing}"
                        )
                    options[str(name)] = check_option(option, option_value, f"{what} option '{name}'")
            else:
                severity = _severity(value, what)
        if severity is None:
            disabled.add(rule.slug)
            continue
        settings.append(RuleSetting(rule, severity, options))
    return LintConfig(
        extends=extends, settings=tuple(settings), fail_on=fail_on, disabled=frozenset(disabled), meta=meta
    )


def find_meta_rule(name: str) -> Rule | None:
    """A rule about suppression comments (CP001, CP002) by slug or code (case-insensitive)."""
    wanted = name.strip().lower()
    return next((rule for rule in META_RULES if wanted in (rule.slug, rule.code.lower())), None)


def _meta_severity(rule: Rule, value: Any, what: str) -> str | None:
    """The severity configured for a rule about suppression comments: a severity, ``off``, ``true`` or
    ``{severity: ...}`` (they have no options)."""
    if value is True:
        return rule.severity
    if isinstance(value, Mapping):
        for name in value:
            if name != "severity":
                raise ConfigError(f"{what}: unknown option '{name}'; its only setting is severity")
        return _severity(value.get("severity", rule.severity), f"{what} severity")
    return _severity(value, what)


def load_lint_config() -> LintConfig:
    """The lint configuration of the project found from the working directory."""
    import os

    from cdpctl.config import find_config

    project = find_config()
    where = os.path.relpath(project.source) if project.source is not None else "lint configuration"
    return build_config(project.section("lint"), where)
