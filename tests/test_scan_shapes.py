"""``cdpctl scan``: which arguments of a Segment or RudderStack JavaScript call are the name, the properties
and the traits: the Node SDKs' message object against analytics.js's positional forms."""

from __future__ import annotations

from pathlib import Path

from cdpctl.loader import load_plan
from cdpctl.scan import scan_paths
from cdpctl.scan.check import check_calls

PLAN = """\
plan: Shapes
version: 1.0.0
events: {}
pages:
  Pricing:
    properties:
      plan: {type: string}
identify:
  traits:
    email: {type: string, required: true}
group:
  traits:
    industry: {type: string}
"""


def _calls(tmp_path: Path, source: str) -> list[tuple[str, str | None, list[str]]]:
    (tmp_path / "a.js").write_text(source)
    calls = scan_paths([str(tmp_path / "a.js")]).calls
    return [(c.call_type, c.event if not c.dynamic else f"<dynamic {c.expression}>", [p.name for p in c.properties if not p.by_sdk])
            for c in calls]


IDENTIFY = """\
analytics.identify({email: 'a@b.co'});
analytics.identify({userId: 'u', traits: {email: 'a@b.co'}});
analytics.identify({anonymousId: 'a', traits: {email: 'a@b.co'}});
analytics.identify('u', {email: 'a@b.co'});
rudderanalytics.identify({email: 'a@b.co'});
analytics.group({industry: 'retail'});
analytics.group({userId: 'u', groupId: 'g', traits: {industry: 'retail'}});
analytics.group('g', {industry: 'retail'});
"""


def test_an_object_alone_is_the_node_message_only_with_its_keys(tmp_path: Path) -> None:
    """Browser ``identify({email})`` was read as the Node form ``{userId, traits}``: its traits were lost (and
    a required trait reported missing)."""
    assert _calls(tmp_path, IDENTIFY) == [
        ("identify", None, ["email"]),
        ("identify", None, ["email"]),
        ("identify", None, ["email"]),
        ("identify", None, ["email"]),
        ("identify", None, ["email"]),
        ("group", None, ["industry"]),
        ("group", None, ["industry"]),
        ("group", None, ["industry"]),
    ]
    calls = scan_paths([str(tmp_path / "a.js")]).calls
    (tmp_path / "plan.yaml").write_text(PLAN)
    assert [f.code for f in check_calls(calls, [], load_plan(str(tmp_path / "plan.yaml")))] == ["no_call_site"]  # Pricing


PAGES = """\
const PAGE_NAME = 'Pricing';
function f(pageName, props) {
  analytics.page('Docs', pageName);
  analytics.page('Docs', PAGE_NAME);
  analytics.page('Docs', 'Pricing', {plan: 'pro'});
  analytics.page('Pricing', {plan: 'pro'});
  const local = {plan: 'pro'};
  analytics.page('Pricing', local);
  analytics.page(PAGE_NAME);
  analytics.page({plan: 'pro'});
  analytics.page();
  rudderanalytics.page('Docs', pageName);
  rudderanalytics.page('Pricing', {plan: 'pro'});
}
"""


def test_a_page_name_the_scan_cannot_know_is_dynamic(tmp_path: Path) -> None:
    """``page('Docs', PAGE_NAME)`` was the page 'Docs' with PAGE_NAME for properties; analytics.js reads two
    strings as the category and the name, so with a variable the name is not known."""
    assert _calls(tmp_path, PAGES) == [
        ("page", "<dynamic pageName>", []),
        ("page", "Pricing", []),  # a constant: two strings, the category and the name
        ("page", "Pricing", ["plan"]),
        ("page", "Pricing", ["plan"]),
        ("page", "Pricing", ["plan"]),
        ("page", "Pricing", []),
        ("page", None, ["plan"]),
        ("page", None, []),
        ("page", "<dynamic pageName>", []),
        ("page", "Pricing", ["plan"]),
    ]
    calls = scan_paths([str(tmp_path / "a.js")]).calls
    (tmp_path / "plan.yaml").write_text(PLAN)
    codes = [(f.line, f.code) for f in check_calls(calls, [], load_plan(str(tmp_path / "plan.yaml"))) if f.line]
    assert codes == [(3, "dynamic_event_name"), (12, "dynamic_event_name")]  # never "page 'Docs' is not in the plan"
