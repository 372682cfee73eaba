"""``cdpctl scan``: tracking calls found in Python and JavaScript/TypeScript, exactly, per SDK and call shape;
files that fail to parse are named and never stop the scan; ``--plan`` findings asserted exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cdpctl.loader import load_plan
from cdpctl.scan import scan_paths
from cdpctl.scan.check import check_calls
from cdpctl.scan.model import parse_wrapper

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"

PYTHON = '''\
import segment.analytics as analytics
import rudderstack.analytics as rudder_analytics
from mixpanel import Mixpanel
from snowplow_tracker import SelfDescribingJson
from amplitude import BaseEvent

ORDER = "Order Completed"


class Events:
    SIGNUP = "Signed Up"


def checkout(user, total: float, **extra):
    props = {"order_id": "o-1", "total": total}
    analytics.track(user, ORDER, {**props, "currency": "USD", "coupon": None})
    analytics.track(user_id=user, event=Events.SIGNUP, properties=dict(plan="pro", seats=3))
    rudder_analytics.identify(user, {"email": "a@b.c"})
    analytics.page(user, "Docs", "Pricing", {"path": "/pricing"})
    analytics.track(user, "Viewed " + user, {})
    mp.track(user, "Order Completed", {"order_id": 7})
    posthog.capture(user, "Button Clicked", {"id": 1})
    posthog.capture("Button Clicked", distinct_id=user, properties={"id": 2})
    client.track(BaseEvent(event_type="Song Played", user_id=user, event_properties={"song": "x", "seconds": -3}))
    tracker.track_self_describing_event(SelfDescribingJson("iglu:com.acme/video_played/jsonschema/1-0-0", {"id": "v"}))
    analytics.track(user, ORDER, {**extra, "currency": "GBP"})
    my_track(ORDER, {"total": 5})
'''

TSX = '''\
import { analytics } from "./segment";
const EVENTS = { ORDER: "Order Completed" } as const;
export const SIGNUP = "Signed Up";

export function Checkout({ total }: { total: number }) {
  const base = { order_id: "o1", total: 5 };
  analytics.track(EVENTS.ORDER, { ...base, currency: "JPY", coupon: null });
  analytics.track(SIGNUP, { plan: "pro" });
  analytics.track(`Screen Viewed ${name}`, {});
  window.rudderanalytics.page("Docs", "Pricing", { path: "/p" });
  amplitude.track("Song Played", { song: "x" });
  utils.myTrack("Order Completed", { total: 5 });
  return <button onClick={() => posthog.capture("Button Clicked", { id: 1 })}>Buy</button>;
}
'''

NODE = '''\
const Analytics = require("@segment/analytics-node");
const analytics = new Analytics({ writeKey: "k" });
analytics.track({ userId: "u", event: "Order Completed", properties: { order_id: "o", total: 1, currency: "EUR", products: [] } });
analytics.identify({ userId: "u", traits: { email: "a@b.c" } });
snowplow("trackSelfDescribingEvent", { event: { schema: "iglu:com.acme/video_played/jsonschema/1-0-0", data: { id: "v" } } });
'''


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "server.py").write_text(PYTHON)
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "app.tsx").write_text(TSX)
    (tmp_path / "web" / "node.js").write_text(NODE)
    (tmp_path / "web" / "broken.ts").write_text("function (\n")
    (tmp_path / "broken.py").write_text("def broken(:\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "lib.js").write_text('analytics.track("Vendored", {});\n')
    return tmp_path


def _shape(call: object) -> tuple[object, ...]:
    c = call.to_json()  # type: ignore[attr-defined]
    return (Path(c["file"]).name, c["line"], c["sdk"], c["type"], c["event"] if not c["dynamic"] else "<dynamic>",
            [(p["name"], p["type"]) for p in c["properties"]], c["properties_complete"])


def test_python_calls_exactly(tree: Path) -> None:
    result = scan_paths([str(tree / "server.py")], [parse_wrapper("my_track(event, props)")])
    assert [_shape(c) for c in result.calls] == [
        ("server.py", 16, "segment", "track", "Order Completed", [("order_id", "string"), ("total", "number"), ("currency", "string"), ("coupon", "null")], True),
        ("server.py", 17, "segment", "track", "Signed Up", [("plan", "string"), ("seats", "integer")], True),
        ("server.py", 18, "rudderstack", "identify", None, [("email", "string")], True),
        ("server.py", 19, "segment", "page", "Pricing", [("path", "string")], True),
        ("server.py", 20, "segment", "track", "<dynamic>", [], True),
        ("server.py", 21, "mixpanel", "track", "Order Completed", [("order_id", "integer")], True),
        ("server.py", 22, "posthog", "track", "Button Clicked", [("id", "integer")], True),
        ("server.py", 23, "posthog", "track", "Button Clicked", [("id", "integer")], True),
        ("server.py", 24, "amplitude", "track", "Song Played", [("song", "string"), ("seconds", "integer")], True),
        ("server.py", 25, "snowplow", "track", "video_played", [("id", "string")], True),
        ("server.py", 26, "segment", "track", "Order Completed", [("currency", "string")], False),
        ("server.py", 27, "wrapper", "track", "Order Completed", [("total", "integer")], True),
    ]
    assert result.calls[8].properties[1].value == -3


def test_javascript_and_typescript_calls_exactly(tree: Path) -> None:
    result = scan_paths([str(tree / "web")], [parse_wrapper("myTrack(event, props)")])
    shapes = [_shape(c) for c in result.calls]
    assert shapes == [
        ("app.tsx", 7, "segment", "track", "Order Completed", [("order_id", "string"), ("total", "integer"), ("currency", "string"), ("coupon", "null")], True),
        ("app.tsx", 8, "segment", "track", "Signed Up", [("plan", "string")], True),
        ("app.tsx", 9, "segment", "track", "<dynamic>", [], True),
        ("app.tsx", 10, "rudderstack", "page", "Pricing", [("path", "string")], True),
        ("app.tsx", 11, "amplitude", "track", "Song Played", [("song", "string")], True),
        ("app.tsx", 12, "wrapper", "track", "Order Completed", [("total", "integer")], True),
        ("app.tsx", 13, "posthog", "track", "Button Clicked", [("id", "integer")], True),
        ("node.js", 3, "segment", "track", "Order Completed", [("order_id", "string"), ("total", "integer"), ("currency", "string"), ("products", "array")], True),
        ("node.js", 4, "segment", "identify", None, [("email", "string")], True),
        ("node.js", 5, "snowplow", "track", "video_played", [("id", "string")], True),
    ]
    assert [(Path(f.file).name, f.line) for f in result.failures] == [("broken.ts", 1)]


def test_vendored_folders_are_skipped_and_broken_files_do_not_stop_the_scan(tree: Path) -> None:
    result = scan_paths([str(tree)])
    assert not any("node_modules" in c.file for c in result.calls)
    assert sorted(Path(f.file).name for f in result.failures) == ["broken.py", "broken.ts"]
    assert result.files == 5


def test_plan_findings_exactly(tree: Path) -> None:
    plan = load_plan(PLAN)
    result = scan_paths([str(tree / "web" / "app.tsx"), str(tree / "web" / "node.js")], [], plan)
    findings = [(Path(f.file).name if f.file else None, f.line, f.code) for f in check_calls(result.calls, result.failures, plan)]
    assert findings == [
        ("app.tsx", 7, "required_missing"),
        ("app.tsx", 7, "value_not_allowed"),
        ("app.tsx", 8, "unplanned_event"),
        ("app.tsx", 9, "dynamic_event_name"),
        ("app.tsx", 11, "unplanned_event"),
        ("app.tsx", 13, "unplanned_event"),
        ("node.js", 5, "unplanned_event"),
        (None, None, "no_call_site"),  # Chatbot Created, Legacy Thing Happened, group, screen Home
        (None, None, "no_call_site"),
        (None, None, "no_call_site"),
        (None, None, "no_call_site"),
    ]


BROWSER_PAGES = """\
analytics.page('Pricing')
analytics.page('Docs', 'Pricing', { path: '/p' })
analytics.page()
analytics.page({ userId: 'u', category: 'Docs', name: 'Pricing', properties: { path: '/p' } })
rudderanalytics.page('Pricing')
"""


def test_page_properties_analytics_js_adds_count_as_sent(tmp_path: Path) -> None:
    """analytics.js adds path, referrer, search, title and url (and name, category) to every page call: a
    page call that sends no path in code still sends one, so the plan's required path is no finding; they are
    never unplanned (that is traffic's business, at validate); the Node SDK's object form adds only category."""
    (tmp_path / "web.js").write_text(BROWSER_PAGES)
    result = scan_paths([str(tmp_path / "web.js")])
    added = [[p.name for p in c.properties if p.by_sdk] for c in result.calls]
    assert added == [
        ["path", "referrer", "search", "title", "url", "name"],
        ["referrer", "search", "title", "url", "name", "category"],  # path is the code's own
        ["path", "referrer", "search", "title", "url"],
        ["category"],
        [],  # RudderStack's browser SDK is not modelled: only what the code sends
    ]
    assert result.calls[1].properties[0].to_json() == {"name": "path", "type": "string", "value": "/p"}
    assert result.calls[0].to_json()["properties"][0] == {"name": "path", "type": "string", "by_sdk": True}
    findings = [(f.line, f.code) for f in check_calls(result.calls, [], load_plan(PLAN)) if f.code != "no_call_site"]
    assert findings == [(5, "required_missing")]  # acme-shop requires path; no unplanned_property for the SDK's
    done = _cli("web.js", cwd=tmp_path)
    assert "segment page 'Pricing' {} + path, referrer, search, title, url, name (added by the SDK)" in done.stdout


def test_generated_client_calls_are_recognised_with_the_plan(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "def f(tracker):\n    tracker.order_completed(order_id='o', total=1.0, currency='XXX', products=[])\n    tracker.chatbot_created(chatbot_id=3)\n"
    )
    plan = load_plan(PLAN)
    result = scan_paths([str(tmp_path)], [], plan)
    assert [(c.sdk, c.event) for c in result.calls] == [("cdpctl", "Order Completed"), ("cdpctl", "Chatbot Created")]
    codes = [(f.line, f.code) for f in check_calls(result.calls, [], plan) if f.line]
    assert codes == [(2, "value_not_allowed"), (3, "type_mismatch")]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", "scan", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_cli_exit_codes_formats_and_skeleton(tree: Path) -> None:
    clean = tree / "clean"
    clean.mkdir()
    (clean / "a.py").write_text('analytics.track("u", "Order Completed", {"order_id": "o"})\n')
    assert _cli(str(clean), cwd=tree).returncode == 0
    found = _cli(str(tree), "--format", "json", cwd=tree)
    assert found.returncode == 1  # two files fail to parse
    report = json.loads(found.stdout)
    assert report["summary"]["parse_errors"] == 2 and "Traceback" not in found.stderr
    github = _cli(str(tree / "web"), "--plan", str(PLAN), "--format", "github", cwd=tree)
    assert github.stdout.count("::error") <= 10 and "::error file=" in github.stdout
    skeleton = _cli(str(tree / "web" / "node.js"), "--format", "yaml", cwd=tree)
    plan_file = tree / "skeleton.yaml"
    plan_file.write_text(skeleton.stdout)
    plan = load_plan(plan_file)
    assert set(plan.events) == {"Order Completed", "video_played"}
    bad = _cli(str(tree), "--call", "nonsense", cwd=tree)
    assert bad.returncode == 2 and "cdpctl: error:" in bad.stderr
    missing = _cli(str(tree / "nope"), cwd=tree)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_deeply_nested_python_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "deep.py").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = scan_paths([str(tmp_path)])
    assert len(result.failures) == 1 and result.calls == []


def test_the_skeleton_lints_without_error_and_the_plan_comes_only_from_the_option(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        'analytics.track("u", "Order Completed", {"total": 5, "id": "o1", "size": 2})\n'
        'analytics.track("u", "Order Refunded", {"total": 5.5, "size": "XL"})\n'
    )
    (tmp_path / "cdpctl.yaml").write_text(f"plan: {PLAN}\n")
    done = _cli(".", "--format", "yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the configured plan is not used: no finding
    props = yaml.safe_load(done.stdout)["events"]
    assert props["Order Completed"]["properties"]["total"] == {"type": "number"}  # whole here, fractional there
    assert "# cdpctl: disable=property-type-conflict" in done.stdout  # size: integer and string, kept as seen
    (tmp_path / "skeleton.yaml").write_text(done.stdout)
    lint = subprocess.run([sys.executable, "-m", "cdpctl", "lint", "skeleton.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert lint.returncode == 0, lint.stdout
    assert "tool.cdpctl" not in _cli("--help", cwd=tmp_path).stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_among_the_sources_is_named_never_read(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "ok.js").write_text('analytics.track("Order Completed", {order_id: "1"});\n')
    os.mkfifo(tmp_path / "src" / "pipe.js")  # read, it would wait for ever
    (tmp_path / "src" / "zero.js").symlink_to("/dev/zero")  # read, it would fill the memory
    done = _cli("src", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    failures = {f["file"]: f["message"] for f in report["findings"] if f["code"] == "parse_error"}
    assert failures == {
        str(Path("src") / "pipe.js"): "cannot read: not a regular file (a FIFO)",
        str(Path("src") / "zero.js"): "cannot read: not a regular file (a device)",
    }
    assert [call["event"] for call in report["calls"]] == ["Order Completed"]  # the good file is still scanned
    named = _cli(str(Path("src") / "pipe.js"), str(Path("src") / "ok.js"), cwd=tmp_path)  # one file's error, not the run's
    assert named.returncode == 1 and "pipe.js:1:1: error: cannot read: not a regular file (a FIFO) [parse_error]" in named.stdout
    assert "segment track 'Order Completed'" in named.stdout, named.stdout


def test_a_source_over_the_size_limit_named_on_the_command_line_fails_and_one_in_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    call = 'analytics.track("Order Completed", {' + ",".join(f"p{i}: {i}" for i in range(200_000)) + "});\n"
    (tmp_path / "src" / "bundle.js").write_text(call)
    named = _cli(str(Path("src") / "bundle.js"), cwd=tmp_path)
    assert named.returncode == 1, named.stdout  # asked for and not scanned: never an OK
    assert "not scanned: larger than 2 MB" in named.stdout
    (tmp_path / "src" / "app.js").write_text('analytics.track("Order Completed", {});\n')
    walked = _cli("src", cwd=tmp_path)
    assert walked.returncode == 0, walked.stdout  # a bundle in a folder: skipped and named, as documented
    assert "skipped: " in walked.stdout and "larger than 2 MB" in walked.stdout


def test_the_skeleton_leaves_out_a_blank_name_and_loads(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('analytics.track("  ", {a: 1});\nanalytics.track("Good Thing", {a: 1});\n')
    done = _cli("a.js", "--format", "yaml", "-o", "skeleton.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # it was exit 2: the skeleton held a blank event name
    assert sorted(load_plan(str(tmp_path / "skeleton.yaml")).events) == ["Good Thing"]


JS_ESCAPES = (
    'analytics.track("Party \\ud83c\\udf89 Started", {});\n'  # an emoji as a transpiler writes it
    'analytics.track("A\\bB\\fC\\vD", {});\n'
    'analytics.track("Order \\\nDone", {});\n'  # a line continuation: no character
    'analytics.track("lone \\ud800", {"k\\ud800": "\\udc00"});\n'
)


def test_javascript_escapes_read_as_the_sdk_sends_them(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text(JS_ESCAPES)
    (tmp_path / "a.py").write_text('analytics.track("u", "Party \\ud83c\\udf89", {"k\\ud800": 1})\n')
    result = scan_paths([str(tmp_path)])
    events = sorted(call.event or "" for call in result.calls)
    assert events == ["A\bB\fC\vD", "Order Done", "Party 🎉", "Party 🎉 Started", "lone \\ud800"]
    lone = next(call for call in result.calls if call.event == "lone \\ud800")
    assert [(p.name, p.value) for p in lone.properties] == [("k\\ud800", "\\udc00")]


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "markdown", "yaml"])
def test_surrogate_escapes_in_source_never_give_a_traceback(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "app.js").write_text(JS_ESCAPES)
    done = _cli(str(tmp_path / "app.js"), "--format", fmt, cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    if fmt == "yaml":
        (tmp_path / "skeleton.yaml").write_text(done.stdout)
        assert "Party 🎉 Started" in load_plan(str(tmp_path / "skeleton.yaml")).events
