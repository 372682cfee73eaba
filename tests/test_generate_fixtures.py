"""Real Segment tracking plans (hostile names, collisions, deep nesting) -> cdpctl plan -> typed client.

Each fixture is imported with ``cdpctl import segment``; the generated client must compile, import,
pass mypy --strict and ruff, and send the original event names.  Skips cleanly when the shared
fixtures folder or the Segment importer is not available.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from test_generate_support import FIXTURES, FakeClient, load_module, run_mypy, run_ruff
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.codegen import generate_python
from cdpctl.loader import load_plan

SEGMENT_PLANS = FIXTURES / "segment-plans"
FIXTURE_FILES = sorted(SEGMENT_PLANS.glob("*.json")) if SEGMENT_PLANS.is_dir() else []


def _importer_available() -> bool:
    return CliRunner().invoke(app, ["import", "segment", "--help"]).exit_code == 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not FIXTURE_FILES:
        pytest.skip("../shared/fixtures/segment-plans is not available")
    if not _importer_available():
        pytest.skip("`cdpctl import segment` is not available yet")
    folder = tmp_path_factory.mktemp("segment_clients")
    modules: dict[str, Path] = {}
    failures: dict[str, str] = {}
    for index, fixture in enumerate(FIXTURE_FILES):
        plan_file = folder / f"{fixture.stem}.yaml"
        result = CliRunner().invoke(app, ["import", "segment", str(fixture), "-o", str(plan_file)])
        if result.exit_code != 0 or not plan_file.is_file():
            failures[fixture.name] = result.output
            continue
        module = folder / f"segment_client_{index}.py"
        module.write_text(generate_python(load_plan(plan_file)), encoding="utf-8")
        modules[fixture.name] = module
    errors = run_mypy(folder, list(modules.values())) if modules else {}
    return {"folder": folder, "modules": modules, "failures": failures, "errors": errors}


def test_every_fixture_imports(generated: dict[str, Any]) -> None:
    assert generated["failures"] == {}


@pytest.mark.parametrize("fixture", [path.name for path in FIXTURE_FILES])
def test_fixture_client_compiles_imports_and_type_checks(generated: dict[str, Any], fixture: str) -> None:
    module_path = generated["modules"].get(fixture)
    if module_path is None:
        pytest.skip(f"{fixture} did not import: {generated['failures'].get(fixture, '')[:200]}")
    assert generated["errors"].get(module_path.name, []) == []
    ruff = run_ruff([module_path])
    assert ruff.returncode == 0, ruff.stdout
    module = load_module(module_path, module_path.stem)
    plan = load_plan(module_path.parent / f"{Path(fixture).stem}.yaml")
    # every planned track event has a method that sends the original name
    tree = ast.parse(module_path.read_text(encoding="utf-8"))
    tracker = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Tracker")
    sent_names = set()
    for node in tracker.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            call = next(item for item in ast.walk(node) if isinstance(item, ast.Call))
            if ast.literal_eval(call.args[0]) == "track":
                sent_names.add(ast.literal_eval(call.args[1]))
    assert sent_names == set(plan.events)
    # calls with no required properties can be sent as they are
    client = FakeClient()
    tracker_object = module.Tracker(client)
    for node in tracker.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_") or node.name in ("identify", "group", "page", "screen"):
            continue
        required = [arg.arg for arg, default in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if default is None]
        if required:
            continue
        getattr(tracker_object, node.name)(user_id="u-1")
    assert all(call[1]["user_id"] == "u-1" for call in client.calls)
