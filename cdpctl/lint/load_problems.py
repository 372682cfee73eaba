"""A plan that does not load, as a lint report: each load problem a finding of the ``plan-load`` rule.

Lint rules need a loaded plan; a plan that does not load has none to give
them.  Its load problems (YAML syntax, the plan format, references, includes)
are still what a linting CI step must show where it shows findings: as
GitHub annotations, SARIF results, JUnit failures, JSON or markdown.  The
command exits 2 all the same (the plan does not load).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdpctl.errors import PlanLoadError, file_name_text
from cdpctl.lint.base import Finding, Rule
from cdpctl.lint.runner import LintReport, printable
from cdpctl.lint.suppress import META_RULES

PLAN_LOAD = Rule(
    code="CP000",
    slug="plan-load",
    severity="error",
    summary="The plan loads: YAML syntax, the plan format, references and includes (exit status 2 otherwise).",
    description=(
        "A plan that does not load cannot be linted: every problem the loader finds (a YAML syntax error, "
        "an unknown key or type, a reference to nothing, an include outside the plan's folder) is reported "
        "as a finding of this rule, at its file, line and column, in every report format, and the command "
        "exits with status 2. It cannot be disabled or suppressed: fix the plan."
    ),
    check=lambda plan, options, source: (),
    passing="",
    failing="",
    failing_at=(),
    check_plan=False,
)

OUTSIDE_RULES: tuple[Rule, ...] = (*META_RULES, PLAN_LOAD)
"""The codes no lint configuration reaches: the suppression comments' own and ``plan-load``."""


def load_report(error: PlanLoadError, files: Sequence[str]) -> LintReport:
    """The report of a plan that did not load: one ``plan-load`` error per load problem, in source order."""
    findings = [
        Finding(PLAN_LOAD.slug, PLAN_LOAD.code, PLAN_LOAD.severity, printable(issue.message), issue.pos) for issue in error.issues
    ]
    return LintReport(files=list(dict.fromkeys(map(file_name_text, files))), settings=(), findings=findings)


__all__ = ["OUTSIDE_RULES", "PLAN_LOAD", "load_report"]
