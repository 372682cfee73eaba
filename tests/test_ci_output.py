"""Reports that fit where CI shows them: markdown under GitHub's comment limit, annotations under its caps.

Each case runs the real command on a large real input: a 3,000-group event log, a
3,000-change diff with long names, a plan with hundreds of lint findings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.reporting.limits import ANNOTATION_CAP, MARKDOWN_LIMIT

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
ENV = {"GITHUB_ACTIONS": "", "CI": "", "COLUMNS": "120"}
GROUPS = 3000
LONG = "Checkout Step Viewed With A Rather Long And Descriptive Name Number"


def run(*args: str) -> Any:
    try:  # click before 8.2 mixes stderr into the output unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(app, list(args), env=ENV)


def annotations(text: str) -> dict[str, int]:
    levels = re.findall(r"^::(error|warning|notice)\b", text, flags=re.MULTILINE)
    return {level: levels.count(level) for level in ("error", "warning", "notice")}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 violation groups: unplanned events with long names, each seen a different number of times."""
    folder = tmp_path_factory.mktemp("corpus")
    lines = []
    for index in range(GROUPS):
        message = {"type": "track", "event": f"{LONG} {index:05d}", "userId": "u-1", "properties": {}}
        lines.extend([json.dumps(message)] * (1 + (index % 7 == 0)))
    # a few error groups of a planned event seen far more often: they must lead
    bad = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": 5}}
    lines.extend([json.dumps(bad)] * 50)
    path = folder / "events.ndjson"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_validate_markdown_of_3000_groups_stays_under_the_limit(corpus: Path) -> None:
    result = run("validate", str(corpus), "--plan", str(PLAN), "--format", "markdown", "-q")
    assert result.exit_code == 1, result.output
    text = result.stdout
    print(f"validate markdown: {len(text):,} characters for {GROUPS:,}+ groups")
    assert len(text) <= MARKDOWN_LIMIT
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert 20 < len(rows) < GROUPS
    assert "Order Completed" in rows[0]  # the most frequent group first
    left = re.search(r"_([\d,]+) of ([\d,]+) violation groups not shown", text)
    assert left is not None
    assert int(left.group(1).replace(",", "")) + len(rows) == int(left.group(2).replace(",", ""))
    assert f"`cdpctl validate {corpus} --plan {PLAN} --format json` lists all of them" in text


def test_validate_github_annotations_are_capped_with_one_notice(corpus: Path) -> None:
    result = run("validate", str(corpus), "--plan", str(PLAN), "--format", "github", "-q")
    assert result.exit_code == 1, result.output
    counts = annotations(result.stdout)
    assert counts["error"] == ANNOTATION_CAP
    assert counts["warning"] <= ANNOTATION_CAP
    assert counts["notice"] == 1  # no info-level groups: the one notice of what was left out
    first = next(line for line in result.stdout.splitlines() if line.startswith("::error"))
    assert "Order Completed" in first  # errors first, the most frequent first
    notice = next(line for line in result.stdout.splitlines() if line.startswith("::notice"))
    assert "more (" in notice and "--format json" in notice and "step summary" in notice


def test_small_reports_are_whole_and_have_no_notice(tmp_path: Path) -> None:
    bad = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": 5}}
    log = tmp_path / "few.ndjson"
    log.write_text(json.dumps(bad) + "\n")
    github = run("validate", str(log), "--plan", str(PLAN), "--format", "github", "-q").stdout
    assert annotations(github)["notice"] == 0 and annotations(github)["error"] >= 1
    markdown = run("validate", str(log), "--plan", str(PLAN), "--format", "markdown", "-q").stdout
    assert "not shown" not in markdown


def _diff_plans(folder: Path) -> tuple[Path, Path]:
    """OLD has 3,000 events with long names; NEW drops every property of them (3,000 breaking changes)."""
    prefix = "Very Long Event Name For A Product Surface That Keeps Going"
    old = ["plan: Big", "version: 1.0.0", "events:"]
    new = ["plan: Big", "version: 2.0.0", "events:"]
    for index in range(GROUPS):
        name = f"{prefix} {index:05d}"
        old += [f"  {name}:", "    properties:", f"      a_rather_long_property_name_that_explains_itself_{index}: {{type: string}}"]
        new += [f"  {name}: {{}}"]
    (folder / "old.yaml").write_text("\n".join(old) + "\n")
    (folder / "new.yaml").write_text("\n".join(new) + "\n")
    return folder / "old.yaml", folder / "new.yaml"


def test_diff_markdown_and_annotations_of_3000_changes(tmp_path: Path) -> None:
    old, new = _diff_plans(tmp_path)
    markdown = run("diff", str(old), str(new), "--format", "markdown")
    assert markdown.exit_code == 1, markdown.output
    text = markdown.stdout
    print(f"diff markdown: {len(text):,} characters for {GROUPS:,} changes")
    assert len(text) <= MARKDOWN_LIMIT
    assert "**Breaking changes (3000)**" in text
    assert re.search(r"_[\d,]+ of 3,000 changes not shown", text)
    assert f"`cdpctl diff {old} {new} --format json` lists all of them" in text

    github = run("diff", str(old), str(new), "--format", "github")
    counts = annotations(github.stdout)
    assert counts == {"error": ANNOTATION_CAP, "warning": 0, "notice": 1}
    assert "2,990 more (2,990 errors)" in github.stdout


def test_lint_markdown_and_annotations(tmp_path: Path) -> None:
    events = "".join(f"  event_number_{index}:\n    properties:\n      someProp{index}: {{type: string}}\n" for index in range(400))
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"plan: Lint\nversion: 1.0.0\nevents:\n{events}")
    markdown = run("lint", str(plan), "--format", "markdown")
    assert markdown.exit_code in (0, 1), markdown.output
    text = markdown.stdout
    assert text.startswith("### cdpctl lint: ") and "| Severity | Where | Rule | Message |" in text
    assert len(text) <= MARKDOWN_LIMIT
    findings = json.loads(run("lint", str(plan), "--format", "json").stdout)["findings"]
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    severities = [row.split("|")[1].strip() for row in rows]
    rank = {"error": 0, "warning": 1, "info": 2}
    assert severities == sorted(severities, key=rank.__getitem__)  # the most severe first
    if len(rows) < len(findings):
        assert f"of {len(findings):,} findings not shown" in text

    github = run("lint", str(plan), "--format", "github").stdout
    counts = annotations(github)
    assert all(count <= ANNOTATION_CAP for count in counts.values())
    last = github.splitlines()[-1]
    shown = sum(counts.values()) - 1
    assert len(findings) > shown  # more findings than GitHub shows: the last notice says so
    assert last.startswith("::notice ") and f"{len(findings) - shown:,} more" in last
    assert f"`cdpctl lint {plan} --format json` lists all of them" in github


def test_markdown_cells_are_cut_with_an_ellipsis(tmp_path: Path) -> None:
    from cdpctl.reporting import markdown_table

    table = markdown_table(("Path", "Message"), [("`" + "p" * 500 + "`", "m" * 500)])
    row = table.splitlines()[2]
    assert "…`" in row and "m…" in row and len(row) < 500


def test_serve_shutdown_report_caps_annotations_and_names_the_capture(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    import httpx

    capture = tmp_path / "capture.ndjson"
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "cdpctl", "serve", str(PLAN), "--port", "0", "--capture", str(capture)]
    process = subprocess.Popen([*command, "--format", "github", "--no-live"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        url = re.search(r"listening on (http://\S+)", line)
        assert url is not None, line
        batch = [{"type": "track", "event": f"{LONG} {index}", "userId": "u"} for index in range(30)]
        answer = httpx.post(f"{url.group(1)}/v1/batch", json={"batch": batch}, timeout=30)
        assert answer.status_code == 200, answer.text
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    counts = annotations(out)
    assert counts == {"error": ANNOTATION_CAP, "warning": 0, "notice": 1}, out
    assert "20 more (20 errors) not annotated" in out
    assert f"`cdpctl validate {capture} --format json` lists all of them" in out
