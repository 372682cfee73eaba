"""The text table and serve's live view fit the terminal: most frequent first, one line per group,
long cells cut with an ellipsis, names before messages.

validate runs in a real pseudo-terminal (its table is laid out for the terminal's width);
the live view renders a real collector fed through the engine.
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdpctl.reporting.table import NAME_WIDTH, Column, layout

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
LONG_EVENT = "Checkout Step Completed With Coupon Code"  # 40 characters
LONG_PROPERTY = "gift_wrapping_message_for_rec"  # properties.<it>: 40 characters
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07")


def _order(properties: dict[str, Any]) -> dict[str, Any]:
    base = {"order_id": "o", "total": 1, "currency": "EUR", "products": [{"product_id": "p", "price": 1}]}
    return {"type": "track", "event": "Order Completed", "userId": "u", "properties": {**base, **properties}}


def _log(folder: Path, messages: list[dict[str, Any]]) -> Path:
    path = folder / "events.ndjson"
    path.write_text("".join(json.dumps(m) + "\n" for m in messages))
    return path


def _in_terminal(args: list[str], columns: int, cwd: Path) -> str:
    """What ``cdpctl`` prints to a terminal ``columns`` wide (a real pty), without colour codes."""
    main, child = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "50", "GITHUB_ACTIONS": "", "CI": "", "TERM": "xterm"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    process = subprocess.Popen([sys.executable, "-m", "cdpctl", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=child, stderr=subprocess.DEVNULL)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(main)
    return ANSI.sub("", b"".join(chunks).decode()).replace("\r", "")


def _table_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Count"))
    end = next(i for i, line in enumerate(lines) if line.startswith(("FAIL", "OK")))
    return lines[start + 1 : end]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Groups seen 5, 3 and 1 times, with the names from the issue and long messages."""
    folder = tmp_path_factory.mktemp("mixed")
    messages = (
        [_order({"products": "not a list"})] * 5
        + [{"type": "track", "event": "Zebra Seen", "userId": "u", "properties": {}}] * 3
        + [{"type": "track", "event": "Apple Seen", "userId": "u", "properties": {}}] * 3
        + [_order({"coupon": 7})]
    )
    return _log(folder, messages)


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_validate_table_fits_the_terminal_one_line_per_group(mixed: Path, columns: int) -> None:
    text = _in_terminal(["validate", str(mixed), "--plan", str(PLAN), "--no-progress", "-q"], columns, mixed.parent)
    assert all(len(line.rstrip()) <= columns for line in text.splitlines()), text
    rows = _table_lines(text)
    assert len(rows) == 4, text  # one line per group: nothing wrapped
    counts = [int(row.split()[0]) for row in rows]
    assert counts == [5, 3, 3, 1]  # most frequent first
    assert "Apple Seen" in rows[1] and "Zebra Seen" in rows[2]  # then by event
    assert "Order Completed" in rows[0] and "properties.products" in rows[0]  # names whole from 80 columns
    assert "…  " in rows[0] or rows[0].rstrip().endswith("…")  # the long message cut, not wrapped
    if columns >= 120:  # the example's line number shows, its path cut at the start
        assert rows[0].rstrip().endswith(".ndjson:1")


@pytest.mark.parametrize(
    ("messages", "name"),
    [
        ([{"type": "track", "event": LONG_EVENT, "userId": "u", "properties": {}}], LONG_EVENT),
        ([_order({LONG_PROPERTY: "x"})], f"properties.{LONG_PROPERTY}"),
    ],
    ids=["event", "path"],
)
def test_names_of_40_characters_show_whole_from_100_columns(tmp_path: Path, messages: list[dict[str, Any]], name: str) -> None:
    assert len(name) == NAME_WIDTH
    log = _log(tmp_path, messages)
    text = _in_terminal(["validate", str(log), "--plan", str(PLAN), "--no-progress", "-q"], 100, tmp_path)
    assert name in text, text
    assert all(len(line.rstrip()) <= 100 for line in text.splitlines())


def test_layout_gives_names_space_before_messages_and_drops_optional_columns() -> None:
    columns = [
        Column("count", rank=0, whole=True),
        Column("event", rank=1, want=40, floor=10),
        Column("message", rank=3, want=30, floor=12),
        Column("example", rank=6, floor=12, optional=True),
    ]
    rows = [("12", "E" * 40, "m" * 100, "x" * 30)]
    assert layout(columns, rows, 200) == [5, 40, 100, 30]
    assert layout(columns, rows, 80) == [5, 40, 31, None]  # the example left out, the name whole
    assert layout(columns, rows, 40) == [5, 19, 12, None]  # below the wanted widths: the floors, then names
    assert sum(w or 0 for w in layout(columns, rows, 60)) + 2 * 2 <= 60


def _collector() -> Any:
    from cdpctl.loader import load_plan
    from cdpctl.serve.intake import Accepted
    from cdpctl.serve.state import Collector
    from cdpctl.validation import Validator

    collector = Collector(Validator(load_plan(str(PLAN))))
    messages = [_order({"products": "not a list"})] * 4 + [_order({"coupon": 7})] * 2
    collector.ingest([Accepted(message, json.dumps(message).encode()) for message in messages], None)
    return collector


@pytest.mark.parametrize("columns", [80, 120])
def test_live_view_keeps_names_whole_and_fits(columns: int) -> None:
    from rich.console import Console

    from cdpctl.serve.live import render

    out = io.StringIO()
    console = Console(file=out, width=columns, color_system=None, force_terminal=False)
    console.print(render(_collector(), "http://127.0.0.1:8088", width=columns))
    text = out.getvalue()
    assert all(len(line.rstrip()) <= columns for line in text.splitlines()), text
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("count"))
    first, second = lines[header + 1], lines[header + 2]
    assert first.split()[0] == "4" and second.split()[0] == "2"  # most frequent first
    assert "Order Completed" in first and "properties.products" in first  # the names, whole
    assert "properties.coupon" in second
