"""A report that cannot be written to stdout (a full disk: ``/dev/full``) is exit 2 and one line on stderr,
buffered or not (``PYTHONUNBUFFERED``), never a traceback nor Python's own exit status 120."""

from __future__ import annotations

import json
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


@pytest.mark.skipif(sys.platform == "win32", reason="no file size limit (ulimit -f) on Windows")
@pytest.mark.parametrize(
    "args",
    [
        ["compile", "plans/acme-shop.yaml"],
        ["export", "segment", "plans/acme-shop.yaml"],
        ["validate", "examples/events-with-violations.ndjson", "--plan", "plans/acme-shop.yaml", "-q", "-f", "json"],
        ["schema"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_a_report_cut_by_the_file_size_limit_is_exit_2(tmp_path: Path, args: list[str]) -> None:
    """Under ``ulimit -f`` the write that reaches the limit is cut short with no error from Python's text
    layer (the count it returns is dropped): the run said OK, exit 0, over a 1,024-byte piece of its report."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    with (tmp_path / "report").open("wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", *args], cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True,
            preexec_fn=limit,
        )  # fmt: skip
    assert (tmp_path / "report").stat().st_size == 1024
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("cdpctl: error:")]
    assert len(errors) == 1 and "File too large" in errors[0], done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="no file size limit (ulimit -f) on Windows")
def test_a_stdout_file_already_at_the_limit_that_the_run_did_not_write_to_is_no_error(tmp_path: Path) -> None:
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))

    log = tmp_path / "build.log"
    log.write_bytes(b"x" * 2100)  # appended to (>>), already past the limit, and the report goes to -o
    with log.open("ab") as stdout:
        done = subprocess.run(
            [sys.executable, "-m", "cdpctl", "lint", "plans/acme-shop.yaml", "-f", "json", "-o", str(tmp_path / "l.json")],
            cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE, text=True, preexec_fn=limit,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "l.json").read_text())
