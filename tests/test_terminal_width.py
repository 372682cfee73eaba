"""Width as the user sets it: an explicit COLUMNS lays out validate's table on a pipe too, and the
progress line measures the terminal it is drawn on (stderr), not stdout, keeping every figure at 80 columns.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from cdpctl.reporting.progress import fitted_progress_text, progress_text, terminal_width

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
DIRTY = ROOT / "examples" / "events-with-violations.ndjson"


def _validate_text(columns: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env.update({"GITHUB_ACTIONS": "", "CI": "", "NO_COLOR": "1"})
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    if columns is not None:
        env["COLUMNS"] = columns
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(DIRTY), "--plan", str(PLAN), "-q"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


@pytest.mark.parametrize("columns", [80, 100])
def test_an_explicit_columns_lays_out_the_table_on_a_pipe(columns: int) -> None:
    text = _validate_text(str(columns))
    lines = text.splitlines()
    assert all(len(line.rstrip()) <= columns for line in lines), text
    rows = [line for line in lines if line.lstrip()[:1].isdigit()]
    assert len(rows) == 15  # one line per group: nothing wrapped
    assert any("Legacy Thing Happened" in row and "deprecated_event" in row for row in rows)  # names whole


def test_without_columns_a_pipe_gets_the_wide_log_table() -> None:
    text = _validate_text(None)
    assert max(len(line) for line in text.splitlines()) > 100  # logs are wide: 160 columns


def test_the_progress_line_keeps_every_figure_at_80_columns() -> None:
    args = (59_600_000, 59_600_000, 242_760, 236_726, 0, 5.0)
    assert len(progress_text(*args)) > 79  # the worded line does not fit
    short = fitted_progress_text(*args, width=79)
    assert len(short) <= 79
    assert short == "59.6/59.6 MB (100%), 48,552 ev/s, 236,726 invalid, ETA 0:00"
    assert fitted_progress_text(*args, width=200) == progress_text(*args)  # wide: the words stay
    assert fitted_progress_text(840_000, 1_200_000, 1_000, 1, 0, 1.0, width=40).startswith("840.0 kB/1.2 MB (70%)")


def test_the_progress_line_measures_the_terminal_it_is_drawn_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    main, child = pty.openpty()
    try:
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 132, 0, 0))
        with os.fdopen(os.dup(child), "w") as stderr_like:
            assert terminal_width(stderr_like) == 132  # whatever stdout is (a file, a pipe)
        monkeypatch.setenv("COLUMNS", "90")
        with os.fdopen(os.dup(child), "w") as stderr_like:
            assert terminal_width(stderr_like) == 90  # an explicit COLUMNS wins
    finally:
        os.close(main)
        os.close(child)
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(io.StringIO()) == 80  # no terminal at all
