"""``cdpctl init``: the files of a new tracking-plan project (starter plan, config, pre-commit, CI)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cdpctl.errors import UsageError
from cdpctl.interop.yamlwrite import scalar

CI_CHOICES = ("github", "none")


@dataclass(frozen=True)
class InitOptions:
    name: str = "My Product"
    plan_file: str = "plans/tracking-plan.yaml"
    ci: str = "github"
    pre_commit: bool = True


def starter_plan(name: str) -> str:
    return f"""# Tracking plan: the source of truth for every analytics call the product sends.
# Check it with `cdpctl lint`, compile it with `cdpctl compile`, validate events with `cdpctl validate`.
plan: {scalar(name)}
version: 0.1.0
description: {scalar("Analytics calls of " + name + ".")}
defaults:
  additional_properties: false      # unplanned properties are violations unless a level says true

properties:                          # shared definitions: a property with the same name reuses them
  plan_tier: {{type: string, enum: [free, pro, enterprise], description: The account's subscription tier.}}

events:
  Signed Up:
    description: A visitor created an account.
    owner: growth-team
    properties:
      plan_tier: {{required: true}}
      referrer: {{type: string, format: uri, description: Page the visitor came from.}}
  Report Exported:
    description: A user exported a report.
    properties:
      report_id: {{type: string, min_length: 1, required: true, description: Id of the exported report.}}
      file_format: {{type: string, enum: [csv, pdf, xlsx], required: true, description: Export format.}}

identify:
  traits:
    email: {{type: string, format: email, description: Work email.}}
    plan_tier: {{}}
"""


def project_config(plan_file: str) -> str:
    return f"""# cdpctl project configuration: commands run without --plan use this plan.
plan: {scalar(plan_file)}
lint:
  extends: recommended
  fail_on: error
"""


def pre_commit_config(plan_file: str) -> str:
    pattern = f"^({re.escape(plan_file)}|cdpctl\\.yaml)$"
    return f"""# Run `pre-commit install` once; the tracking plan is then linted before every commit.
repos:
  - repo: local
    hooks:
      - id: cdpctl-lint
        name: cdpctl lint (tracking plan)
        entry: cdpctl lint
        language: system
        pass_filenames: false
        files: {scalar(pattern)}
      - id: cdpctl-compile
        name: cdpctl compile (tracking plan compiles)
        entry: cdpctl compile --out .cdpctl-schemas
        language: system
        pass_filenames: false
        files: {scalar(pattern)}
"""


def github_workflow(plan_file: str) -> str:
    return f"""# Lints the tracking plan on every pull request (findings appear as annotations on the diff),
# reports what changed against the base branch, and keeps the compiled schemas as an artifact.
name: tracking-plan
on:
  pull_request:
    paths: [{scalar(plan_file)}, cdpctl.yaml]
  push:
    branches: [main]
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install cdpctl
      - run: cdpctl lint
      - run: cdpctl compile --out build/schemas
      - if: github.event_name == 'pull_request'
        run: cdpctl diff "origin/${{{{ github.base_ref }}}}:{plan_file}" {scalar(plan_file)} --format markdown >> "$GITHUB_STEP_SUMMARY"
      - uses: actions/upload-artifact@v4
        with:
          name: schemas
          path: build/schemas
"""


def scaffold_files(options: InitOptions) -> dict[str, str]:
    """Relative path -> content of every file ``init`` writes."""
    plan_file = options.plan_file.strip()
    if not plan_file or Path(plan_file).is_absolute() or ".." in Path(plan_file).parts:
        raise UsageError(f"the plan file must be a relative path inside the project, not {options.plan_file!r}")
    if options.ci not in CI_CHOICES:
        raise UsageError(f"unknown CI '{options.ci}'; choose one of: {', '.join(CI_CHOICES)}")
    files = {plan_file: starter_plan(options.name.strip() or "My Product"), "cdpctl.yaml": project_config(plan_file)}
    if options.pre_commit:
        files[".pre-commit-config.yaml"] = pre_commit_config(plan_file)
    if options.ci == "github":
        files[".github/workflows/tracking-plan.yml"] = github_workflow(plan_file)
    return files


def write_scaffold(root: Path, files: dict[str, str], force: bool) -> list[Path]:
    """Write ``files`` under ``root``; refuses (writing nothing) when one exists, unless ``force``."""
    if root.exists() and not root.is_dir():
        raise UsageError(f"cannot create the project in '{root}': it is a file, not a folder")
    targets = {root / name: text for name, text in files.items()}
    folders = [path for path in targets if path.is_dir()]
    if folders:
        raise UsageError(f"cannot write '{folders[0]}': a folder of that name exists (--force overwrites files only)")
    for path in targets:
        blocking = next((parent for parent in path.parents if parent.exists() and not parent.is_dir()), None)
        if blocking is not None:
            raise UsageError(f"cannot write '{path}': '{blocking}' is a file, not a folder")
    existing = [path for path in targets if path.exists()]
    if existing and not force:
        shown = ", ".join(str(path.relative_to(root)) for path in existing)
        raise UsageError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; use --force to overwrite")
    written: list[Path] = []
    for path, text in targets.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except FileExistsError as exc:  # mkdir: a file stands where a folder of the path should be
            raise UsageError(f"cannot write '{path}': '{exc.filename}' is a file, not a folder") from exc
        except OSError as exc:
            raise UsageError(f"cannot write '{path}': {exc.strerror or exc}") from exc
        written.append(path)
    return written
