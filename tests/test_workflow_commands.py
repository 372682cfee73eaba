"""No data reaches a GitHub Actions workflow command of its own: every line cdpctl writes to stderr is one
line whatever the plan or the file names hold, and on stdout only the annotations cdpctl writes start with
``::``.  The runner reads a line that starts with ``::`` on either stream as a command (``\\r`` and ``\\n``
both end a line for it)."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INJECTED = "x\n::error title=PWN::injected\r::warning::too"
ANNOTATION = re.compile(r"::(error|warning|notice) (file|title)=[^:\r\n]*::")
"""An annotation cdpctl writes: always with properties, escaped (``%3A``), so a ``::`` ends them."""


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "GITHUB_ACTIONS": "true", "COLUMNS": "120"},
    )  # fmt: skip


def commands(text: str) -> list[str]:
    """The lines of ``text`` the runner would read as workflow commands."""
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.lstrip().startswith("::")]


def assert_no_injection(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr
    for line in commands(done.stdout) + commands(done.stderr):
        assert ANNOTATION.match(line.lstrip()), line


def test_a_plan_problem_naming_a_key_with_a_newline_stays_one_line(tmp_path: Path) -> None:
    key = INJECTED.replace("\n", "\\n").replace("\r", "\\r")
    (tmp_path / "p.yaml").write_text(f'plan: P\nversion: 1.0.0\nevents:\n  A B:\n    "{key}": 1\n')
    for args in (["lint", "p.yaml", "--format", "github"], ["lint", "p.yaml"], ["validate", "p.yaml", "--plan", "p.yaml"]):
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 2
        assert_no_injection(done)


def test_a_log_file_name_with_a_newline_stays_one_line(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / f"{INJECTED}.ndjson.gz").write_bytes(gzip.compress(b'{"type":"track"}\n' * 50)[:40])  # cut short
    for command in ("validate", "infer", "coverage"):
        args = [command, "logs", "--plan", str(ROOT / "plans" / "acme-shop.yaml")]
        if command == "infer":
            args = [command, "logs"]
        if command == "coverage":
            args = [command, str(ROOT / "plans" / "acme-shop.yaml"), "logs"]
        done = cli(*args, cwd=tmp_path)
        assert done.returncode == 2, (command, done.stderr)
        assert_no_injection(done)


@pytest.mark.parametrize("check", [False, True])
def test_generate_names_a_hostile_plan_on_one_line(tmp_path: Path, check: bool) -> None:
    (tmp_path / "p.yaml").write_text('plan: "Evil \\e[2J\\n::error::INJ"\nversion: 1.0.0\nevents: {}\n')
    cli("generate", "python", "--plan", "p.yaml", "--out", "g.py", cwd=tmp_path)
    done = cli("generate", "python", "--plan", "p.yaml", "--out", "g.py", *(["--check"] if check else []), cwd=tmp_path)
    assert done.returncode == 0 and "\x1b" not in done.stderr
    assert_no_injection(done)
