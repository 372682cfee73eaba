"""Watching real processes in tests: a process's children, whether one still runs, waiting for a condition."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path


def workers_of(pid: int) -> set[int]:
    """The child processes of ``pid`` (those of every thread)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for its parent's wait does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)
