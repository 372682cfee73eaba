"""Forwarding and schema controls, against second and third local servers that record what they receive."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import uvicorn

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.serve.controls import Controls
from cdpctl.serve.runner import BackgroundServer, ServeOptions, base_url, bind

PLAN_PATH = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"

PROPS: dict[str, Any] = {
    "order_id": "o-1",
    "total": 10.5,
    "currency": "USD",
    "products": [{"product_id": "p1", "price": 5.0}],
}
VALID = {"type": "track", "event": "Order Completed", "userId": "u1", "properties": PROPS, "context": {"ip": "::1"}}
UNPLANNED = {"type": "track", "event": "Nope Happened", "userId": "u1", "properties": {"a": 1}}
WRONG_TYPE = {**VALID, "properties": {**PROPS, "total": "ten"}}
EXTRA = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u2",
    "properties": {
        **PROPS,
        "secret": "x",
        "products": [{"product_id": "p1", "price": 1, "junk": 1}, {"product_id": "p2", "price": 2}],
    },
}
EXTRA_TRAIT = {"type": "identify", "userId": "u3", "traits": {"plan": "pro", "favourite_colour": "red"}}


@dataclass
class Recorder:
    """A Segment-compatible endpoint that records every request; answers ``statuses`` in turn, then 200."""

    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append({"path": scope["path"], "headers": headers, "body": orjson.loads(body)})
        status = self.statuses.pop(0) if self.statuses else 200
        payload = b'{"success":true}' if status == 200 else b'{"code":"nope","message":"refused"}'
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": payload})

    @property
    def messages(self) -> list[Any]:
        return [m for request in self.requests for m in request["body"]["batch"]]

    @property
    def keys(self) -> set[str]:
        out = set()
        for request in self.requests:
            user = base64.b64decode(request["headers"]["authorization"].split()[1]).decode()
            out.add(user.partition(":")[0])
        return out


@pytest.fixture()
def recorder_factory() -> Iterator[Any]:
    started: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(statuses: list[int] | None = None) -> tuple[Recorder, str]:
        recorder = Recorder(list(statuses or []))
        sock = bind("127.0.0.1", 0)
        server = uvicorn.Server(uvicorn.Config(recorder, log_level="warning", lifespan="off", access_log=False))
        thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
        thread.start()
        while not server.started:
            thread.join(0.01)
        started.append((server, thread))
        return recorder, base_url(sock)

    yield start
    for server, thread in started:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(str(PLAN_PATH))


def send(url: str, messages: list[Any], key: str = "client-key") -> None:
    response = httpx.post(url + "/v1/batch", content=orjson.dumps({"batch": messages, "writeKey": key}), timeout=30)
    assert response.status_code == 200, response.text


def run_collector(plan: Plan, options: ServeOptions, batches: list[list[Any]]) -> dict[str, Any]:
    """Serve, send ``batches``, stop (which drains the forward queues), return the final /summary."""
    with BackgroundServer(plan, options) as srv:
        for batch in batches:
            send(srv.url, batch)
        final: dict[str, Any] = {}
    final = srv.collector.summary()
    return final


def test_forward_relays_every_message_unchanged(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    messages = [VALID, UNPLANNED, WRONG_TYPE, EXTRA, EXTRA_TRAIT]
    final = run_collector(plan, ServeOptions(port=0, forward=url), [messages[:2], messages[2:]])
    assert upstream.messages == messages
    assert {r["path"] for r in upstream.requests} == {"/v1/batch"}
    assert upstream.keys == {"client-key"}
    assert all("sentAt" in r["body"] for r in upstream.requests)
    forward = final["collector"]["forward"]
    assert (forward["delivered"], forward["failed"], forward["pending"]) == (5, 0, 0)
    assert final["collector"]["controls"]["forwarded"] == 5


def test_forward_write_key_override(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    run_collector(plan, ServeOptions(port=0, forward=url + "/v1/batch", forward_write_key="upstream"), [[VALID]])
    assert upstream.keys == {"upstream"} and upstream.messages == [VALID]


def test_block_unplanned_with_blocked_destination(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    blocked, blocked_url = recorder_factory()
    options = ServeOptions(port=0, forward=url, forward_blocked=blocked_url, controls=Controls(block_unplanned=True))
    final = run_collector(plan, options, [[VALID, UNPLANNED, WRONG_TYPE]])
    assert upstream.messages == [VALID, WRONG_TYPE]
    assert blocked.messages == [UNPLANNED]
    controls = final["collector"]["controls"]
    assert (controls["forwarded"], controls["blocked_unplanned"], controls["blocked_forwarded"]) == (2, 1, 1)
    assert final["collector"]["forward_blocked"]["delivered"] == 1


def test_block_invalid_drops_without_blocked_destination(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    legacy = {"type": "track", "event": "Legacy Thing Happened", "userId": "u1", "properties": {"x": 1}}
    final = run_collector(
        plan,
        ServeOptions(port=0, forward=url, controls=Controls(block_invalid=True)),
        [[VALID, UNPLANNED, WRONG_TYPE, legacy]],
    )
    # a deprecated event is only a warning: it is not blocked
    assert upstream.messages == [VALID, legacy]
    controls = final["collector"]["controls"]
    assert (controls["forwarded"], controls["blocked_invalid"], controls["blocked_forwarded"]) == (2, 2, 0)
    assert final["invalid"] == 2


def test_omit_unplanned_properties_strips_and_records(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    options = ServeOptions(port=0, forward=url, controls=Controls(omit_unplanned_properties=True))
    final = run_collector(plan, options, [[VALID, EXTRA, EXTRA_TRAIT, WRONG_TYPE]])
    valid, extra, trait, wrong = upstream.messages
    assert valid == VALID and wrong == WRONG_TYPE  # nothing to omit: relayed unchanged
    assert extra["properties"] == {
        **PROPS,
        "products": [{"product_id": "p1", "price": 1}, {"product_id": "p2", "price": 2}],
    }
    assert {v["path"] for v in extra["context"]["violations"]} == {"properties.secret", "properties.products[].junk"}
    assert all(v["code"] == "unplanned_property" and v["action"] == "omitted" for v in extra["context"]["violations"])
    assert {k: v for k, v in extra.items() if k not in ("properties", "context")} == {
        k: v for k, v in EXTRA.items() if k != "properties"
    }
    assert trait["traits"] == {"plan": "pro"}
    assert [v["path"] for v in trait["context"]["violations"]] == ["traits.favourite_colour"]
    controls = final["collector"]["controls"]
    assert (controls["altered"], controls["omitted_properties"], controls["forwarded"]) == (2, 3, 4)
    # the report still counts what was received, before omission
    assert final["invalid"] == 3


def test_omit_then_block_invalid(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    blocked, blocked_url = recorder_factory()
    options = ServeOptions(
        port=0,
        forward=url,
        forward_blocked=blocked_url,
        controls=Controls(omit_unplanned_properties=True, block_invalid=True),
    )
    both = {**WRONG_TYPE, "properties": {**WRONG_TYPE["properties"], "secret": 1}}
    run_collector(plan, options, [[EXTRA, both]])
    # EXTRA's only problems were omitted, so it goes through, altered; `both` is still invalid
    assert len(upstream.messages) == 1 and "secret" not in upstream.messages[0]["properties"]
    assert blocked.messages == [both]  # blocked messages go out as received


def test_forward_retries_with_backoff(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory([503, 500, 429])
    options = ServeOptions(port=0, forward=url, forward_backoff=0.01, forward_retries=5)
    final = run_collector(plan, options, [[VALID, UNPLANNED]])
    assert upstream.messages == [VALID, UNPLANNED] * 4  # three failed attempts, then delivered
    forward = final["collector"]["forward"]
    assert (forward["delivered"], forward["failed"], forward["retries"]) == (2, 0, 3)


def test_forward_gives_up_on_rejection_and_reports(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory([400])
    options = ServeOptions(port=0, forward=url, forward_backoff=0.01)
    final = run_collector(plan, options, [[VALID], [UNPLANNED]])
    forward = final["collector"]["forward"]
    assert forward["retries"] == 0
    assert forward["failed"] + forward["delivered"] == 2 and forward["failed"] >= 1
    assert "HTTP 400" in forward["last_error"]


def test_unreachable_upstream_never_blocks_intake(plan: Plan) -> None:
    dead = bind("127.0.0.1", 0)
    url = base_url(dead)
    dead.close()  # nothing listens there any more
    options = ServeOptions(port=0, forward=url, forward_backoff=0.01, forward_retries=2, forward_queue=3)
    with BackgroundServer(plan, options) as srv:
        send(srv.url, [VALID] * 10)  # one request: queued before the sender runs, so 7 overflow
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the sender gives up on those (a busy machine may take a while)
            forward = srv.collector.summary()["collector"]["forward"]
            if forward["failed"] + forward["dropped"] >= 10:
                break
            time.sleep(0.02)
        for _ in range(5):
            send(srv.url, [UNPLANNED])
        assert httpx.get(srv.url + "/summary").json()["events"] == 15
    final = srv.collector.summary()
    forward = final["collector"]["forward"]
    assert forward["dropped"] >= 7
    assert forward["delivered"] == 0
    assert forward["failed"] + forward["dropped"] == 15
    assert forward["last_error"]


def test_omit_works_on_deeply_nested_unplanned_values(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    nested: Any = 1
    for _ in range(190):  # 192 levels with the message and its properties: within the 200-level limit
        nested = {"a": nested}
    deep = {**VALID, "properties": {**PROPS, "deep": nested}}
    options = ServeOptions(port=0, forward=url, controls=Controls(omit_unplanned_properties=True))
    with BackgroundServer(plan, options) as srv:
        body = json.dumps({"batch": [deep, VALID]}).encode()
        assert httpx.post(srv.url + "/v1/batch", content=body, timeout=30).status_code == 200
    altered, valid = upstream.messages
    assert altered["properties"] == PROPS and valid == VALID
    assert [v["path"] for v in altered["context"]["violations"]] == ["properties.deep"]


def test_deep_messages_are_relayed_unchanged(plan: Plan, recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    nested: Any = 1
    for _ in range(198):  # 200 levels with the message and its properties: the most a message may nest
        nested = {"a": nested}
    deep = {**VALID, "properties": {**PROPS, "deep": nested}}
    too_deep = {**VALID, "properties": {**PROPS, "deep": {"a": nested}}}
    with BackgroundServer(plan, ServeOptions(port=0, forward=url)) as srv:
        body = json.dumps({"batch": [deep, VALID]}).encode()
        assert httpx.post(srv.url + "/v1/batch", content=body, timeout=30).status_code == 200
        # one level more is one malformed message, as cdpctl validate reads it: never forwarded, its neighbour is
        body = json.dumps({"batch": [too_deep, VALID]}).encode()
        answer = httpx.post(srv.url + "/v1/batch", content=body, timeout=30)
        assert answer.status_code == 400 and [m["index"] for m in answer.json()["malformed"]] == [0]
    assert upstream.messages == [deep, VALID, VALID]


def _serve_once(arguments: list[str], messages: list[Any]) -> tuple[int, str, str]:
    """Run ``cdpctl serve`` with ``arguments``, send ``messages``, stop it with SIGTERM: (exit, stdout, stderr)."""
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "cdpctl", "serve", "--plan", str(PLAN_PATH), "--port", "0", "--no-live"]
    process = subprocess.Popen([*command, *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stderr is not None
        line = ""
        while "listening on " not in line:
            line = process.stderr.readline().decode()
            assert line, "serve exited early"
        send(line.split("listening on ", 1)[1].split()[0], messages)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return process.returncode, out.decode(), line + err.decode()


def test_command_line_wires_forwarding_and_controls(recorder_factory: Any) -> None:
    upstream, url = recorder_factory()
    blocked, blocked_url = recorder_factory()
    arguments = ["--format", "json", "--forward", url, "--forward-blocked", blocked_url, "--block", "unplanned"]
    arguments += ["--omit-unplanned-properties", "--forward-write-key", "upstream-key"]
    code, out, err = _serve_once(arguments, [VALID, UNPLANNED, EXTRA])
    assert code == 1, err
    assert upstream.messages[0] == VALID and "secret" not in upstream.messages[1]["properties"]
    assert blocked.messages == [UNPLANNED]
    assert upstream.keys == {"upstream-key"} == blocked.keys
    assert "forward " in err and "2 delivered" in err


def test_messages_not_forwarded_fail_the_session_and_are_named_in_the_report(recorder_factory: Any) -> None:
    upstream, url = recorder_factory([400])  # the destination refuses the first batch: no retry
    code, out, err = _serve_once(["--format", "json", "--forward", url], [VALID, VALID])
    assert code == 1, err  # every message was valid: only the lost delivery fails the session
    assert "error: 2 messages not forwarded to" in err and "exit 1" in err
    report = json.loads(out)
    assert report["summary"]["invalid"] == 0 and report["summary"]["partial"] is False
    assert len(report["not_forwarded"]) == 1 and report["not_forwarded"][0].startswith(f"2 messages to {url}")
    assert "HTTP 400" in report["not_forwarded"][0]
    code, out, err = _serve_once(["--format", "markdown", "--forward", url], [VALID])
    assert code == 0, err  # delivered: the same session is OK
    assert "not forwarded" not in out + err and "FAIL" not in out


def test_messages_not_forwarded_are_named_in_every_report_format(recorder_factory: Any) -> None:
    dead = bind("127.0.0.1", 0)
    url = base_url(dead)
    dead.close()  # nothing listens there
    for fmt in ("text", "markdown", "junit", "sarif", "github"):
        code, out, err = _serve_once(
            ["--format", fmt, "--forward", url, "--forward-retries", "0", "--drain-timeout", "5"], [VALID]
        )
        assert code == 1, (fmt, err)
        assert "not forwarded: 1 message to" in out, (fmt, out)
