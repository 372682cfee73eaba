"""Trust in how ``cdpctl validate`` reads an input's bytes: damaged streams, files that change while read,
encodings and whitespace.

Real files and the real command in a real process, or the reading functions themselves: every whole record
read is checked, and whatever was not read to its end is named (exit 2).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import zstandard

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
GOOD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "properties": {"order_id": "o-1", "total": 10, "currency": "EUR", "products": [{"product_id": "p", "price": 10}]},
}
LINE = json.dumps(GOOD).encode() + b"\n"
ENV = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}


def cdpctl(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", "--plan", str(PLAN), *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
        **options,
    )


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_damaged_stream_whose_first_line_is_broken_keeps_the_lines_before_the_damage(
    tmp_path: Path, compression: str
) -> None:
    """A first line that is not JSON by itself makes cdpctl try the file as one document; a read error
    while trying it (a truncated gzip or zstd, more than a block before the damage) lost every line
    before it: `events 0`.  The whole lines before the damage are checked and the input is named."""
    lines = 40_000
    data = b'{"type":"track","event":"T",\n' + LINE * lines
    packed = gzip.compress(data) if compression == "gzip" else zstandard.ZstdCompressor().compress(data)
    path = tmp_path / f"cut.ndjson.{'gz' if compression == 'gzip' else 'zst'}"
    path.write_bytes(packed[: len(packed) * 7 // 10])
    result = cdpctl(str(path), "-f", "json")
    assert result.returncode == 2, result.stderr
    document = json.loads(result.stdout)
    summary = document["summary"]
    assert summary["unreadable"] == 1 and summary["malformed"] == 1 and summary["invalid"] == 0
    assert lines * 6 // 10 < summary["events"] < lines * 7 // 10 + 2, summary
    assert document["input_errors"][0].startswith(f"cannot read '{path}'")
    assert "was not checked" in document["input_errors"][0]
