"""``cdpctl lint``: rules that keep a tracking plan consistent as teams grow.

Each rule is a module of :mod:`cdpctl.lint.rules` with a stable code and a
slug (see :mod:`cdpctl.lint.registry`); :func:`cdpctl.lint.runner.lint_plan`
runs the rules a :class:`cdpctl.lint.config.LintConfig` enables and applies the
``# cdpctl: disable=...`` comments of the plan.
"""
