"""validate --format github: what was not read is annotated first and within GitHub's 10 errors a step,
so it is never the annotation GitHub drops when thousands of groups fill the cap."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cdpctl.reporting.limits import ANNOTATION_CAP

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"


def test_an_unread_input_is_annotated_first_within_the_cap(tmp_path: Path) -> None:
    lines = [
        json.dumps({"type": "track", "event": f"Unplanned Thing {i}", "userId": "u", "properties": {}}) for i in range(300)
    ]
    (tmp_path / "many.ndjson").write_text("\n".join(lines) + "\n")
    whole = gzip.compress(("\n".join(lines) + "\n").encode())
    (tmp_path / "cut.ndjson.gz").write_bytes(whole[: len(whole) // 2])  # ends before the end-of-stream marker
    env = {**os.environ, "GITHUB_ACTIONS": "", "CI": ""}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", "many.ndjson", "cut.ndjson.gz", "--plan", str(PLAN), "-f", "github", "-q"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    errors = re.findall(r"^::error\b.*$", done.stdout, flags=re.MULTILINE)
    assert len(errors) == ANNOTATION_CAP  # never an 11th error GitHub would drop
    assert "data not checked" in errors[0] and "cut.ndjson.gz" in errors[0]
    notices = re.findall(r"^::notice\b.*$", done.stdout, flags=re.MULTILINE)
    assert len(notices) == 1 and "not annotated" in notices[0]
