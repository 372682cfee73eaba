"""A capped report names the command that shows the rest, with the run's own inputs and plan.

``coverage``'s markdown cut its unplanned and never-seen lists with no marker, and ``coverage`` and
``scan`` named ``cdpctl coverage --format json`` / ``cdpctl scan --format json``, which (run as printed)
read standard input, or scan the current folder with no plan.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PLAN = """\
plan: Footers
version: 1.0.0
events:
  Order Completed: {}
"""
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}


def cdpctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, env=ENV,
        stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip


def test_coverage_markdown_says_how_many_were_left_out_and_how_to_see_them(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    lines = [json.dumps({"type": "track", "event": f"Ev {i}", "userId": "u", "properties": {}}) for i in range(300)]
    (tmp_path / "many.ndjson").write_text("\n".join(lines) + "\n")
    done = cdpctl("coverage", "plan.yaml", "many.ndjson", "-f", "markdown", cwd=tmp_path)
    assert "and 200 more (`cdpctl coverage many.ndjson --plan plan.yaml --format json` lists all)" in done.stdout
    shown = cdpctl("coverage", "many.ndjson", "--plan", "plan.yaml", "--format", "json", cwd=tmp_path)
    assert len(json.loads(shown.stdout)["unplanned"]) == 300


def test_scan_names_its_sources_and_plan_in_the_command_for_all_findings(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "src").mkdir()
    calls = "".join(f"analytics.track('u', 'Unplanned {i}', {{}})\n" for i in range(40))
    (tmp_path / "src" / "app.py").write_text("import segment.analytics as analytics\n" + calls)
    github = cdpctl("scan", "src", "--plan", "plan.yaml", "-f", "github", cwd=tmp_path)
    assert "Run cdpctl scan src --plan plan.yaml --format json for all of them." in github.stdout
