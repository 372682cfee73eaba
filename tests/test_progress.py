"""validate's progress line: on a terminal for runs over a second, never on a pipe or with --quiet.

The run is made long by its input, not by a clock: a FIFO whose writer pauses between
halves of the log, so the progress line has something to show after its one-second delay.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cdpctl.reporting.progress import duration_text, progress_text, size_text

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
DIRTY = ROOT / "examples" / "events-with-violations.ndjson"
CHUNK = DIRTY.read_bytes() * 800  # about 10 MB: a few blocks of the reader
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "GITHUB_ACTIONS": "", "CI": "", "COLUMNS": "120", **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _feed_slowly(fifo: Path) -> threading.Thread:
    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write(CHUNK)
            handle.flush()
            time.sleep(1.5)  # longer than the progress line's delay: the run is now over a second
            handle.write(CHUNK)
            handle.write(CHUNK)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _run(tmp_path: Path, *flags: str, terminal: bool) -> tuple[int, str]:
    """Validate a slowly fed FIFO; what stderr showed (through a pty when ``terminal``)."""
    fifo = tmp_path / "events.ndjson"
    os.mkfifo(fifo)
    writer = _feed_slowly(fifo)
    command = [sys.executable, "-m", "cdpctl", "validate", str(fifo), "--plan", str(PLAN), "-f", "json", "-j", "1", *flags]
    if not terminal:
        done = subprocess.run(command, cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        writer.join(timeout=10)
        return done.returncode, done.stderr.decode()
    main, child = pty.openpty()
    process = subprocess.Popen(command, cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    code = process.wait(timeout=120)
    os.close(main)
    writer.join(timeout=10)
    return code, b"".join(chunks).decode()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_on_a_terminal_after_a_second(tmp_path: Path, jobs: str) -> None:
    """With ``--jobs 2`` too: the line is drawn as blocks are merged (it was drawn only while reading, which
    ends long before the workers do, so a run of seconds showed none)."""
    code, shown = _run(tmp_path, "-j", jobs, terminal=True)
    assert code == 1
    frames = [ANSI.sub("", frame) for frame in shown.split("\r") if "validating" in frame]
    assert frames, shown
    last = frames[-1]
    assert re.search(r"validating [\d.,]+ MB read, [\d,]+ events/s, [\d,]+ invalid, [\d,]+ malformed", last), last
    assert shown.count("\x1b[K") >= 2  # drawn in place, then erased before the summary
    assert "cdpctl: validated" in shown


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize(("flags", "terminal"), [((), False), (("--quiet",), True)], ids=["pipe", "quiet"])
def test_no_progress_on_a_pipe_or_with_quiet(tmp_path: Path, flags: tuple[str, ...], terminal: bool) -> None:
    code, shown = _run(tmp_path, *flags, terminal=terminal)
    assert code == 1
    assert "validating " not in shown and "\x1b[K" not in shown and "\r" not in shown.replace("\r\n", "\n")


def test_progress_text_with_a_known_total() -> None:
    text = progress_text(25_000_000, 100_000_000, 50_000, 1_234, 0, 2.0)
    assert text == "validating 25.0 MB of 100.0 MB (25%), 25,000 events/s, 1,234 invalid, ETA 0:06"
    assert progress_text(10, None, 0, 0, 2, 0.0) == "validating 10 B read, 0 events/s, 0 invalid, 2 malformed"
    assert size_text(1_500) == "1.5 kB" and size_text(2_500_000_000) == "2.50 GB"
    assert duration_text(3725) == "1:02:05" and duration_text(59.6) == "1:00"
