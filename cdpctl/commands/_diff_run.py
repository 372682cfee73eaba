"""What ``cdpctl diff`` does once its arguments are parsed (no typer here).

:mod:`cdpctl.commands.diff` declares the command line for typer; it calls :func:`run_diff`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import NoReturn

from cdpctl.commands._common import choose_format, die, exit_with, handle_errors, require_plan_file

FORMATS = ("text", "markdown", "json", "github")
FAIL_ON = ("breaking", "warning", "info", "never")
DIRECTIONS = ("producer", "consumer", "both")


@dataclass(frozen=True)
class DiffArgs:
    """The parsed command line of ``cdpctl diff`` (``None``: not given)."""

    old: str | None = None
    new: str | None = None
    base: str | None = None
    direction: str | None = None
    output_format: str | None = None
    fail_on: str | None = None
    check_version: bool | None = None


def run_diff(args: DiffArgs) -> NoReturn:
    """Compare, write the report, and exit 1 when a change at or above the threshold exists (or the version is short)."""
    import os
    from pathlib import Path

    from cdpctl.config import find_config
    from cdpctl.diff.engine import DiffReport, compare
    from cdpctl.diff.git import load_at_revision, load_ref, parse_ref, repo_path, repo_root
    from cdpctl.diff.render import render_github, render_json, render_markdown, render_text
    from cdpctl.diff.rules import RANK
    from cdpctl.loader import load_plan

    with handle_errors():
        config = find_config()
        settings = config.section("diff")  # its keys were checked when the configuration was read
        direction = _pick("--direction", args.direction, settings.get("direction"), DIRECTIONS, "both")
        fail_on = _pick("--fail-on", args.fail_on, settings.get("fail_on"), FAIL_ON, "breaking")
        check_version = args.check_version
        if check_version is None:
            configured = settings.get("check_version", False)
            if not isinstance(configured, bool):
                die(f"{config.source}: 'check_version' in the diff settings must be true or false")
            check_version = configured
        fmt = choose_format(args.output_format, FORMATS)

        reports: list[DiffReport] = []
        if args.base is not None:
            if args.new is not None:
                die("with --base, give at most one plan (the others are read from the project configuration)")
            paths = [args.old] if args.old is not None else config.plans
            if not paths:
                die(
                    "--base compares the plans of the project, but none is configured: name them under 'plans' "
                    "(or 'plan') in cdpctl.yaml or [tool.cdpctl] in pyproject.toml, or pass a PLAN"
                )
            for path in paths:
                require_plan_file(path)
                new_plan = load_plan(path)
                # a working-tree path is relative to the working directory ("./"), not to the repository root
                at_base = path if os.path.isabs(path) else os.path.join(".", path)
                old_plan = load_at_revision(args.base, at_base, Path.cwd(), missing_ok=True)
                label = f"{args.base}:{path}"
                read = str(old_plan.files[0]) if old_plan is not None and old_plan.files else None
                if read is not None and read != repo_path(at_base, Path.cwd(), repo_root(Path.cwd())):
                    label = f"{args.base}:{read} (renamed since)"  # git pairs the two as a rename
                reports.append(compare(old_plan, new_plan, label, path))
        else:
            if args.old is None or args.new is None:
                die("give OLD and NEW plans (files or REV:PATH), or --base REV to compare the project's plans")
            old_ref, new_ref = parse_ref(args.old), parse_ref(args.new)
            for ref in (old_ref, new_ref):
                if ref.rev is None:  # a file of the working tree: named with a did-you-mean when missing
                    require_plan_file(ref.path)
            old_plan = load_ref(old_ref)
            new_plan = load_ref(new_ref)
            report = compare(old_plan, new_plan, old_ref.label, new_ref.label)
            if new_ref.rev is not None:  # NEW's file names are relative to the repository root
                report.files_root = str(repo_root(Path.cwd()))
            reports.append(report)

        if fmt == "json":
            sys.stdout.write(render_json(reports, direction))
        elif fmt == "markdown":
            sys.stdout.write(render_markdown(reports, direction, all_command(args)))
        elif fmt == "github":
            sys.stdout.write(render_github(reports, direction, os.environ.get("GITHUB_WORKSPACE"), all_command(args)))
        else:
            render_text(reports, direction, sys.stdout)

        status = 0
        if fail_on != "never":
            threshold = RANK[fail_on]
            if any(RANK[c.severity(direction)] >= threshold for r in reports for c in r.changes):
                status = 1
        if check_version:
            for report in reports:
                if not report.version.ok:
                    sys.stderr.write(f"cdpctl: {report.new_label}: {report.version.explain()}\n")
                    status = 1
    exit_with(status)




def all_command(args: DiffArgs) -> str:
    """The command that lists every change of this run (named where a report shows only the worst)."""
    import shlex

    words = ["cdpctl", "diff"]
    if args.base is not None:
        words += ["--base", args.base]
    words += [plan for plan in (args.old, args.new) if plan is not None]
    if args.direction is not None:
        words += ["--direction", args.direction]
    return shlex.join([*words, "--format", "json"])


def _pick(flag: str, given: str | None, configured: object, allowed: tuple[str, ...], default: str) -> str:
    value = given if given is not None else configured if configured is not None else default
    if not isinstance(value, str) or value not in allowed:
        from cdpctl.errors import did_you_mean

        where = flag if given is not None else "the 'diff' settings of the project configuration"
        hint = did_you_mean(value, allowed) if isinstance(value, str) else None
        die(f"{where}: '{value}' is not one of {', '.join(allowed)}", hint=hint)
    return value
