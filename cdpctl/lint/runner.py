"""Run the configured rules over a plan: findings, suppressions, and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

from cdpctl.lint.base import SEVERITY_RANK, Finding, Hit
from cdpctl.lint.config import LintConfig, RuleSetting
from cdpctl.lint.source import SourceIndex
from cdpctl.lint.suppress import apply, directive_findings, parse_directives
from cdpctl.model import Plan

INVALID_PATTERN = "invalid-pattern"
"""The rule that reports a pattern the engine cannot run, where it fails the run (else it is ``plan-load``)."""
PLAN_LOAD_SLUG = "plan-load"
"""The rule of load errors (:mod:`cdpctl.lint.load_problems`): a plan that does not load fails whatever the threshold."""


@dataclass
class LintReport:
    """What a lint run found, after suppression comments were applied."""

    files: list[str]
    settings: tuple[RuleSetting, ...]
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for finding in self.findings if finding.severity == severity)

    def failing(self, fail_on: str) -> list[Finding]:
        """Findings at or above ``fail_on`` (``never``: none), and every load error whatever ``fail_on`` says."""
        threshold = SEVERITY_RANK.get(fail_on, 99)
        return [f for f in self.findings if f.rule == PLAN_LOAD_SLUG or SEVERITY_RANK[f.severity] >= threshold]

    def load_errors(self) -> list[Finding]:
        """The ``plan-load`` findings: the plan does not load (``lint`` exits 2)."""
        return [finding for finding in self.findings if finding.rule == PLAN_LOAD_SLUG]

    def summary(self, fail_on: str) -> dict[str, object]:
        return {
            "error": self.count("error"),
            "warning": self.count("warning"),
            "info": self.count("info"),
            "total": len(self.findings),
            "suppressed": len(self.suppressed),
            "fail_on": fail_on,
            "failed": bool(self.failing(fail_on)),
            "files": list(self.files),
            "rules": [setting.rule.slug for setting in self.settings],
        }


def printable(text: str) -> str:
    """``text`` with control and formatting characters (newlines, escape, bidi overrides) escaped, so a
    hostile name cannot break a report's lines or a terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def run_rule(setting: RuleSetting, plan: Plan, source: SourceIndex) -> list[Finding]:
    """One rule's findings, deduplicated (a definition reached twice is reported once)."""
    rule = setting.rule
    seen: set[Hit] = set()
    findings: list[Finding] = []
    try:
        hits = list(rule.check(plan, setting.options, source))
    except Exception as exc:  # a rule bug must not hide the other rules' findings
        hits = [Hit(plan.pos, f"internal error in rule '{rule.slug}': {type(exc).__name__}: {exc}")]
    for hit in hits:
        if hit in seen:
            continue
        seen.add(hit)
        findings.append(Finding(rule.slug, rule.code, setting.severity, printable(hit.message), hit.pos))
    return findings


def lint_plan(
    plan: Plan, config: LintConfig, report_unused_disables: bool = False, fail_on: str = "error"
) -> LintReport:
    """Run every enabled rule of ``config`` over ``plan``.

    The load errors it kept (``Plan.kept_errors``: patterns the engine cannot run, in a plan loaded with
    ``check_patterns=False``) are ``invalid-pattern`` findings where that rule fails the run at ``fail_on``
    and no comment suppresses it there; every other one is a ``plan-load`` error, outside every setting and
    comment (the plan does not load: exit 2). Either way such a plan never passes."""
    source = SourceIndex(plan.sources)
    raw: list[Finding] = []
    for setting in config.settings:
        raw.extend(run_rule(setting, plan, source))
    covering = next((s for s in config.settings if s.rule.slug == INVALID_PATTERN), None)
    if covering is not None and SEVERITY_RANK[covering.severity] < SEVERITY_RANK.get(fail_on, 99):
        covering = None  # a finding that would not fail the run cannot stand for a load error
    if plan.kept_errors and covering is not None:
        said = {f.pos for f in raw if f.rule == INVALID_PATTERN}  # the rule's own words at the construct
        rule = covering.rule
        raw += [
            Finding(rule.slug, rule.code, covering.severity, printable(issue.message), issue.pos)
            for issue in plan.kept_errors
            if issue.pos not in said
        ]
    directives = parse_directives(plan.sources)
    split = apply(raw, directives)
    findings = split.kept + directive_findings(split.directives, report_unused_disables, config.meta)
    if plan.kept_errors:
        from cdpctl.lint.load_problems import with_load_errors

        covered = {f.pos for f in split.kept if f.rule == INVALID_PATTERN} if covering is not None else set()
        findings = with_load_errors(findings, [issue for issue in plan.kept_errors if issue.pos not in covered])
    findings.sort(key=Finding.sort_key)
    split.suppressed.sort(key=Finding.sort_key)
    return LintReport(files=list(plan.files), settings=config.settings, findings=findings, suppressed=split.suppressed)
