"""Bounded per-group state and did-you-mean hints: the group cap on every path, merges included, and
hints found through an index for the groups a report keeps."""

from __future__ import annotations

import difflib
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.validation import Report, Validator, validate_lines
from cdpctl.validation.inputs import Source
from cdpctl.validation.render import render_report
from cdpctl.validation.report import MAX_GROUPS, OTHER_EVENTS
from cdpctl.validation.runner import validate_sources
from cdpctl.validation.suggest import Suggester

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "plans" / "acme-shop.yaml"

GOOD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "properties": {"order_id": "o-1", "total": 10, "currency": "EUR", "products": [{"product_id": "p", "price": 10}]},
}

UNPLANNED = MAX_GROUPS + 2_000


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(str(ACME))


def unplanned_log(path: Path) -> Path:
    lines = []
    for n in range(UNPLANNED):
        lines.append(json.dumps({"type": "track", "event": f"Leaked id {n}", "userId": "u", "properties": {}}))
        if n % 1000 == 0:
            lines.append(json.dumps({**GOOD, "event": "Order Complted"}))
            lines.append(json.dumps(GOOD))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return unplanned_log(tmp_path_factory.mktemp("log") / "names.ndjson")


def check_cap(report: Report) -> None:
    unplanned = [g for g in report.groups.values() if g.code == "unplanned_event"]
    assert len(report.groups) <= MAX_GROUPS + 1 and len(report.volume) <= MAX_GROUPS + 1
    assert sum(g.count for g in unplanned) == UNPLANNED + UNPLANNED // 1000
    (other,) = [g for g in unplanned if g.event == OTHER_EVENTS]
    folded = report.other()
    assert folded["violations"] == other.count >= UNPLANNED - MAX_GROUPS
    assert folded["messages"] == report.volume[("track", OTHER_EVENTS)] >= UNPLANNED - MAX_GROUPS
    assert sum(report.volume.values()) == report.events


def test_the_group_cap_holds_in_one_block_and_across_merged_blocks(plan: Plan, log: Path) -> None:
    validator = Validator(plan)
    one = validate_lines(validator, [(raw, "f", n) for n, raw in enumerate(log.read_bytes().splitlines(True), 1)])
    check_cap(one)
    merged = [validate_sources(validator, [Source(str(log))], jobs=jobs, block_size=32 * 1024) for jobs in (1, 2)]
    for result in merged:
        check_cap(result.report)
    assert merged[0].report.to_json() == merged[1].report.to_json()
    assert merged[0].report.to_json()["summary"] == validator.add_hints(one).to_json()["summary"]


def test_merging_reports_keeps_the_cap() -> None:
    left, right = Report(), Report()
    for number in range(MAX_GROUPS):
        left.record_call("track", f"a{number}", [], "f", number + 1)
        right.record_call("track", f"b{number}", [], "g", number + 1)
    merged = left.merge(right)
    assert len(merged.volume) == MAX_GROUPS + 1
    assert merged.volume[("track", OTHER_EVENTS)] == MAX_GROUPS
    assert merged.events == 2 * MAX_GROUPS


def test_every_format_names_the_other_bucket(plan: Plan, log: Path) -> None:
    report = validate_sources(Validator(plan), [Source(str(log))]).report
    assert report.to_json()["other"]["violations"] >= UNPLANNED - MAX_GROUPS
    for fmt in ("text", "markdown", "github", "json", "junit", "sarif"):
        out = io.StringIO()
        render_report(report, fmt, out, plan, color=False)
        assert OTHER_EVENTS in out.getvalue(), fmt
        if fmt in ("text", "markdown", "github"):
            assert "counted under '(other events)'" in out.getvalue(), fmt


def test_hints_are_given_to_the_groups_a_report_keeps(plan: Plan, log: Path) -> None:
    report = validate_sources(Validator(plan), [Source(str(log))]).report
    groups = {(g.event, g.code): g for g in report.groups.values()}
    typo = groups[("Order Complted", "unplanned_event")]
    assert typo.message == "track 'Order Complted' is not in the tracking plan (did you mean 'Order Completed'?)"
    assert groups[("Leaked id 7", "unplanned_event")].message == "track 'Leaked id 7' is not in the tracking plan"
    assert "did you mean" not in groups[(OTHER_EVENTS, "unplanned_event")].message
    validator = Validator(plan)
    again = validator.add_hints(validator.add_hints(validate_lines(validator, [(json.dumps({**GOOD, "event": "order completed"}).encode(), "f", 1)])))
    (group,) = again.groups.values()
    assert group.message.endswith("(did you mean 'Order Completed'?)") and group.message.count("did you mean") == 1


def mutate(name: str, rng: random.Random) -> str:
    chars = list(name)
    spot = rng.randrange(len(chars))
    action = rng.randrange(3)
    if action == 0:
        del chars[spot]
    elif action == 1:
        chars.insert(spot, rng.choice("abcdefghijklmnopqrstuvwxyz "))
    else:
        chars[spot] = rng.choice("abcdefghijklmnopqrstuvwxyz")
    return "".join(chars)


def test_the_index_finds_what_difflib_finds_against_a_big_plan() -> None:
    rng = random.Random(7)
    objects = ["Product", "Order", "Cart", "Checkout", "Coupon", "Wishlist", "Video", "Account", "Invoice", "Trial"]
    actions = ["Viewed", "Added", "Removed", "Completed", "Started", "Shared", "Updated", "Deleted", "Clicked", "Failed"]
    names = [f"{obj} {area} {act}" for obj in objects for act in actions for area in [f"Area {n}" for n in range(20)]]
    suggester = Suggester(names)
    agree = 0
    for name in rng.sample(names, 300):
        word = mutate(name, rng)
        expected = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
        found = suggester.suggest(word)
        assert found is not None and difflib.SequenceMatcher(None, word, found).ratio() >= 0.6
        agree += [found] == expected
    assert agree >= 285  # ties between equally close names may pick another of them
    assert suggester.suggest("ORDER AREA 3 VIEWED") == "Order Area 3 Viewed"
    assert suggester.suggest("zzzz qqqq") is None
    assert Suggester(["Signed Up"]).hint("Signed Upp") == " (did you mean 'Signed Up'?)"
