"""Trust in how ``cdpctl validate`` lists its inputs: folders, links, globs, unreadable or empty places.

Real folders, links and permissions, and the real command in a real process: whatever a folder or a glob
holds is read, or named as not read (exit 2), never skipped in silence.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdpctl.validation.paths import data_files

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
EXAMPLES = ROOT / "examples"
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}


def cdpctl(*args: str, cwd: Path | None = None, user: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), *args]
    if user is not None:  # as another user: root reads every folder whatever its mode
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=60, cwd=cwd)


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(result.stdout)["summary"]
    return found


def test_a_link_to_a_folder_inside_a_folder_is_followed_and_a_loop_ends(tmp_path: Path) -> None:
    """``Path.rglob`` of Python 3.10 and 3.11 did not follow links to folders: the violations behind
    ``day/latest -> ../other`` were left out and the run said OK.  Links are followed now, each folder
    read once, and links back up the tree (``up -> ..``, ``self -> .``) end."""
    (tmp_path / "day").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "day" / "a.ndjson").write_bytes((EXAMPLES / "events.ndjson").read_bytes())
    (tmp_path / "other" / "b.ndjson").write_bytes((EXAMPLES / "events-with-violations.ndjson").read_bytes())
    (tmp_path / "day" / "latest").symlink_to("../other")
    (tmp_path / "day" / "up").symlink_to("..")
    (tmp_path / "other" / "self").symlink_to(".")
    result = cdpctl("day", "-f", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert summary(result)["events"] == 46 + 23 and summary(result)["invalid"] == 9
    listed = data_files(str(tmp_path / "day"))
    assert len(listed) == 2 and listed[0].endswith("a.ndjson")
    assert summary(cdpctl("day", "other", "-f", "json", cwd=tmp_path))["events"] == 69  # read once
