"""The shape of the code a newcomer reads: small modules, each saying what it owns, no interpreter surgery.

Every module of the package stays under :data:`MAX_LINES` lines and opens with a docstring; the fast path
generates readable source instead of copying code objects (``__code__``, ``types.FunctionType``,
``CodeType.replace``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cdpctl"
MAX_LINES = 450
MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_each_module_is_small_and_says_what_it_owns(module: Path) -> None:
    text = module.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_LINES, f"{module.name}: split it by responsibility"
    if text.strip():
        assert ast.get_docstring(ast.parse(text)), f"{module.name}: say what the module owns in a docstring"


def test_no_code_object_surgery() -> None:
    for module in MODULES:
        text = module.read_text(encoding="utf-8")
        for word in ("__code__", "FunctionType", "CodeType"):
            assert word not in text, f"{module.relative_to(PACKAGE)} uses {word}"
