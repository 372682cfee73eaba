"""The Guarantees page names a test for each promise: every test it names exists (a renamed or removed
test would leave a promise unchecked while the page still points at it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::([\w-]+)(?:\[[^\]`]*\])?)?`")


def test_every_test_the_guarantees_page_names_exists() -> None:
    text = (ROOT / "docs" / "guarantees.md").read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) > 100  # the page names its tests in this form
    missing: list[str] = []
    defined: dict[str, set[str]] = {}
    for path, name in references:
        file = ROOT / path
        if not file.is_file():
            missing.append(path)
            continue
        if path not in defined:
            tree = ast.parse(file.read_text(encoding="utf-8"))
            kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            defined[path] = {node.name for node in ast.walk(tree) if isinstance(node, kinds)}
        if name and name not in defined[path]:
            missing.append(f"{path}::{name}")
    assert not missing, missing
