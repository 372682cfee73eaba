"""``cdpctl lint --explain SLUG`` and ``--list-rules``: the rules' own documentation."""

from __future__ import annotations

import textwrap

from cdpctl.lint.base import Rule
from cdpctl.lint.config import RuleSetting, preset


def example_findings(rule: Rule, snippet: str) -> list[str]:
    """What the rule reports on ``snippet`` with its default options, as ``LINE:COLUMN: message``."""
    from cdpctl.errors import PlanLoadError
    from cdpctl.lint.runner import run_rule
    from cdpctl.lint.source import SourceIndex
    from cdpctl.loader import load_plan_text

    try:
        plan = load_plan_text(snippet, "example.yaml", check_patterns=False)
    except PlanLoadError as exc:  # pragma: no cover - the examples are tested to load
        return [str(issue) for issue in exc.issues]
    setting = RuleSetting(rule, rule.severity, rule.default_options())
    found = run_rule(setting, plan, SourceIndex(plan.sources))
    return [f"{f.pos}: {f.rule} {f.message}" for f in sorted(found, key=lambda f: f.sort_key())]


def _indent(text: str) -> str:
    return textwrap.indent(text.rstrip("\n"), "    ")


def explain(rule: Rule) -> str:
    """The full documentation of a rule, with its examples and what it reports on the failing one."""
    base = preset("recommended")
    if rule.slug in base:
        enabled = "enabled" if base[rule.slug] is not None else "disabled"
        where = f"{enabled} in 'recommended', enabled in 'strict'"
    else:
        where = "enabled in every preset (configure its severity, or off, in the lint section)"
    lines = [
        f"{rule.code} {rule.slug}",
        "",
        f"Default severity: {rule.severity}; {where}.",
        "",
        rule.summary,
        "",
        *textwrap.wrap(rule.description, width=88),
        "",
    ]
    if rule.options:
        lines.append("Options (lint.rules." + rule.slug + " in the project config):")
        for name, option in rule.options.items():
            strict = (
                f"; strict: {rule.strict_options[name]!r}".replace("True", "true").replace("False", "false")
                if name in rule.strict_options
                else ""
            )
            lines.append(f"  {name} (default {option.describe_default()}{strict}): {option.help}")
        lines.append("")
    if rule.passing:
        lines += ["Passing example:", "", _indent(rule.passing), ""]
    if rule.failing:
        lines += ["Failing example:", "", _indent(rule.failing), "", "cdpctl lint reports on it:", ""]
        lines += [f"    {line}" for line in example_findings(rule, rule.failing)]
        lines.append("")
    if rule.check_plan:
        lines.append(f"Suppress one finding with a comment on the line or the line above: # cdpctl: disable={rule.slug}")
    return "\n".join(lines) + "\n"


def list_rules(rules: tuple[Rule, ...]) -> str:
    """One line per rule: code, slug, default severity, whether 'recommended' enables it, summary."""
    base = preset("recommended")
    width = max(len(rule.slug) for rule in rules)
    lines = []
    for rule in rules:
        enabled = base.get(rule.slug, ())
        mark = "always" if enabled == () else ("recommended" if enabled is not None else "strict only")
        lines.append(f"{rule.code}  {rule.slug:<{width}}  {rule.severity:<7}  {mark:<11}  {rule.summary}")
    return "\n".join(lines) + "\n"
