"""``cdpctl infer --update`` keeps the comments people wrote (``# cdpctl: disable=...`` directives among
them, so a plan that passed ``cdpctl lint`` still does), and what it adds that lint refuses is marked as
without ``--update``, while errors on the lines people wrote stay theirs to see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cdpctl.commands._infer_run import added_lines
from cdpctl.interop.yamlcomments import file_comments
from cdpctl.interop.yamlwrite import dump_plan

ROOT = Path(__file__).resolve().parents[1]

PLAN = """\
# Our music app's plan.
# Owned by the data team.
plan: Music
version: 1.0.0

events:
  # Sent when playback starts
  Song Played:
    description: A song played
    properties:
      song_id: {type: string}  # the catalog id
  old_event:  # cdpctl: disable=event-name-casing
    description: "legacy # not a comment"
    properties:
      notes:
        type: string
        description: |
          # not a comment either
          text
# the end
"""

LOG = [
    {"type": "track", "event": "Song Played", "userId": "u", "properties": {"song_id": "s1", "position": 3}},
    {"type": "track", "event": "Song Liked", "userId": "u", "properties": {"id": "x"}},
]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _update(tmp_path: Path, plan_text: str) -> tuple[subprocess.CompletedProcess[str], str]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(plan_text)
    logs = tmp_path / "logs.ndjson"
    logs.write_text("".join(json.dumps(message) + "\n" for message in LOG))
    done = _cli("infer", str(logs), "--update", str(plan))
    return done, plan.read_text()


def test_comments_are_kept_above_their_keys_and_lint_still_passes(tmp_path: Path) -> None:
    (tmp_path / "before.yaml").write_text(PLAN)
    assert _cli("lint", str(tmp_path / "before.yaml")).returncode == 0
    done, text = _update(tmp_path, PLAN)
    assert done.returncode == 0, done.stderr
    lines = text.splitlines()
    assert lines[:2] == ["# Our music app's plan.", "# Owned by the data team."]
    above = {line.strip(): lines[number + 1].strip() for number, line in enumerate(lines[:-1]) if line.strip().startswith("#")}
    assert above["# Sent when playback starts"] == "Song Played:"
    assert above["# the catalog id"].startswith("song_id:")
    assert above["# cdpctl: disable=event-name-casing"] == "old_event:"
    assert "# the end" in lines
    # text that only looks like a comment stays what it was, and is not copied out as one
    merged = yaml.safe_load(text)
    old = merged["events"]["old_event"]
    assert old["description"] == "legacy # not a comment"
    assert old["properties"]["notes"]["description"] == "# not a comment either\ntext\n"
    assert "# not a comment" not in [line.strip() for line in lines]
    assert "position" in merged["events"]["Song Played"]["properties"] and "Song Liked" in merged["events"]
    lint = _cli("lint", str(tmp_path / "plan.yaml"))
    assert lint.returncode == 0, lint.stdout


def test_what_it_adds_is_marked_and_what_people_wrote_is_not(tmp_path: Path) -> None:
    """The traffic's reserved ``id`` is marked where it is added; the plan's own reserved name is not silenced."""
    plan = "plan: Music\nversion: 1.0.0\nevents:\n  Song Played:\n    description: x\n    properties:\n      song_id: {type: string}\n"
    plan += "  Song Skipped:\n    description: y\n    properties:\n      event: {type: string}\n"
    done, text = _update(tmp_path, plan)
    assert done.returncode == 0, done.stderr
    lines = text.splitlines()
    marked = [number for number, line in enumerate(lines) if "cdpctl: disable=reserved-property" in line]
    assert [lines[number + 1].strip() for number in marked] == ["id: {type: string, required: true}"]
    assert "kept as seen" in done.stderr and "'id' in event 'Song Liked'" in done.stderr
    assert "Song Skipped" not in done.stderr  # the plan's own problem is not the traffic's
    lint = _cli("lint", str(tmp_path / "plan.yaml"), "--format", "json")
    findings = json.loads(lint.stdout)["findings"]
    assert lint.returncode == 1 and [f["rule"] for f in findings if f["severity"] == "error"] == ["reserved-property"]
    assert all("Song Skipped" in f["message"] for f in findings if f["severity"] == "error")


def test_a_directive_inside_an_anchor_covers_every_copy_of_an_alias(tmp_path: Path) -> None:
    """``properties: *ad`` is written out as a copy: the directive the anchor's key carried goes with each."""
    plan = (
        "plan: Video\nversion: 1.0.0\nevents:\n  Ad Started:\n    description: x\n    properties: &ad\n"
        "      event: {type: string}  # cdpctl: disable=reserved-property\n"
        "  Ad Ended:\n    description: y\n    properties: *ad\n"
    )
    (tmp_path / "before.yaml").write_text(plan)
    assert _cli("lint", str(tmp_path / "before.yaml")).returncode == 0
    done, text = _update(tmp_path, plan)
    assert done.returncode == 0, done.stderr
    assert text.count("# cdpctl: disable=reserved-property") >= 2
    lint = _cli("lint", str(tmp_path / "plan.yaml"))
    assert lint.returncode == 0 and "'event' in event" not in lint.stdout, lint.stdout


def test_a_section_the_plan_lacked_is_marked_added_whole() -> None:
    from cdpctl.infer_update import merge_into

    plan = {"plan": "P", "version": "1.0.0", "events": {}}
    merged, comments, added, _elsewhere = merge_into(plan, {"identify": {"traits": {"email": {"type": "string"}}}})
    text = dump_plan(merged, comments)
    assert added == ["identify"] and "# added by cdpctl infer\nidentify:" in text
    lines = text.split("\n")
    assert {number for number, line in enumerate(lines, 1) if "identify" in line or "email" in line} <= added_lines(text)


def test_added_lines_are_the_marked_keys_and_their_blocks() -> None:
    text = "events:\n  A:\n    x: 1\n  # added by cdpctl infer\n  B:\n    properties:\n      p: {}\n  C: {}\n"
    assert added_lines(text) == {5, 6, 7}


def test_a_key_an_alias_repeats_has_its_comments_at_each_path() -> None:
    found = file_comments("a: &x\n  k: 1  # c\nb: *x\n")
    assert found.by_key == {("a", "k"): ["c"], ("b", "k"): ["c"]}


def test_comments_of_lists_and_flow_collections_go_with_a_key() -> None:
    text = "a:\n  - 1  # one\n  # among the items\n  - 2\nb: {c: 1,\n  d: 2}  # on d\n"
    found = file_comments(text)
    assert found.by_key == {("a",): ["one"], ("b",): ["among the items"], ("b", "d"): ["on d"]}
    assert not found.header and not found.trailer


def test_a_byte_order_mark_and_crlf_lines_lose_no_comment() -> None:
    found = file_comments("\ufeff# head\r\nplan: x  # the name\r\n# last\r\n")
    assert found.by_key == {("plan",): ["head", "the name"]} and found.trailer == ["last"]


NAMES = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=12)
COMMENTS = st.lists(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20), max_size=2)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(NAMES, st.dictionaries(NAMES, st.one_of(st.integers(), NAMES), max_size=3), min_size=1, max_size=4),
    st.data(),
)
def test_comments_written_by_dump_plan_are_found_at_their_keys(document: dict[str, dict[str, object]], data: st.DataObject) -> None:
    """What the plan writer puts above a key, :func:`file_comments` gives back for that key (hostile names,
    ``#`` inside values and comments included)."""
    paths = [(key,) for key in document] + [(key, inner) for key, value in document.items() for inner in value]
    comments = {path: data.draw(COMMENTS) for path in paths}
    comments = {path: notes for path, notes in comments.items() if notes}
    text = dump_plan(document, comments)
    assert yaml.safe_load(text) == document
    assert file_comments(text).by_key == comments
