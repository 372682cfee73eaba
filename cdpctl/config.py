"""The project configuration: a ``cdpctl.yaml`` file or a ``[tool.cdpctl]`` table in ``pyproject.toml``.

The nearest one found walking up from the working directory wins
(``cdpctl.yaml`` before ``pyproject.toml`` in the same folder).  Keys:

``plan``
    the default plan file, so CI lines need no ``--plan``;
``plans``
    every plan of the project (``cdpctl diff --base`` compares each), default ``[plan]``;
``lint``, ``validate``, ``diff``, ``generate``, ``serve``, ``scan``
    per-command settings, read by those commands;
``include_roots``
    folders (relative to the configuration's folder) that a plan's ``include:`` may read besides
    the plan's own folder tree;
``max_plan_bytes``
    the largest plan file read (default 8 MiB).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdpctl.errors import ConfigError, UsageError

CONFIG_FILE = "cdpctl.yaml"
MAX_PLAN_BYTES_SETTING = 1 << 30
"""The largest ``max_plan_bytes`` accepted (1 GiB): a plan file is read whole into memory up to the cap."""
KNOWN_KEYS = ("plan", "plans", "lint", "validate", "diff", "generate", "serve", "scan", "include_roots", "max_plan_bytes")
SECTION_KEYS: dict[str, tuple[str, ...]] = {
    "validate": ("format", "jobs", "max_invalid_rate"),
    "diff": ("direction", "fail_on", "check_version"),
    "generate": ("python_out",),
    "scan": ("calls",),
    "serve": (
        "host", "port", "write_key", "capture", "forward", "forward_blocked", "forward_write_key", "block",
        "omit_unplanned_properties", "forward_retries", "forward_queue_bytes", "limits", "max_message_bytes",
        "max_batch_bytes", "drain_timeout", "keep", "require_events", "format", "output",
    ),
}  # fmt: skip
"""The settings of each command's section, checked when the configuration is read, whatever the command:
an unknown one is an error with a did-you-mean hint, as at the top level.  ``lint`` checks its own section
(its keys name rules too) when it reads it, the same way."""


@dataclass
class ProjectConfig:
    """What the project configuration says; ``root`` is the folder it was found in."""

    root: Path | None = None
    source: Path | None = None
    plan: str | None = None
    plans: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any]:
        """A command's settings table (empty when absent)."""
        value = self.settings.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            where = _display(self.source) if self.source is not None else "the configuration"
            raise ConfigError(f"{where}: '{name}' must be a table of settings")
        return value


def _display(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def _read(path: Path) -> dict[str, Any] | None:
    if path.name == CONFIG_FILE:
        return _read_yaml(path)
    import tomllib
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{_display(path)}: cannot read the configuration: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{_display(path)}: invalid configuration: {exc}") from exc
    tool = document.get("tool", {})
    table = tool.get("cdpctl") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{_display(path)}: [tool.cdpctl] must be a table")
    return table


def _read_yaml(path: Path) -> dict[str, Any]:
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        """Safe YAML that refuses a key written twice in one mapping (YAML would keep the last one in silence)."""

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, (list, dict)):  # not hashable: YAML's own error follows
                    continue
                if key in seen:
                    mark = key_node.start_mark
                    raise ConfigError(f"{_display(path)}:{mark.line + 1}:{mark.column + 1}: duplicate key '{key}' "
                                      "(YAML would keep only the last one)")
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueKeys)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{_display(path)}: cannot read the configuration: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{_display(path)}: invalid configuration: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{_display(path)}: the configuration must be a mapping")
    return data


def find_config(start: Path | None = None) -> ProjectConfig:
    """Find and read the project configuration; an empty one when there is none."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in (CONFIG_FILE, "pyproject.toml"):
            candidate = folder / name
            if not candidate.is_file():
                continue
            table = _read(candidate)
            if table is None:
                continue
            return _build(table, folder, candidate)
    return ProjectConfig()


def _build(table: dict[str, Any], root: Path, source: Path) -> ProjectConfig:
    where = _display(source)
    for key in table:
        if not isinstance(key, str):  # YAML allows any key: `1: 2`
            raise ConfigError(f"{where}: a configuration key must be a name, not {key!r}")
        if key not in KNOWN_KEYS:
            from cdpctl.loader import did_you_mean

            raise ConfigError(f"{where}: unknown configuration key '{key}'{did_you_mean(key, KNOWN_KEYS)}")
    for name in ("lint", *SECTION_KEYS):
        _check_section(table.get(name), name, where)
    plan = table.get("plan")
    if plan is not None and (not isinstance(plan, str) or "\x00" in plan):
        raise ConfigError(f"{where}: 'plan' must be a file path")
    plans = table.get("plans", [plan] if plan else [])
    if not isinstance(plans, list) or not all(isinstance(p, str) and p and "\x00" not in p for p in plans):
        raise ConfigError(f"{where}: 'plans' must be a list of file paths")
    roots = table.get("include_roots", [])
    if not isinstance(roots, list) or not all(isinstance(p, str) and p and "\x00" not in p for p in roots):
        raise ConfigError(f"{where}: 'include_roots' must be a list of folder paths")
    cap = table.get("max_plan_bytes")
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= MAX_PLAN_BYTES_SETTING):
        raise ConfigError(
            f"{where}: 'max_plan_bytes' must be a whole number of bytes from 1 to {MAX_PLAN_BYTES_SETTING:,} (1 GiB)"
        )
    return ProjectConfig(
        root=root,
        source=source,
        plan=_display(root / plan) if plan else None,
        plans=[_display(root / p) for p in plans],
        settings=table,
    )


def _check_section(section: Any, name: str, where: str) -> None:
    """A command's section is a table (or absent) whose settings are its command's."""
    if section is None:
        return
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: '{name}' must be a table of settings")
    known = SECTION_KEYS.get(name)
    for key in section:
        if not isinstance(key, str):
            raise ConfigError(f"{where}: a '{name}' setting must be a name, not {key!r}")
        if known is not None and key not in known:
            from cdpctl.loader import did_you_mean

            raise ConfigError(
                f"{where}: unknown '{name}' setting '{key}'{did_you_mean(key, known)}; its settings are: {', '.join(known)}"
            )


def resolve_plan_path(given: str | None, config: ProjectConfig | None = None) -> str:
    """The plan to use: ``--plan`` when given, else the configured default."""
    if given:
        return given
    config = config or find_config()
    if config.plan:
        return config.plan
    raise UsageError(
        "no plan given: pass --plan PLAN, or name the default plan in cdpctl.yaml (plan: plans/shop.yaml) "
        "or in pyproject.toml ([tool.cdpctl] plan = \"plans/shop.yaml\")"
    )
