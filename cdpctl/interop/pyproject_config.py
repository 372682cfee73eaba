"""``cdpctl init`` in a project configured by ``[tool.cdpctl]`` in ``pyproject.toml``: name the plan there.

A ``cdpctl.yaml`` beside ``pyproject.toml`` takes precedence over its
``[tool.cdpctl]`` table, so writing one would silently drop the project's own
settings.  Instead the table gains ``plan = "..."`` when it names no plan (one
line after its header, or the header and the line at the end of the file when
the table exists only through sub-tables such as ``[tool.cdpctl.lint]``).  The
edit is kept only when the new text parses to the same document with that one
key added; otherwise (an inline table, dotted keys) ``init`` writes
``cdpctl.yaml`` as it does elsewhere, and says what it shadows.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

HEADER = re.compile(r"^[ \t]*\[[ \t]*tool[ \t]*\.[ \t]*cdpctl[ \t]*\][ \t]*(?:#[^\r\n]*)?(?=\r?$)", re.MULTILINE)
"""The ``[tool.cdpctl]`` header line (spaces and a comment allowed)."""


def _parse(text: str) -> dict[str, Any] | None:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _table(document: dict[str, Any]) -> Any:
    tool = document.get("tool")
    return tool.get("cdpctl") if isinstance(tool, dict) else None


def pyproject_config(root: Path) -> str | None:
    """The text of ``root/pyproject.toml`` when its ``[tool.cdpctl]`` table configures the project (no
    ``cdpctl.yaml`` beside it); ``None`` otherwise (no file, no table, unreadable, or ``cdpctl.yaml`` there)."""
    if (root / "cdpctl.yaml").exists():
        return None
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    document = _parse(text)
    return text if document is not None and isinstance(_table(document), dict) else None


def named_plan(text: str) -> str | None:
    """The plan the ``[tool.cdpctl]`` table of ``text`` names, if any."""
    document = _parse(text)
    table = _table(document) if document is not None else None
    plan = table.get("plan") if isinstance(table, dict) else None
    return plan if isinstance(plan, str) else None


def pyproject_with_plan(text: str, plan_file: str) -> str | None:
    """``text`` with ``plan = "plan_file"`` in its ``[tool.cdpctl]`` table; ``None`` when the table already
    names a plan or the key cannot be added safely (then nothing is changed)."""
    document = _parse(text)
    table = _table(document) if document is not None else None
    if document is None or not isinstance(table, dict) or "plan" in table:
        return None
    table["plan"] = plan_file  # the document the edited text must parse to
    newline = "\r\n" if "\r\n" in text else "\n"
    line = f"plan = {_toml_string(plan_file)}"
    header = HEADER.search(text)
    if header is not None:
        end = header.end()
        merged = text[:end] + newline + line + text[end:]
    else:
        separator = "" if not text or text.endswith(newline * 2) else (newline if text.endswith("\n") else newline * 2)
        merged = text + separator + "[tool.cdpctl]" + newline + line + newline
    return merged if _parse(merged) == document else None


def _toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's for these characters)."""
    import json

    return json.dumps(value, ensure_ascii=False)


__all__ = ["HEADER", "named_plan", "pyproject_config", "pyproject_with_plan"]
