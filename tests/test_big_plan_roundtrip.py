"""A large plan that cdpctl exports imports again: the expansion guard grows with the plan's source."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.loader import load_plan

runner = CliRunner()


def _big_plan(events: int) -> str:
    """``events`` track events sharing one 12-property type: more copied properties than the 250,000 floor."""
    lines = ["plan: Big", "version: 1.0.0", "types:", "  product:", "    properties:"]
    lines += [f"      p{j}: {{type: string}}" for j in range(12)]
    lines += ["events:"]
    for n in range(events):
        lines += [f"  Event {n}:", "    properties:", "      products: {type: array, items: product}"]
    return "\n".join(lines) + "\n"


def test_a_20000_event_plan_round_trips_through_export_and_import(tmp_path: Path) -> None:
    source = tmp_path / "big.yaml"
    source.write_text(_big_plan(20_000))
    assert len(load_plan(str(source)).events) == 20_000  # 260,000 copied properties: over the floor, under the budget
    exported = runner.invoke(app, ["export", "segment", str(source)])
    assert exported.exit_code == 0, exported.output
    segment = tmp_path / "segment.json"
    segment.write_text(exported.stdout)
    assert len(json.loads(exported.stdout)["rules"]) == 20_000
    imported = tmp_path / "imported.yaml"
    done = runner.invoke(app, ["import", "segment", str(segment), "-o", str(imported)])
    assert done.exit_code == 0, done.output
    assert len(load_plan(str(imported)).events) == 20_000
