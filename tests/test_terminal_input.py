"""A command that reads logs, given none while standard input is a terminal, stops at once: exit 2, one line.

``cdpctl coverage PLAN`` and ``cdpctl infer`` without a log waited, silent, for a log typed by hand, until
killed; ``validate`` already said "no input".  Each runs here on a real pseudo-terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pty = pytest.importorskip("pty")  # POSIX only


@pytest.mark.parametrize(
    "args",
    [["coverage", "plans/acme-shop.yaml"], ["infer"], ["validate", "--plan", "plans/acme-shop.yaml"]],
    ids=lambda args: args[0],
)
def test_no_log_on_a_terminal_is_exit_2_not_a_wait(args: list[str]) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", *args], cwd=ROOT, stdin=follower, capture_output=True, text=True,
            timeout=120, env={**os.environ, "GITHUB_ACTIONS": "", "CI": ""},
        )  # fmt: skip
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "cdpctl: error: no input: pass files, directories or globs, or '-' to read standard input"
    ]
