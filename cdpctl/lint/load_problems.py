"""A plan that does not load, as a lint report: each load problem a finding of the ``plan-load`` rule.

Lint rules need a loaded plan; a plan that does not load has none to give
them.  Its load problems (YAML syntax, the plan format, references, includes)
are still what a linting CI step must show where it shows findings: as
GitHub annotations, SARIF results, JUnit failures, JSON or markdown.  The
command exits 2 all the same (the plan does not load).

A plan whose only load errors are patterns the engine cannot run is still
linted (lint loads it with ``check_patterns=False``, for rule CP303 to point
into each construct); each such error is an ``invalid-pattern`` error where
that rule fails the run, and a ``plan-load`` finding where a rule setting, a
suppression comment or ``--fail-on`` would let it pass (exit 2): never hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdpctl.errors import PlanIssue, PlanLoadError, file_name_text
from cdpctl.lint.base import Finding, Rule
from cdpctl.lint.runner import PLAN_LOAD_SLUG, LintReport, printable
from cdpctl.lint.suppress import META_RULES

PLAN_LOAD = Rule(
    code="CP000",
    slug=PLAN_LOAD_SLUG,
    severity="error",
    summary="The plan loads: YAML syntax, the plan format, references and includes (exit status 2 otherwise).",
    description=(
        "A plan that does not load cannot be linted: every problem the loader finds (a YAML syntax error, "
        "an unknown key or type, a reference to nothing, an include outside the plan's folder) is reported "
        "as a finding of this rule, at its file, line and column, in every report format, and the command "
        "exits with status 2. A plan whose only load errors are patterns the loader refuses (not ECMA-262, "
        "or not linear-time) is linted all the same, so that invalid-pattern can point at each construct: each "
        "such error is an invalid-pattern error (exit status 1) where that rule fails the run, and a finding of "
        "this rule (exit status 2) where the rule settings, a suppression comment or --fail-on would let it pass. "
        "It cannot be disabled or suppressed: fix the plan."
    ),
    check=lambda plan, options, source: (),
    passing="",
    failing="",
    failing_at=(),
    check_plan=False,
)

OUTSIDE_RULES: tuple[Rule, ...] = (*META_RULES, PLAN_LOAD)
"""The codes no lint configuration reaches: the suppression comments' own and ``plan-load``."""


def load_findings(issues: Sequence[PlanIssue]) -> list[Finding]:
    """One ``plan-load`` error per load problem."""
    return [Finding(PLAN_LOAD.slug, PLAN_LOAD.code, PLAN_LOAD.severity, printable(issue.message), issue.pos) for issue in issues]


def load_report(error: PlanLoadError, files: Sequence[str]) -> LintReport:
    """The report of a plan that did not load: one ``plan-load`` error per load problem, in source order."""
    return LintReport(files=list(dict.fromkeys(map(file_name_text, files))), settings=(), findings=load_findings(error.issues))


def with_load_errors(findings: Sequence[Finding], issues: Sequence[PlanIssue]) -> list[Finding]:
    """``findings`` (kept after suppression) with a ``plan-load`` error for each load error of a plan that was
    linted all the same; an ``invalid-pattern`` finding at the place of one is the same problem, said once."""
    errors = load_findings(issues)
    places = {error.pos for error in errors}
    return [f for f in findings if not (f.rule == "invalid-pattern" and f.pos in places)] + errors


__all__ = ["OUTSIDE_RULES", "PLAN_LOAD", "load_findings", "load_report", "with_load_errors"]
