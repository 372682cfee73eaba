"""A reader that stops reading before the end (``cdpctl ... | head -1``, a pager quit early) ends the run
quietly with exit 1: never exit 0 (the report was not all read), never a traceback or an "Exception ignored"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [
    ("version",),
    ("lint", "plans/acme-shop.yaml"),
    ("validate", "examples/events-with-violations.ndjson", "-f", "json"),
    ("validate", "examples/events.ndjson"),
    ("schema",),
    ("compile", "plans/acme-shop.yaml"),
])
def test_a_reader_that_stops_early_is_exit_1_and_quiet(args: tuple[str, ...]) -> None:
    process = subprocess.Popen([sys.executable, "-m", "cdpctl", *args], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the first write
    errors = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in errors and "Exception ignored" not in errors
