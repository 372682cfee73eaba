"""A report that cannot be written to stdout (a full disk: ``/dev/full``) is exit 2 and one line on stderr,
buffered or not (``PYTHONUNBUFFERED``), never a traceback nor Python's own exit status 120."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FULL = Path("/dev/full")

COMMANDS = [
    ["validate", "examples/events.ndjson", "-q"],
    ["validate", "examples/events-with-violations.ndjson", "-q", "-f", "json"],
    ["lint", "plans/acme-shop.yaml"],
    ["compile", "plans/acme-shop.yaml"],
    ["schema"],
    ["--version"],
]


@pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("unbuffered", ["", "1"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_a_report_to_a_full_disk_is_exit_2_and_one_line(args: list[str], unbuffered: str) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    with FULL.open("wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", *args], cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, env=env, text=True
        )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    errors = [line for line in lines if line.startswith("cdpctl: error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0], done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
