"""The JSON Schema of the plan format, shipped for editors: it accepts every shipped plan and matches the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from typer.testing import CliRunner

from cdpctl import loader
from cdpctl.cli import app
from cdpctl.commands.schema import plan_format_schema_text
from cdpctl.model import BUILTIN_TYPES, FORMATS

ROOT = Path(__file__).resolve().parents[1]
PLANS = sorted((ROOT / "plans").glob("*.yaml"))
runner = CliRunner()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(plan_format_schema_text())
    return document


def errors(schema: dict[str, Any], text: str) -> list[str]:
    return [error.message for error in Draft7Validator(schema).iter_errors(yaml.safe_load(text))]


def test_the_schema_is_a_valid_draft_07_schema(schema: dict[str, Any]) -> None:
    Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_the_schema_ships_inside_the_package() -> None:
    assert (ROOT / "cdpctl" / "schemas" / "plan.schema.json").read_text(encoding="utf-8") == plan_format_schema_text()


@pytest.mark.parametrize("plan_path", PLANS, ids=lambda p: p.name)
def test_every_shipped_plan_is_valid(schema: dict[str, Any], plan_path: Path) -> None:
    assert errors(schema, plan_path.read_text(encoding="utf-8")) == []


def test_shipped_plans_point_editors_at_the_schema() -> None:
    for plan_path in PLANS:
        first = plan_path.read_text(encoding="utf-8").splitlines()[0]
        if plan_path.name != "acme-shop.yaml":  # the contract plan is kept exactly as specified
            assert first == "# yaml-language-server: $schema=../cdpctl/schemas/plan.schema.json"


@pytest.mark.parametrize(
    "text",
    [
        "events:\n  E:\n    properties:\n      a: {type: string, requird: true}\n",
        "evnts: {}\n",
        "events:\n  E:\n    ownr: me\n",
        "events:\n  E:\n    properties:\n      a: {type: string, format: datetime}\n",
        "events:\n  E:\n    properties:\n      a: {type: string, min_length: -1}\n",
        "version: 1.0\n",
        "identify:\n  properties: {}\n",
        "types:\n  t:\n    owner: me\n",
        "defaults:\n  additional_properties: maybe\n",
    ],
)
def test_mistakes_are_flagged_in_the_editor(schema: dict[str, Any], text: str) -> None:
    assert errors(schema, text) != []


def test_keys_match_the_loader(schema: dict[str, Any]) -> None:
    defs = schema["definitions"]
    assert set(schema["properties"]) == set(loader.TOP_KEYS)
    assert set(schema["properties"]["defaults"]["properties"]) == set(loader.DEFAULTS_KEYS)
    assert set(defs["property"]["properties"]) == set(loader.PROPERTY_KEYS)
    assert set(defs["event"]["properties"]) == set(loader.EVENT_KEYS)
    assert set(defs["traits_call"]["properties"]) == set(loader.TRAITS_KEYS)
    assert set(defs["typedef"]["properties"]) == set(loader.TYPE_KEYS)
    assert set(defs["property"]["properties"]["format"]["enum"]) == set(FORMATS)
    assert defs["property"]["properties"]["type"]["anyOf"][0]["enum"] == list(BUILTIN_TYPES)
    if "common" in schema["properties"]:
        assert set(schema["properties"]["common"]["properties"]) == set(loader.COMMON_KEYS)


def test_cdpctl_schema_prints_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(plan_format_schema_text())
    target = tmp_path / "plan.schema.json"
    result = runner.invoke(app, ["schema", "--out", str(target)])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8") == plan_format_schema_text()


def test_cdpctl_schema_reports_an_unwritable_target(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "--out", str(tmp_path / "new" / "folder" / "x.json")])
    assert result.exit_code == 0
    assert (tmp_path / "new" / "folder" / "x.json").read_text(encoding="utf-8") == plan_format_schema_text()
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["schema", "--out", str(blocker / "x.json")])
    assert result.exit_code == 2
    assert "cannot write to" in result.output


def test_the_wheel_carries_the_schema(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    import subprocess
    import sys
    import zipfile

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("cdpctl-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("cdpctl/schemas/plan.schema.json").decode("utf-8") == plan_format_schema_text()


def test_schema_out_never_writes_over_a_plan_or_a_configuration(tmp_path: Path) -> None:
    """``schema -o`` replaces an earlier schema, never a file that is not one (a plan, ``cdpctl.yaml``)."""
    plan = tmp_path / "plan.yaml"
    plan.write_text("plan: P\nversion: 1.0.0\nevents: {}\n")
    refused = CliRunner().invoke(app, ["schema", "-o", str(plan)])
    assert refused.exit_code == 2 and "is a file that is not a JSON Schema" in refused.stderr
    assert plan.read_text().startswith("plan: P")
    target = tmp_path / "plan.schema.json"
    for _ in range(2):  # written, then replaced
        assert CliRunner().invoke(app, ["schema", "-o", str(target)]).exit_code == 0
    assert "$schema" in json.loads(target.read_text())
