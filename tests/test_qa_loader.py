"""Plan values JSON cannot hold (NaN, infinity) are load errors at their position, never invalid JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.errors import PlanLoadError
from cdpctl.loader import load_plan_text

PLAN = """\
plan: N
version: 1.0.0
events:
  Order Completed:
    description: d
    x-owner-score: .inf
    properties:
      a: {type: number, examples: [.nan], description: x}
      b: {type: any, enum: [-.inf, 1], description: x}
      c: {json_schema: {type: number, maximum: .NaN}, description: x}
      d: {type: number, minimum: .inf, description: x}
      e: {type: string, enum: [".nan"], description: quoted is a string}
"""


def test_non_finite_numbers_are_reported_where_written() -> None:
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(PLAN, "plan.yaml")
    where = [(issue.pos.line, issue.pos.column) for issue in info.value.issues]
    assert where == [(6, 20), (8, 36), (9, 29), (10, 48), (11, 34)]
    messages = [issue.message for issue in info.value.issues]
    assert all("JSON" in message for message in messages)
    assert "'minimum' of property 'd' must be a number, not .inf (JSON has no NaN or infinity)" in messages
    assert "not a number" not in " ".join(messages)


@pytest.mark.parametrize("command", [["compile"], ["export", "segment"], ["export", "jsonschema", "-o", "out"]])
def test_commands_never_print_invalid_json_for_non_finite_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command[:2], "plan.yaml", *command[2:]])
    assert result.exit_code == 2, result.output
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    assert "plan.yaml:6:20:" in result.stderr and "the plan has 5 problems" in result.stderr


def test_finite_plan_still_compiles_to_strict_json(tmp_path: Path) -> None:
    text = PLAN.replace(".inf", "1.5").replace(".nan", "0").replace(".NaN", "2")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["compile", str(plan)])
    assert result.exit_code == 0, result.output

    def reject(name: str) -> None:
        raise ValueError(name)

    assert json.loads(result.stdout, parse_constant=reject)["schemas"][0]["event"] == "Order Completed"


def test_utf16_plan_with_byte_order_mark_loads_like_utf8(tmp_path: Path) -> None:
    from cdpctl.loader import load_plan

    source = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    text = source.read_text(encoding="utf-8")
    utf16 = tmp_path / "plan.yaml"
    utf16.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    loaded = load_plan(utf16)
    assert [call.name for call in loaded.calls()] == [call.name for call in load_plan(source).calls()]
    broken = tmp_path / "broken.yaml"
    broken.write_bytes(b"plan: \xff\n")
    with pytest.raises(PlanLoadError) as info:
        load_plan(broken)
    assert "cannot read plan file" in str(info.value) and "not UTF-8 text" in str(info.value)


def test_forbidden_character_is_reported_where_it_is() -> None:
    text = 'plan: X\r\nversion: 1.0.0\r\nevents:\r\n  "Order\x00Completed": {description: d}\r\n'
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(text, "plan.yaml")
    assert [str(issue) for issue in info.value.issues] == [
        "plan.yaml:4:9: YAML error: character U+0000 is not allowed in YAML"
    ]
