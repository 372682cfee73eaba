"""``cdpctl coverage`` runs that measured nothing still write their json or markdown report (exit 2), and every
JSON report carries its verdict: a step that posts the markdown or reads the JSON finds a report that says
why, never a missing file or a stale one from an earlier run; the report is never written over the plan or
an input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLAN = "plan: P\nversion: 1.0.0\nevents:\n  A Done: {}\n  B Done: {}\n"
BROKEN = "plan: P\nversion: 1.0.0\nevents:\n  A Done:\n    properties:\n      n: {type: strin}\n"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "CDPCTL_NO_CACHE": "1"}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run([sys.executable, "-m", "cdpctl", "coverage", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)


def _log(path: Path, *events: str) -> Path:
    path.write_text("".join(json.dumps({"type": "track", "event": e, "userId": "u"}) + "\n" for e in events))
    return path


def test_every_json_report_carries_its_verdict(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    _log(tmp_path / "l.ndjson", "A Done")
    done = _cli("plan.yaml", "l.ndjson", "-f", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == {"ok": True, "status": "OK", "reason": "", "exit_code": 0}
    under = _cli("plan.yaml", "l.ndjson", "-f", "json", "--fail-under", "90", cwd=tmp_path)
    assert under.returncode == 1
    assert json.loads(under.stdout)["verdict"] == {
        "ok": False, "status": "FAIL", "reason": "under --fail-under 90%", "exit_code": 1}


@pytest.mark.parametrize(
    ("log", "reason"),
    [
        ("", "no events read: the input holds no records"),
        ("a,b\n1,2\n", "no events read: the 2 records read are all malformed"),
    ],
)
def test_a_run_that_read_nothing_writes_a_report_that_says_so(tmp_path: Path, log: str, reason: str) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "l.ndjson").write_text(log)
    stale = tmp_path / "out" / "coverage.json"
    stale.parent.mkdir()
    stale.write_text('{"verdict": {"ok": true}}')  # an earlier run's report must not survive
    done = _cli("plan.yaml", "l.ndjson", "-f", "json", "-o", str(stale), cwd=tmp_path)
    assert done.returncode == 2 and reason in done.stderr, done.stderr
    document = json.loads(stale.read_text())
    assert document["verdict"]["ok"] is False and document["verdict"]["exit_code"] == 2
    assert document["verdict"]["reason"].startswith(reason)
    assert document["summary"]["planned_calls"] == 2 and document["never_seen"] == ["A Done", "B Done"]
    markdown = _cli("plan.yaml", "l.ndjson", "-f", "markdown", cwd=tmp_path)
    assert markdown.returncode == 2
    assert markdown.stdout.startswith("## Tracking plan coverage\n\nFAIL: no events") and "Nothing was measured." in markdown.stdout


def test_a_window_no_message_is_in_writes_a_report_that_says_so(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "l.ndjson").write_text(json.dumps({"type": "track", "event": "A Done", "userId": "u",
                                                   "timestamp": "2024-01-01T00:00:00Z"}) + "\n")
    done = _cli("plan.yaml", "l.ndjson", "-f", "json", "--since", "2999-01-01", cwd=tmp_path)
    assert done.returncode == 2
    verdict = json.loads(done.stdout)["verdict"]
    assert verdict["exit_code"] == 2 and verdict["reason"].startswith("no events in the window")


def test_a_plan_that_does_not_load_writes_a_report_naming_each_problem(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(BROKEN)
    _log(tmp_path / "l.ndjson", "A Done")
    done = _cli("plan.yaml", "l.ndjson", "-f", "json", "-o", "report.json", cwd=tmp_path)
    assert done.returncode == 2 and "the plan has 1 problem" in done.stderr
    document = json.loads((tmp_path / "report.json").read_text())
    assert document["verdict"] == {"ok": False, "status": "FAIL", "exit_code": 2,
                                   "reason": "the plan does not load, nothing was measured"}
    [problem] = document["plan_errors"]
    assert (problem["line"], problem["column"]) == (6, 17) and "unknown type 'strin'" in problem["message"]
    assert document["summary"]["coverage"] is None
    markdown = _cli("plan.yaml", "l.ndjson", "-f", "markdown", cwd=tmp_path)
    assert "FAIL: the plan does not load, nothing was measured" in markdown.stdout
    assert "plan.yaml:6:17: unknown type 'strin'" in markdown.stdout
    missing = _cli("gone.yaml", "l.ndjson", "-f", "json", cwd=tmp_path)
    assert missing.returncode == 2 and "cannot read plan file 'gone.yaml'" in missing.stderr
    assert json.loads(missing.stdout)["plan_errors"][0]["message"] == "the plan file does not exist"


def test_an_input_that_does_not_exist_is_named_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    done = _cli("plan.yaml", "gone.ndjson", "-f", "json", cwd=tmp_path)
    assert done.returncode == 2
    document = json.loads(done.stdout)
    assert document["verdict"]["reason"] == "an input cannot be read, nothing was measured"
    assert "gone.ndjson" in document["input_errors"][0]


def test_the_report_of_a_run_that_measured_nothing_is_never_written_over_the_plan_or_an_input(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(BROKEN)
    log = _log(tmp_path / "l.ndjson", "A Done")
    before = log.read_text()
    for target in ("plan.yaml", "l.ndjson"):
        done = _cli("plan.yaml", "l.ndjson", "-f", "json", "-o", target, cwd=tmp_path)
        assert done.returncode == 2
    assert (tmp_path / "plan.yaml").read_text() == BROKEN and log.read_text() == before
    (tmp_path / "plan.yaml").write_text(PLAN)
    empty = tmp_path / "empty.ndjson"
    empty.write_text("")
    assert _cli("plan.yaml", "empty.ndjson", "-f", "json", "-o", "empty.ndjson", cwd=tmp_path).returncode == 2
    assert empty.read_text() == ""


def test_never_written_where_the_plan_or_an_include_is_looked_for(tmp_path: Path) -> None:
    """A report at the path of a plan, or of an include, that does not exist was created there, and the next
    run read it as the plan; validate wrote one over a missing include too."""
    _log(tmp_path / "l.ndjson", "A Done")
    (tmp_path / "main.yaml").write_text(PLAN + "include: [parts.yaml]\n")
    assert _cli("gone.yaml", "l.ndjson", "-f", "json", "-o", "gone.yaml", cwd=tmp_path).returncode == 2
    assert _cli("main.yaml", "l.ndjson", "-f", "json", "-o", "parts.yaml", cwd=tmp_path).returncode == 2
    validate = subprocess.run([sys.executable, "-m", "cdpctl", "validate", "--plan", "main.yaml", "l.ndjson", "-f", "json",
                               "-o", "parts.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert validate.returncode == 2
    assert not (tmp_path / "gone.yaml").exists() and not (tmp_path / "parts.yaml").exists()


def test_an_input_not_read_to_the_end_is_the_reason_and_is_listed(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "cut.ndjson.gz").write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03")  # a gzip header, then nothing
    markdown = _cli("plan.yaml", "cut.ndjson.gz", "-f", "markdown", cwd=tmp_path)
    assert markdown.returncode == 2
    assert "FAIL: no events read, 1 input not read to the end" in markdown.stdout
    assert "- not read to the end: cannot read 'cut.ndjson.gz'" in markdown.stdout
    missing = json.loads(_cli("plan.yaml", "gone.ndjson", "-f", "json", cwd=tmp_path).stdout)
    assert missing["summary"]["planned_calls"] == 2 and missing["never_seen"] == ["A Done", "B Done"]  # the plan loaded
