"""Start-up of the command line: what importing it costs, and that a closed stdout ends a run cleanly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
CLEAN = ROOT / "examples" / "events.ndjson"
DIRTY = ROOT / "examples" / "events-with-violations.ndjson"

HEAVY = ("typer", "click", "pydantic", "rich", "jsonschema", "xml.sax", "urllib.request", "http.client", "email")
"""Modules a plain json-format validate run of valid data must not import (each costs start-up time)."""

BAD_PLAN = """\
plan: Bad Shop
version: 1.0.0
events:
  order_completed:
    properties:
      order_id: {type: string}
      revenue: {type: string}
  Signup Completed:
    description: The user signed up.
    properties:
      referralCode: {type: string}
"""
"""A plan with lint findings of several rules."""

ENV = {"GITHUB_ACTIONS": "", "CI": "", "COLUMNS": "200", "NO_COLOR": ""}


def _env() -> dict[str, str]:
    env = {**os.environ, **ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _imported_by(code: str, cwd: Path) -> set[str]:
    """The modules loaded once ``code`` ran (and exited, however it exited) in a fresh interpreter."""
    report = cwd / "modules.json"
    wrapper = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(report)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        f"{code}\n"
    )
    subprocess.run([sys.executable, "-c", wrapper], cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, check=False, timeout=120)
    return set(json.loads(report.read_text()))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_imports_no_framework(tmp_path: Path) -> None:
    modules = _imported_by("import cdpctl.cli", tmp_path)
    assert "cdpctl.cli" in modules
    assert _heavy(modules) == []
    assert not any(m.startswith("cdpctl.validation") for m in modules)


def test_help_goes_through_the_one_typer_application(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", "--help"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "--max-invalid-rate" in done.stdout


def test_closed_stdout_exits_one_without_a_traceback(tmp_path: Path) -> None:
    big = tmp_path / "big.ndjson"
    big.write_bytes(DIRTY.read_bytes() * 200)
    args = ["validate", str(big), "--plan", str(PLAN), "--format", "json", "--jobs", "1", "-q"]
    outcomes = []
    for command in ([sys.executable, "-m", "cdpctl", *args], [sys.executable, "-c", "from cdpctl.cli import build_app; build_app()()", *args]):
        read, write = os.pipe()
        os.close(read)  # nobody reads: the first write fails with EPIPE
        try:
            done = subprocess.run(command, cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
        finally:
            os.close(write)
        outcomes.append((done.returncode, done.stderr))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1 and "Traceback" not in outcomes[0][1]
