"""``cdpctl init``: the files of a new tracking-plan project (starter plan, config, pre-commit, CI, .gitignore).

The CI workflow installs a pinned cdpctl (the version that wrote it, or ``--install SPEC``) and
diffs with ``--base``, so it passes on the pull request that adds the plan; ``.gitignore``
entries are appended once to an existing file; every other existing file is left alone
unless ``--force``.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from cdpctl import __version__
from cdpctl.errors import UsageError
from cdpctl.interop.pyproject_config import named_plan, pyproject_with_plan
from cdpctl.interop.templates import template_plan
from cdpctl.interop.yamlwrite import scalar

CI_CHOICES = ("github", "none")

REPOSITORY = "https://github.com/cdpctl/cdpctl"
"""Where the project's pre-commit hooks (``.pre-commit-hooks.yaml``) and GitHub Action (``action.yml``) live."""

GITIGNORE = ".gitignore"
CONFIG_NAME = "cdpctl.yaml"
PYPROJECT = "pyproject.toml"

GITIGNORE_HEADER = "# cdpctl: files it writes (compiled schemas, serve captures, validate --split folders, the docs site)"

GITIGNORE_ENTRIES = ("/build/schemas/", "/captures/", "/split/", "/site/")
"""``compile --out build/schemas`` (the workflow), ``serve --capture captures/...``, ``validate --split split/``,
``cdpctl docs`` (it writes ``site/`` by default)."""


def default_install() -> str:
    """The pip requirement the workflow installs by default: this very version."""
    return f"cdpctl=={__version__}"


@dataclass(frozen=True)
class InitOptions:
    name: str = "My Product"
    plan_file: str = "plans/tracking-plan.yaml"
    ci: str = "github"
    pre_commit: bool = True
    install: str = ""
    """What the workflow passes to ``pip install``: a requirement, git URL, wheel or path (default: this version)."""
    templates: tuple[str, ...] = ()
    """Segment spec plans the plan starts from (``cdpctl.interop.templates``); none: the starter plan."""
    ignore: tuple[str, ...] = ()
    """More ``.gitignore`` entries: what the existing configuration has cdpctl write (:func:`configured_ignores`)."""
    pyproject: str | None = None
    """The text of the project's ``pyproject.toml`` when its ``[tool.cdpctl]`` table is the configuration
    (:func:`pyproject_config`): the plan is named there, and no ``cdpctl.yaml`` (which would take
    precedence over the table) is written."""


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


def pre_commit_config(config: str = CONFIG_NAME) -> str:
    """cdpctl's own hooks (``.pre-commit-hooks.yaml``) at the tag of this version."""
    where = "cdpctl.yaml" if config == CONFIG_NAME else "[tool.cdpctl] of pyproject.toml"
    return f"""# Run `pre-commit install` once; the tracking plan is then linted before every commit
# (the plan named in {where}, with its lint settings).
repos:
  - repo: {REPOSITORY}
    rev: v{__version__}
    hooks:
      - id: cdpctl-lint
"""


def configured_ignores(root: Path) -> tuple[str, ...]:
    """``.gitignore`` entries for what the project's existing configuration tells cdpctl to write.

    The generated client (``generate.python_out``) and the serve capture (``serve.capture``) of a
    ``cdpctl.yaml`` or ``[tool.cdpctl]`` already in ``root``; a path outside the project is left out.
    """
    from cdpctl.config import CONFIG_FILE, _read
    from cdpctl.errors import CdpctlError

    table = None
    for name in (CONFIG_FILE, "pyproject.toml"):
        candidate = root / name
        if candidate.is_file():
            try:
                table = _read(candidate)
            except CdpctlError:  # an unreadable configuration names nothing to ignore
                table = None
            if table is not None:
                break
    entries: list[str] = []
    for section, key in (("generate", "python_out"), ("serve", "capture")):
        settings = table.get(section) if isinstance(table, dict) else None
        value = settings.get(key) if isinstance(settings, dict) else None
        if not isinstance(value, str) or not value.strip():
            continue
        path = Path(value.strip())
        if path.is_absolute() or ".." in path.parts or not path.parts:
            continue
        folder = value.strip().endswith(("/", "\\")) or (key == "python_out" and path.suffix != ".py")
        entries.append("/" + path.as_posix() + ("/" if folder else ""))
    return tuple(entry for entry in dict.fromkeys(entries) if entry not in GITIGNORE_ENTRIES)


def gitignore_block(extra: tuple[str, ...] = ()) -> str:
    return "\n".join((GITIGNORE_HEADER, *GITIGNORE_ENTRIES, *extra)) + "\n"


def merged_gitignore(existing: str | None, extra: tuple[str, ...] = ()) -> str | None:
    """The ``.gitignore`` text with cdpctl's entries (and ``extra``) appended once; ``None`` when nothing is missing."""
    if existing is None:
        return gitignore_block(extra)
    present = {line.strip() for line in existing.splitlines()}
    missing = [entry for entry in (*GITIGNORE_ENTRIES, *extra) if entry not in present]
    if not missing:
        return None
    header = [] if GITIGNORE_HEADER in present else [GITIGNORE_HEADER]
    separator = "" if not existing or existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
    return existing + separator + "\n".join((*header, *missing)) + "\n"


def github_workflow(plan_file: str, install: str = "", config: str = CONFIG_NAME) -> str:
    """The workflow: pinned install, lint (annotations), compile, and on pull requests a diff against the base.

    ``diff --base`` treats a plan the base branch does not have as new, so the pull request that adds
    the plan passes; later ones fail on breaking changes.
    """
    requirement = shlex.quote(install.strip() or default_install())
    folder = Path(plan_file).parent.as_posix()
    # the files the plan includes live in its folder's tree: a pull request that edits only one of them runs too
    included = [f"{folder}/**"] if folder != "." else ["**/*.yaml", "**/*.yml"]
    watched = ", ".join([scalar(plan_file), config, ".github/workflows/tracking-plan.yml", *map(scalar, included)])
    return f"""# Lints the tracking plan on every pull request (findings appear as annotations on the diff),
# reports what changed against the base branch in the job summary (failing on breaking changes),
# and keeps the compiled schemas as an artifact.
name: tracking-plan
on:
  pull_request:
    paths: [{watched}]
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  plan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0    # diff --base reads the base branch's plan from git
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install cdpctl
        run: {scalar(f"python -m pip install {requirement}")}
      - name: Lint the plan
        run: cdpctl lint
      - name: Compile the plan
        run: cdpctl compile --out build/schemas
      - name: Diff against the base branch
        if: github.event_name == 'pull_request'
        run: cdpctl diff --base "origin/${{{{ github.base_ref }}}}" --format markdown >> "$GITHUB_STEP_SUMMARY"
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
    own = (CONFIG_NAME, PYPROJECT, ".pre-commit-config.yaml", ".github/workflows/tracking-plan.yml", GITIGNORE)
    if os.path.normpath(plan_file).replace(os.sep, "/").casefold() in {name.casefold() for name in own}:
        raise UsageError(  # one of them would replace the plan (or the plan them): init wrote one, said OK
            f"the plan file cannot be '{plan_file}': init writes its own file there; choose another name, "
            "such as plans/tracking-plan.yaml"
        )
    if options.ci not in CI_CHOICES:
        raise UsageError(f"unknown CI '{options.ci}'; choose one of: {', '.join(CI_CHOICES)}")
    name = options.name.strip() or "My Product"
    plan = template_plan(options.templates, name) if options.templates else starter_plan(name)
    files = {plan_file: plan}
    config = CONFIG_NAME
    if options.pyproject is not None:  # [tool.cdpctl] configures the project: the plan is named there
        merged = pyproject_with_plan(options.pyproject, plan_file)
        if merged is not None:
            files[PYPROJECT] = merged
        if merged is not None or named_plan(options.pyproject) is not None:
            config = PYPROJECT
    if config == CONFIG_NAME:  # (beside a table whose form cannot take the key: init says it takes precedence)
        files[CONFIG_NAME] = project_config(plan_file)
    if options.pre_commit:
        files[".pre-commit-config.yaml"] = pre_commit_config(config)
    if options.ci == "github":
        files[".github/workflows/tracking-plan.yml"] = github_workflow(plan_file, options.install, config)
    files[GITIGNORE] = gitignore_block(options.ignore)
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
        linked = next((part for part in _below(root, path) if part.is_symlink() and not _inside(root, part)), None)
        if linked is not None:  # a link would take the write outside the project, even one to nothing yet
            raise UsageError(f"cannot write '{path}': '{linked}' is a symbolic link; init writes only inside the project")
    gitignore = root / GITIGNORE
    if gitignore in targets and gitignore.is_file():  # appended to, once, never replaced
        try:
            extra = tuple(line for line in targets[gitignore].splitlines()[1:] if line not in GITIGNORE_ENTRIES)
            merged = merged_gitignore(gitignore.read_text(encoding="utf-8"), extra)
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read '{gitignore}': {exc}") from exc
        if merged is None:
            del targets[gitignore]
        else:
            targets[gitignore] = merged
    # .gitignore is appended to and pyproject.toml gains one key (both merged from their text): never refused
    existing = [path for path in targets if os.path.lexists(path) and path not in (gitignore, root / PYPROJECT)]
    if existing and not force:
        shown = ", ".join(str(path.relative_to(root)) for path in existing)
        skip = (  # the hint helps only when the pre-commit configuration is all that exists
            " (or --no-pre-commit to keep yours)"
            if [path.name for path in existing] == [".pre-commit-config.yaml"]
            else ""
        )
        raise UsageError(f"{shown} already exist{'s' if len(existing) == 1 else ''}; use --force to overwrite{skip}")
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


def _inside(root: Path, link: Path) -> bool:
    """Whether the symbolic link ``link`` leads inside ``root`` (``.gitignore`` kept in a folder of the project)."""
    try:
        link.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # elsewhere, or a loop of links
        return False
    return True


def _below(root: Path, path: Path) -> list[Path]:
    """``path`` and its folders up to ``root`` (``root`` itself left out: the user named it)."""
    parts = [path]
    parts += [parent for parent in path.parents if parent != root and root in parent.parents]
    return parts
