"""A text report without a row to show (the valid run CI sees most) is written without rich: the line is
the very one rich writes to a file or pipe, for every verdict, and rich still styles a terminal's."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cdpctl.validation import Report
from cdpctl.validation.render import render_text, rich_text
from cdpctl.validation.verdict import RunFacts, judge

ROOT = Path(__file__).resolve().parents[1]


def reports() -> list[Report]:
    empty = Report()
    valid = Report()
    valid.add_valid("track", "Order Completed", 1_234_567)
    valid.add_valid("page", None, 3)
    refused = Report()
    refused.add_valid("identify", None, 2)
    refused.refused = 7
    partial = Report()
    partial.add_valid("track", "Signed Up", 5)
    partial.partial = True
    return [empty, valid, refused, partial]


FACTS = [
    None,
    RunFacts(),
    RunFacts(allow_empty=True),
    RunFacts(max_invalid_rate=0.05),
    RunFacts(signal="SIGTERM", signal_exit=143),
    RunFacts(warnings=("events.gz is not gzip: read as plain text",)),
]


@pytest.mark.parametrize("facts", FACTS)
@pytest.mark.parametrize("color", [None, False])
def test_the_plain_line_is_the_line_rich_writes(facts: RunFacts | None, color: bool | None, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "PYCHARM_HOSTED", "JUPYTER_COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    for report in reports():
        verdict = judge(report, facts)
        plain, styled = io.StringIO(), io.StringIO()
        render_text(report, plain, color, verdict)
        rich_text(report, styled, color, verdict, ())
        assert plain.getvalue() == styled.getvalue()
        assert "\x1b" not in plain.getvalue()


def test_forced_colour_still_goes_through_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = io.StringIO()
    render_text(reports()[1], out, None, judge(reports()[1], None))
    assert "\x1b[" in out.getvalue()
    out = io.StringIO()
    render_text(reports()[1], out, True, judge(reports()[1], None))
    assert "\x1b[" in out.getvalue()


def test_a_valid_run_prints_its_verdict_without_importing_rich(tmp_path: Path) -> None:
    log = tmp_path / "events.ndjson"
    log.write_text('{"type": "alias", "userId": "u1", "previousId": "a1"}\n')
    probe = (
        "import sys; from cdpctl.cli import main\n"
        "try:\n    main()\nfinally:\n    sys.stderr.write('rich' in sys.modules and 'RICH' or 'NO-RICH')\n"
    )
    env = {key: value for key, value in os.environ.items() if key not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", probe, "validate", str(log), "--plan", str(ROOT / "plans" / "acme-shop.yaml"), "--quiet"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.stdout == "OK  1 events: 1 valid, 0 invalid, 0 malformed, 0 warnings\n", done
    assert done.stderr.endswith("NO-RICH"), done.stderr


def test_a_partial_report_without_run_facts_is_interrupted_never_ok() -> None:
    """A serve session stopped by a second signal renders its report without a validate run's facts: the
    verdict says INTERRUPTED, never OK (it exits 130 or 143)."""
    from cdpctl.validation.report import Report

    report = Report()
    report.partial = True
    assert judge(report, None).word == "INTERRUPTED" and not judge(report, None).ok
    assert judge(Report(), None).word == "OK"


def test_a_line_break_in_a_name_stays_in_its_row() -> None:
    """One line per group: a line break or tab in an event name or a path is shown as ``\\n``, ``\\t``."""
    import io

    from cdpctl.loader import load_plan_text
    from cdpctl.validation import Validator
    from cdpctl.validation.batch import validate_lines
    from cdpctl.validation.render import render_text

    plan = load_plan_text("plan: P\nversion: 1.0.0\nevents: {}\n", "p.yaml")
    line = b'{"type":"track","event":"g\\r\\nh\\ti","userId":"u"}\n'
    report = validate_lines(Validator(plan), [(line, "f", 1)])
    out = io.StringIO()
    render_text(report, out, color=False)
    rows = [row for row in out.getvalue().splitlines() if "unplanned_event" in row]
    assert len(rows) == 1 and "g\\r\\nh\\ti" in rows[0]


def test_markdown_lists_twenty_unread_inputs_then_counts_the_rest() -> None:
    """Hundreds of damaged inputs filled the whole comment with bullets and cut the table off: the first 20
    are listed, then how many more and the command that lists them all."""
    from cdpctl.validation.render import render_markdown
    from cdpctl.validation.report import Report

    notes = [f"not read to the end: cannot read 'f{i:03d}.ndjson.gz': truncated" for i in range(600)]
    text = render_markdown(Report(), "cdpctl validate logs --format json", None, notes)
    assert text.count("- not read to the end") == 20
    assert "- and 580 more not shown: `cdpctl validate logs --format json` lists them" in text
