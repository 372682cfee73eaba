"""Round trips: events sent through the generated client, captured, and validated against the plan.

The captured messages are checked three ways: with ``cdpctl validate`` (the command and its engine),
with the compiled JSON Schemas through the jsonschema library, and with the generated client's own
``Tracker.check``.  The real segment-analytics-python SDK is used as the wrapped client, both with
``send=False`` and posting to a loopback HTTP server standing in for the Segment API.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from test_generate_support import REPO, FakeClient, load_module, to_segment_message
from typer.testing import CliRunner

from cdpctl.codegen import generate_python
from cdpctl.compiler import compile_plan
from cdpctl.formats import format_checker
from cdpctl.loader import load_plan

ACME = REPO / "plans" / "acme-shop.yaml"


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    path = tmp_path_factory.mktemp("roundtrip") / "acme_roundtrip_client.py"
    path.write_text(generate_python(load_plan(ACME)), encoding="utf-8")
    return load_module(path, "acme_roundtrip_client")


def drive(tracker: Any) -> int:
    """Send one of every planned call, with varied optional data; returns the number of calls."""
    when = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=-4)))
    product = {"product_id": "p-1", "price": 9.99, "quantity": 2}
    tracker.order_completed(user_id="u-1", order_id="o-1", total=19.98, currency="USD", products=[product])
    tracker.order_completed(
        anonymous_id="a-1",
        order_id="o-2",
        total=5,
        currency="GBP",
        coupon=None,
        products=[{"product_id": "p-2", "price": 0}],
        placed_at=when,
        timestamp=when,
        context={"ip": "203.0.113.9"},
        message_id="msg-2",
    )
    tracker.order_completed(
        user_id=42, order_id="o-3", total=1.5, currency="EUR", coupon="SPRING", products=[product], placed_at="2024-05-01T10:00:00Z"
    )
    tracker.chatbot_created(user_id="u-1", chatbot_id="cb_0123abcd", channels=["web", "whatsapp"], settings={"temperature": 0.7, "model": "x"})
    tracker.chatbot_created(anonymous_id="a-2", chatbot_id="cb_zzzzzzzz")
    tracker.identify(user_id="u-1", email="ada@example.com", plan="enterprise")
    tracker.identify(anonymous_id="a-1")
    tracker.group(user_id="u-1", group_id="g-1", name="Acme", employees=250)
    tracker.page_pricing(user_id="u-1", path="/pricing", category="marketing")
    tracker.screen_home(anonymous_id="a-3")
    return 10


def assert_plan_accepts(messages: list[dict[str, Any]]) -> None:
    """Every message passes its compiled JSON Schema (jsonschema library, with cdpctl's format checker)."""
    compiled = compile_plan(load_plan(ACME))
    for message in messages:
        name = message.get("event") if message["type"] == "track" else message.get("name")
        schema = compiled.for_call(message["type"], name if message["type"] not in ("identify", "group") else None)
        assert schema is not None, message
        errors = [error.message for error in jsonschema.Draft7Validator(schema.schema, format_checker=format_checker()).iter_errors(message)]
        assert errors == [], (message, errors)


def validation_engine() -> Any:
    engine = pytest.importorskip("cdpctl.validation", reason="the validation engine (cdpctl/validation) is not there yet")
    if not all(hasattr(engine, name) for name in ("Validator", "validate_lines")):
        pytest.skip("the validation engine (cdpctl/validation) is not complete yet")
    return engine


def test_fake_client_round_trip_validates_with_zero_violations(acme: ModuleType, tmp_path: Path) -> None:
    client = FakeClient()
    tracker = acme.Tracker(client, validate=True)  # the default handler raises under pytest
    assert drive(tracker) == len(client.calls)
    messages = [to_segment_message(call_type, arguments) for call_type, arguments in client.calls]
    assert {message["type"] for message in messages} == {"track", "identify", "group", "page", "screen"}
    assert_plan_accepts(messages)
    assert all(tracker.check(message) == [] for message in messages)

    engine = validation_engine()
    plan = load_plan(ACME)
    validator = engine.Validator(plan)
    assert [validator.check(message) for message in messages] == [[] for _ in messages]
    log = tmp_path / "captured.ndjson"
    log.write_text("".join(json.dumps(message) + "\n" for message in messages), encoding="utf-8")
    report = engine.validate_lines(validator, ((line.encode(), str(log), number) for number, line in enumerate(log.read_text().splitlines(), 1)))
    summary = report.to_json()["summary"]
    assert summary["events"] == len(messages) and summary["invalid"] == 0 and summary["malformed"] == 0
    from cdpctl.cli import app

    if CliRunner().invoke(app, ["validate", "--help"]).exit_code != 0:
        pytest.skip("the `cdpctl validate` command is not registered yet")
    result = CliRunner().invoke(app, ["validate", str(log), "--plan", str(ACME), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["invalid"] == 0


def test_runtime_codes_agree_with_the_validation_engine(acme: ModuleType) -> None:
    """The generated client's violation codes are those ``cdpctl validate`` reports, message for message."""
    engine = validation_engine()
    validator = engine.Validator(load_plan(ACME))
    tracker = acme.Tracker(FakeClient(), validate=True)
    base = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o", "total": 1, "currency": "EUR", "products": [{"product_id": "p", "price": 1}]}}
    broken_properties: list[dict[str, Any]] = [
        {"currency": "JPY"},
        {"total": "1"},
        {"total": -3},
        {"order_id": ""},
        {"coupon": 7},
        {"products": []},
        {"products": [{"product_id": "p"}]},
        {"products": [{"product_id": "p", "price": 1, "colour": "red"}]},
        {"placed_at": "soon"},
        {"surprise": True},
        {"currency": None},
    ]
    cases: list[dict[str, Any]] = [{**base, "properties": {**base["properties"], **change}} for change in broken_properties]
    cases.append({**base, "properties": {k: v for k, v in base["properties"].items() if k != "total"}})
    cases.append({"type": "identify", "userId": "u", "traits": {"plan": "gold", "email": "nope"}})
    cases.append({"type": "page", "name": "Pricing", "userId": "u", "properties": {}})
    cases.append({"type": "track", "event": "Order Completd", "userId": "u", "properties": {}})
    cases.append({"type": "track", "event": "Legacy Thing Happened", "userId": "u", "properties": {"any": 1}})
    cases.append({"type": "track", "event": "Chatbot Created", "userId": "u", "properties": {"chatbot_id": "nope", "channels": ["web", "web", "fax"], "settings": {"temperature": 3, "x": 1}}})
    cases.append({"type": "group", "userId": "u", "groupId": "g", "traits": {"employees": 1.5, "name": None}})
    cases.append({"type": "screen", "name": "Home", "userId": "u", "properties": {"x": 1}})
    for message in cases:
        ours = sorted((violation.code, violation.path, violation.severity) for violation in tracker.check(message))
        theirs = sorted(
            (violation.code, violation.path, violation.severity)
            for violation in validator.check(message)
            if violation.code != "invalid_envelope"
        )
        assert ours, message
        assert ours == theirs, message


def test_real_segment_sdk_client_with_send_disabled(acme: ModuleType) -> None:
    analytics = pytest.importorskip("segment.analytics")
    client = analytics.Client(write_key="test-key", send=False, sync_mode=True)
    sent: list[dict[str, Any]] = []

    class Recorder:
        """Wraps the SDK client and keeps the messages it built (``send=False`` returns them)."""

        def __getattr__(self, name: str) -> Any:
            method = getattr(client, name)

            def call(**kwargs: Any) -> Any:
                ok, message = method(**kwargs)
                assert ok
                sent.append(message)
                return ok, message

            return call

    tracker = acme.Tracker(Recorder(), validate=True)
    drive(tracker)
    assert len(sent) == 10
    assert sent[1]["properties"]["placed_at"] == "2024-05-01T09:30:00-04:00"
    assert sent[1]["properties"]["coupon"] is None and "coupon" not in sent[0]["properties"]
    assert sent[1]["messageId"] == "msg-2" and sent[1]["timestamp"].startswith("2024-05-01T09:30:00.000-04:00")
    assert_plan_accepts(sent)


def test_segment_analytics_module_as_the_client(acme: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    analytics = pytest.importorskip("segment.analytics")
    monkeypatch.setattr(analytics, "write_key", "test-key")
    monkeypatch.setattr(analytics, "send", False)
    monkeypatch.setattr(analytics, "sync_mode", True)
    monkeypatch.setattr(analytics, "default_client", None)
    tracker = acme.Tracker(analytics, validate=True)
    ok, message = tracker.page_pricing(user_id="u-1", path="/pricing")
    assert ok and message["type"] == "page" and message["name"] == "Pricing" and message["properties"] == {"path": "/pricing"}
    assert_plan_accepts([message])


@pytest.fixture
def segment_api() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback HTTP server standing in for the Segment API; yields its URL and the batches it got."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
            body = b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_real_segment_sdk_posting_to_a_loopback_api(acme: ModuleType, segment_api: tuple[str, list[dict[str, Any]]]) -> None:
    analytics = pytest.importorskip("segment.analytics")
    url, received = segment_api
    client = analytics.Client(write_key="test-key", host=url, sync_mode=True, max_retries=0, timeout=5)
    tracker = acme.Tracker(client, validate=True)
    drive(tracker)
    assert all(batch["path"] == "/v1/batch" for batch in received)
    messages = [message for batch in received for message in batch["body"]["batch"]]
    assert len(messages) == 10
    assert [message.get("event") or message.get("name") or message["type"] for message in messages] == [
        "Order Completed", "Order Completed", "Order Completed", "Chatbot Created", "Chatbot Created",
        "identify", "identify", "group", "Pricing", "Home",
    ]
    assert_plan_accepts(messages)
