"""The shared writers keep their format whatever the names in a plan or in event data hold."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.reporting import TestCase, junit_xml
from cdpctl.reporting.formats import printable

HOSTILE = ["Ctl\x01\x07char", "Line\nBreak", "</testcase><x>", 'Quote "q" & <amp>', "RTL \u202eevil", "Esc\x1b[31m"]


def test_junit_xml_with_control_characters_parses_and_keeps_them_visible() -> None:
    cases = [TestCase(name=name, classname=f"cls.{name}", failures=[(name, name * 2)]) for name in HOSTILE]
    root = ET.fromstring(junit_xml("suite\x00name", cases).encode())
    names = [case.get("name") for case in root.iter("testcase")]
    assert names == [name.replace("\x01", "\\x01").replace("\x07", "\\x07").replace("\x1b", "\\x1b").replace("\u202e", "\\u202e") for name in HOSTILE]
    messages = [failure.get("message") for failure in root.iter("failure")]
    assert messages[0] == "Ctl\\x01\\x07char" and messages[1] == "Line\nBreak"
    assert [failure.text for failure in root.iter("failure")][2] == "</testcase><x>" * 2
    assert root.get("name") == "suite\\x00name"


def test_validate_junit_report_of_plan_with_control_characters_is_well_formed(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    events = "".join(f"  {json.dumps(name)}: {{description: d}}\n" for name in HOSTILE)
    plan.write_text(f"plan: Hostile\nversion: 1.0.0\nevents:\n{events}", encoding="utf-8")
    data = tmp_path / "events.ndjson"
    data.write_text(
        "".join(json.dumps({"type": "track", "event": name, "userId": "u"}) + "\n" for name in [*HOSTILE, "\x02x"]),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", "--plan", str(plan), str(data), "-q", "--format", "junit"])
    assert result.exit_code == 1, result.output
    root = ET.fromstring(result.stdout.encode())
    assert "Ctl\\x01\\x07char" in [case.get("name") for case in root.iter("testcase")]
    assert any("\\x02x" in (failure.get("message") or "") + (failure.text or "") for failure in root.iter("failure"))


def test_terminal_escapes_and_bidi_overrides_never_reach_the_reader(tmp_path: Path) -> None:
    data = tmp_path / "events.ndjson"
    names = ["\x1b[31mRed", "RTL \u202eevil", "Bell\x07", "[red]Markup[/red]"]
    data.write_text(
        "".join(json.dumps({"type": "track", "event": name, "userId": "u"}) + "\n" for name in names),
        encoding="utf-8",
    )
    plan = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    for fmt in ("text", "github", "markdown"):
        result = CliRunner().invoke(app, ["validate", "--plan", str(plan), str(data), "-q", "--format", fmt])
        assert result.exit_code == 1, result.output
        assert not any(char in result.stdout for char in ("\x1b", "\u202e", "\x07")), fmt
        markdown = fmt == "markdown"  # where brackets are escaped: they stay text
        assert ("\\x1b\\[31mRed" if markdown else "\\x1b[31mRed") in result.stdout, fmt
        assert "\\u202eevil" in result.stdout, fmt
        assert ("\\[red\\]Markup\\[/red\\]" if markdown else "[red]Markup[/red]") in result.stdout, fmt


def test_markdown_keeps_data_as_text_no_mention_image_html_or_code_break(tmp_path: Path) -> None:
    """A PR comment must not ping people, show images, render HTML or close a code span early, whatever the
    event names and property paths hold."""
    data = tmp_path / "events.ndjson"
    name = "@octocat ![x](https://evil.example/p.png) <img src=x> &lt;b&gt; *bold* ~~s~~ see #12"
    messages = [
        {"type": "track", "event": name, "userId": "u"},
        {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"a`b|c": 1}},
    ]
    data.write_text("".join(json.dumps(m) + "\n" for m in messages), encoding="utf-8")
    plan = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    result = CliRunner().invoke(app, ["validate", "--plan", str(plan), str(data), "-q", "--format", "markdown"])
    out = result.stdout
    assert "@&#8203;octocat" in out and "#&#8203;12" in out  # nobody is notified, no issue is linked
    assert "!\\[x\\](https:&#8203;//evil.example/p.png)" in out  # text, not an image nor a link
    assert "&lt;img src=x&gt;" in out and "&amp;lt;b&amp;gt;" in out and "<img" not in out
    assert "\\*bold\\*" in out and "\\~\\~s\\~\\~" in out
    assert "`` properties.a`b\\|c ``" in out  # the code span holds the backtick; the pipe stays in the cell


def test_scan_and_lint_text_show_names_from_code_and_file_names_escaped(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text('import analytics\nanalytics.track("u", "Order Completed", {"k\\x1b[2J": 1, "a\\rb": 2})\n')
    plan = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    scanned = CliRunner().invoke(app, ["scan", str(tmp_path / "a.py"), "--plan", str(plan)])
    assert "\x1b" not in scanned.stdout and "\r" not in scanned.stdout
    assert "property 'k\\x1b[2J' of Order Completed" in scanned.stdout and "a\\rb" in scanned.stdout
    hostile = tmp_path / "e\x1b[31m.yaml"
    hostile.write_text("plan: P\nversion: 1.0.0\nevents:\n  order completed: {}\n")
    linted = CliRunner().invoke(app, ["lint", str(hostile)])
    assert "\x1b" not in linted.stdout and "e\\x1b[31m.yaml:4:3:" in linted.stdout


def test_a_github_annotation_is_bounded_whatever_the_name(tmp_path: Path) -> None:
    from cdpctl.reporting.formats import ANNOTATION_MESSAGE, ANNOTATION_TITLE

    data = tmp_path / "events.ndjson"
    data.write_text(json.dumps({"type": "track", "event": "E" * 100_000, "userId": "u"}) + "\n", encoding="utf-8")
    plan = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    result = CliRunner().invoke(app, ["validate", "--plan", str(plan), str(data), "-q", "--format", "github"])
    lines = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert lines and all(len(line) < ANNOTATION_MESSAGE + 3 * ANNOTATION_TITLE + 1000 for line in lines)


HOSTILE_PIECES = ["https://evil.example/x", "www.evil.example", "mailto:a@b.c", "@octocat", "#12", "![i](u)",
                  "[l](https://e)", "<b>", "&amp;", "*e*", "`c`", "~~s~~", "_u_", "|", "(www.x.y)", "xmpp:a@b.c"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(max_size=5)), max_size=8).map(" ".join))
def test_what_github_renders_of_escaped_text_is_the_text_itself(text: str) -> None:
    """Rendered by GitHub's own renderer (cmark-gfm), an escaped name is no link (a bare ``https://`` or
    ``www.`` was autolinked), no image, no HTML, no emphasis, and reads as the name, zero-width spaces aside."""
    import html

    import cmarkgfm

    from cdpctl.reporting.formats import markdown_escape

    rendered = cmarkgfm.github_flavored_markdown_to_html("Name: " + markdown_escape(text))  # inside a line, as reports use it
    assert "<a " not in rendered and "<img" not in rendered
    inner = rendered.strip().removeprefix("<p>Name:").removesuffix("</p>")
    assert "<" not in inner, rendered  # no element at all: every tag would be data
    shown = html.unescape(inner).replace("\u200b", "")
    expected = printable(text).replace("\r", " ").replace("\n", " ")
    assert " ".join(shown.split()) == " ".join(expected.split()), (text, rendered)
