"""Reference pages generated from the code: lint rules, violation codes, diff rules, exit codes, CLI.

The documentation site builds these pages at build time (``docs/hooks/reference.py`` calls
:func:`reference_pages`), so a rule, code or option added to the code is in the manual without
anyone writing it twice, and the test of the built site fails when one is missing.
"""

from __future__ import annotations

import textwrap
from typing import Any

EXIT_CODES: tuple[tuple[str, str], ...] = (
    ("0", "Nothing at error severity: no violation, finding or breaking change at or above the threshold "
     "(`--fail-on`, `--max-invalid-rate`), or the work asked for was done."),
    ("1", "Something at error severity was found: violations in the data, lint findings, breaking changes, "
     "a stale generated client with `--check`, bodies `serve` refused, messages `serve --forward` did not deliver."),
    ("2", "The command could not do its job: a usage error, a plan or configuration that does not load, "
     "input that could not be read or checked (a missing, truncated or damaged file; no events at all "
     "without `--allow-empty`), an output that could not be written."),
    ("130", "Interrupted by SIGINT (Ctrl-C): the partial report is printed and marked partial."),
    ("143", "Stopped by SIGTERM: the partial report is printed and marked partial."),
)
"""The exit statuses every command shares (each command's page details its own)."""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("\\[", "[").replace("|", "\\|")


def lint_rules_page() -> str:
    """Every lint rule: code, slug, severity, summary, description, options and examples."""
    from cdpctl.lint.explain import example_findings
    from cdpctl.lint.registry import all_rules

    rules = all_rules()
    out = ["# Lint rules", "", "Generated from the rule modules (`cdpctl/lint/rules/`); "
           "`cdpctl lint --explain SLUG` prints the same text.", "",
           "| code | rule | default severity | summary |", "|---|---|---|---|"]
    out += [f"| {r.code} | [`{r.slug}`](#{r.code.lower()}) | {r.severity} | {_cell(r.summary)} |" for r in rules]
    for rule in rules:
        out += ["", f"## {rule.code} {rule.slug} {{#{rule.code.lower()}}}", "", rule.summary, "",
                textwrap.fill(rule.description, width=100), ""]
        if rule.options:
            out += ["Options (under `lint.rules." + rule.slug + "` in the project configuration):", ""]
            out += [f"- `{name}` (default `{option.describe_default()}`): {option.help}" for name, option in rule.options.items()]
            out.append("")
        if rule.passing:
            out += ["Passing example:", "", "```yaml", rule.passing.rstrip("\n"), "```", ""]
        if rule.failing:
            out += ["Failing example:", "", "```yaml", rule.failing.rstrip("\n"), "```", "", "What `cdpctl lint` reports on it:",
                    "", "```text", *example_findings(rule, rule.failing), "```", ""]
        out.append(f"Suppress one finding with `# cdpctl: disable={rule.slug}` on the line or the line above.")
    from cdpctl.lint.load_problems import OUTSIDE_RULES

    out += ["", "## Codes outside the rules", "", "Always on, not configured by `lint.rules`:", ""]
    out += [f"- **{r.code} `{r.slug}`** ({r.severity}): {_cell(r.description)}" for r in sorted(OUTSIDE_RULES, key=lambda r: r.code)]
    return "\n".join(out) + "\n"


def violation_codes_page() -> str:
    """Every violation code of ``validate``, ``serve`` and the generated client's runtime validation."""
    from cdpctl.validation.render import RUN_RULES
    from cdpctl.validation.violations import CODES, SEVERITY

    out = ["# Violation codes", "", "Generated from `cdpctl/validation/violations.py`. Reports group violations by "
           "(event, code, path); `--format json` gives each group's `code` and `severity`.", "",
           "| code | severity | meaning |", "|---|---|---|"]
    out += [f"| `{code}` | {SEVERITY.get(code, 'error')} | {_cell(text)} |" for code, text in CODES.items()]
    out += ["", "## Results about the run", "", "Not violations of a message: what was not read or not checked. "
            "They are SARIF results and GitHub annotations of these rule ids; in JSON, `input_errors`, "
            "`plan_errors` and `verdict`.", "", "| id | meaning |", "|---|---|"]
    out += [f"| `{rule_id}` | {_cell(text)} |" for rule_id, (_, text) in RUN_RULES.items()]
    return "\n".join(out) + "\n"


def diff_rules_page() -> str:
    """Every diff rule id with its producer and consumer severities, by family."""
    from cdpctl.diff.registry import FAMILIES

    out = ["# Diff rules", "", "Generated from the rule families in `cdpctl/diff/`. Ids are stable: tools match "
           "on them. The producer view is what breaks the apps that send events; the consumer view, what breaks "
           "the tools that read them.", ""]
    for family, rules in FAMILIES:
        out += [f"## {family}", "", "| id | producer | consumer | summary |", "|---|---|---|---|"]
        out += [f"| `{r.id}` | {r.producer} | {r.consumer} | {_cell(r.summary)} |" for r in rules]
        out.append("")
    return "\n".join(out)


def exit_codes_page() -> str:
    out = ["# Exit codes", "", "Every command exits with one of these statuses, so a script or a CI step can "
           "rely on them.", "", "| status | meaning |", "|---|---|"]
    out += [f"| {status} | {_cell(text)} |" for status, text in EXIT_CODES]
    return "\n".join(out) + "\n"


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            found += _walk(sub, [*path, name])
    return found


def _param_row(param: Any) -> str:
    names = ", ".join(f"`{n}`" for n in [*param.opts, *param.secondary_opts])
    kind = getattr(getattr(param, "type", None), "choices", None)
    choices = f" One of: {', '.join(f'`{c}`' for c in kind)}." if kind else ""
    default = ""
    if param.param_type_name == "option" and param.default not in (None, False, (), []) and not callable(param.default):
        default = f" Default: `{param.default}`."
    return f"| {names} | {_cell(getattr(param, 'help', None) or '')}{choices}{default} |"


def cli_page() -> str:
    """Every command and every option of the one Typer application."""
    import typer.main

    from cdpctl.cli import build_app

    root = typer.main.get_command(build_app())
    out = ["# Command-line reference", "", "Generated from the command-line application; `cdpctl COMMAND --help` "
           "prints the same options.", ""]
    for path, command in _walk(root, ["cdpctl"]):
        params = [p for p in command.params if p.name != "help"]
        out += [f"## `{' '.join(path)}`", "", _cell((command.help or "").split("\n\n")[0]), ""]
        if not params:
            continue
        out += ["| argument or option | meaning |", "|---|---|"]
        out += [_param_row(p) if p.param_type_name == "option" else f"| `{(p.name or '').upper()}` | {_cell(getattr(p, 'help', None) or 'argument')} |" for p in params]
        out.append("")
    return "\n".join(out) + "\n"


def reference_pages() -> dict[str, str]:
    """Each generated page by its path under the documentation folder."""
    return {
        "reference/cli.md": cli_page(),
        "reference/lint-rules.md": lint_rules_page(),
        "reference/violation-codes.md": violation_codes_page(),
        "reference/diff-rules.md": diff_rules_page(),
        "reference/exit-codes.md": exit_codes_page(),
    }
