"""`cdpctl serve` options that cannot work are refused before the collector starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app

PLAN = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_drain_timeout_must_be_a_finite_non_negative_number(value: str) -> None:
    args = ["serve", "--plan", str(PLAN), "--port", "0", "--no-live", "--drain-timeout", value]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "--drain-timeout" in result.stderr and "listening" not in result.stderr
