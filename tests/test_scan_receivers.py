"""``cdpctl scan``: a receiver is recognised by its name or by what the file binds it to (an import of an SDK's
module, a client made from one); a ``.track(...)`` on anything else is still no call."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.scan import scan_paths

JAVASCRIPT = """\
import { AnalyticsBrowser } from '@segment/analytics-next';
import * as ra from 'rudder-sdk-js';
import { RudderAnalytics } from '@rudderstack/analytics-js';
import { PostHog } from 'posthog-node';
const Mixpanel = require('mixpanel');
const { Analytics: Node } = require('@segment/analytics-node');
const ajs = AnalyticsBrowser.load({ writeKey: 'k' });
const rs = new RudderAnalytics();
const mx = Mixpanel.init('t');
const [inst] = await AnalyticsBrowser.load({ writeKey: 'k' });
class Svc { client = new Node({ writeKey: 'k' }); go() { this.client.track({ userId: 'u', event: 'Node Event' }); } }
const ph = new PostHog('key');
ajs.track('Browser Event', { a: 1 });
ra.page('Rudder Page');
rs.track('Rudder Event', {});
mx.track('Mixpanel Event', {});
inst.track('Inst Event');
ph.capture({ distinctId: 'u', event: 'PostHog Event', properties: { p: 1 } });
other.track('Not A Call', {});
const notSdk = load({});
notSdk.track('Not A Call Either');
import { track } from './my-metrics';
const mine = new Metrics();
mine.track('Not One Either');
"""

PYTHON = """\
import segment.analytics as seg
from segment import analytics as sa
from segment.analytics import Client
import rudderstack.analytics as ra
from posthog import Posthog
import mixpanel
import my_metrics as metrics

seg.track("u", "Seg Event", {"a": 1})
sa.identify("u", {"email": "e"})
ra.track("u", "Rudder Event", {})
client = Client("key")
client.track("u", "Client Event", {})
class Service:
    def __init__(self):
        self.sink = Posthog("key")
    def go(self):
        self.sink.capture("u", "PostHog Event", {})
mx = mixpanel.Mixpanel("token")
mx.track("u", "Mixpanel Event", {})
metrics.track("u", "Not A Call", {})
"""


def _calls(path: Path) -> list[tuple[str, str, str | None]]:
    return [(call.sdk, call.call_type, call.event) for call in scan_paths([str(path)]).calls]


def test_javascript_receivers_bound_by_imports_and_clients(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text(JAVASCRIPT)
    assert _calls(tmp_path / "a.ts") == [
        ("segment", "track", "Node Event"),
        ("segment", "track", "Browser Event"),
        ("rudderstack", "page", "Rudder Page"),
        ("rudderstack", "track", "Rudder Event"),
        ("mixpanel", "track", "Mixpanel Event"),
        ("segment", "track", "Inst Event"),
        ("posthog", "track", "PostHog Event"),  # posthog-node's object form
    ]


def test_python_receivers_bound_by_imports_and_clients(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(PYTHON)
    assert _calls(tmp_path / "a.py") == [
        ("segment", "track", "Seg Event"),
        ("segment", "identify", None),
        ("rudderstack", "track", "Rudder Event"),
        ("segment", "track", "Client Event"),
        ("posthog", "track", "PostHog Event"),
        ("mixpanel", "track", "Mixpanel Event"),
    ]


def test_an_unplanned_event_on_an_aliased_receiver_fails_the_scan(tmp_path: Path) -> None:
    """It passed with exit 0: the call was not seen at all."""
    (tmp_path / "plan.yaml").write_text("plan: P\nversion: 1.0.0\nevents:\n  Order Completed: {}\n")
    (tmp_path / "a.py").write_text('import segment.analytics as seg\nseg.track("u", "Not In Plan", {})\n')
    done = CliRunner().invoke(app, ["scan", str(tmp_path / "a.py"), "--plan", str(tmp_path / "plan.yaml")])
    assert done.exit_code == 1 and "Not In Plan is not in the tracking plan [unplanned_event]" in done.output, done.output


def test_deep_patterns_and_chains_never_give_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("const " + "{a: " * 3000 + "ph" + "}" * 3000 + " = require('posthog-node');\nph.capture('E', {});\n")
    (tmp_path / "b.py").write_text("class E(" + "a." * 900 + "Enum):\n    X = 'x'\n")
    done = CliRunner().invoke(app, ["scan", str(tmp_path), "--format", "json"])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    assert done.exit_code == 1 and '"nested too deeply to scan"' in done.stdout
    assert '"event": "E"' in done.stdout  # the pattern's name is bound: ph is a PostHog receiver
