"""Every SARIF result has a location with a start line: GitHub code scanning refuses a whole upload in which one
result has none ("locationFromSarifResult: expected at least one location"). A result about no file (an input
on standard input, an input with no records or not read to its end) is placed in the plan; a planned call no
scanned code sends, where the plan defines it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cdpctl.cli import app

PLAN = """\
plan: Shop
version: 1.0.0
events:
  Order Completed:
    properties:
      order_id: {type: string, required: true}
  Never Sent: {}
"""
BAD = b'{"type":"track","event":"Order Completed","userId":"u","properties":{}}\n'


def _sarif(args: list[str], stdin: bytes | None = None) -> list[dict[str, Any]]:
    if stdin is None:
        result = CliRunner().invoke(app, args, env={"GITHUB_ACTIONS": "", "CI": ""})
        assert result.exit_code in (0, 1, 2), result.output
        out = result.stdout
    else:  # standard input itself, as a pipe
        ran = subprocess.run([sys.executable, "-m", "cdpctl", *args], input=stdin, capture_output=True, check=False)
        assert ran.returncode == 1, ran.stderr
        out = ran.stdout.decode()
    document = json.loads(out)
    for rule in document["runs"][0]["tool"]["driver"]["rules"]:  # code scanning shows each rule's help
        assert rule["help"]["text"] and rule["name"] != rule["id"]
    results: list[dict[str, Any]] = document["runs"][0]["results"]
    assert results
    for item in results:
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"]
        assert location["region"]["startLine"] >= 1
    return results


def _uris(results: list[dict[str, Any]]) -> dict[str, str]:
    return {item["ruleId"]: item["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for item in results}


def test_validate_results_about_no_file_are_placed_in_the_plan(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text(PLAN)
    Path("empty.ndjson").write_bytes(b"")
    assert _uris(_sarif(["validate", "--plan", "plan.yaml", "empty.ndjson", "-f", "sarif"])) == {"unread_input": "plan.yaml"}
    Path("cut.ndjson.gz").write_bytes(gzip.compress(BAD * 50)[:-12])
    uris = _uris(_sarif(["validate", "--plan", "plan.yaml", "cut.ndjson.gz", "-f", "sarif"]))
    assert uris["unread_input"] == "plan.yaml" and uris["required_missing"] == "cut.ndjson.gz"
    assert _uris(_sarif(["validate", "--plan", "plan.yaml", "-", "-f", "sarif"], BAD)) == {"required_missing": "plan.yaml"}


def test_scan_places_a_call_no_code_sends_where_the_plan_defines_it(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text(PLAN)
    Path("app.py").write_text("import segment.analytics as analytics\nanalytics.track('u', 'Order Completed', {'order_id': 'o'})\n")
    results = _sarif(["scan", "app.py", "--plan", "plan.yaml", "-f", "sarif"])
    [missing] = [item for item in results if item["ruleId"] == "no_call_site"]
    where = missing["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"].endswith("plan.yaml") and where["region"]["startLine"] == 7
    # the JSON finding keeps its contract: a call no code sends has no file
    found = json.loads(CliRunner().invoke(app, ["scan", "app.py", "--plan", "plan.yaml", "-f", "json"]).stdout)
    assert [f["file"] for f in found["findings"] if f["code"] == "no_call_site"] == [None]


def test_lint_results_have_a_start_line(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    Path("plan.yaml").write_text(PLAN.replace("Never Sent: {}", "never_sent: {}"))
    _sarif(["lint", "plan.yaml", "-f", "sarif"])
    Path("broken.yaml").write_text("plan: [\n")
    _sarif(["lint", "broken.yaml", "-f", "sarif"])
