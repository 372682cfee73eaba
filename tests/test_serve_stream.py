"""``serve`` under a sustained hostile stream, and fuzzed bodies: no accepted message lost, never a server error.

The stream test runs ``cdpctl serve`` as a process whose capture file hits a
file-size limit part way (``RLIMIT_FSIZE``), forwarding to a second collector,
while clients send batches, junk bodies, batches with a broken message and
uploads they abandon.  Every 200 must then be counted, captured and forwarded.
The fuzz test drives the real ASGI application with bodies hypothesis makes.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import resource
import signal
import threading
import time
import uuid
import zlib
from pathlib import Path
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serve_helpers import PLAN, UNPLANNED, VALID, raw_request, serve_process

from cdpctl.loader import load_plan
from cdpctl.serve.app import CollectorApp
from cdpctl.serve.intake import ENDPOINTS
from cdpctl.serve.runner import BackgroundServer, ServeOptions, build

ANSWERS = {200, 400, 401, 413, 503}


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def _message(index: int) -> dict[str, Any]:
    base = VALID if index % 3 else UNPLANNED
    return {**base, "messageId": str(uuid.uuid4())}


class Client(threading.Thread):
    """Sends a mix of requests; remembers which message ids were answered 200 and what was counted."""

    def __init__(self, url: str, seed: int, rounds: int) -> None:
        super().__init__(daemon=True)
        self.url, self.seed, self.rounds = url, seed, rounds
        self.accepted: list[str] = []  # message ids answered 200 (or accepted beside a broken one)
        self.counted = 0  # records the collector says it counted
        self.statuses: list[int] = []

    def run(self) -> None:
        with httpx.Client(timeout=30) as http:
            for round_ in range(self.rounds):
                kind = (self.seed + round_) % 4
                if kind == 0:
                    batch = [_message(i) for i in range(5)]
                    answer = http.post(self.url + "/v1/batch", content=orjson.dumps({"batch": batch}))
                    if answer.status_code == 200:
                        self.accepted += [m["messageId"] for m in batch]
                        self.counted += len(batch)
                elif kind == 1:
                    answer = http.post(self.url + "/v1/batch", content=b"{junk " + str(round_).encode())
                    if answer.status_code == 400:
                        self.counted += 1  # one malformed record, captured
                elif kind == 2:
                    good = [_message(i) for i in range(3)]
                    texts = [orjson.dumps(m) for m in good] + [b'{"type":"track","x":NaN}']
                    answer = http.post(self.url + "/v1/batch", content=b'{"batch":[' + b",".join(texts) + b"]}")
                    if answer.status_code == 400:
                        assert answer.json()["accepted"] == 4
                        self.accepted += [m["messageId"] for m in good]
                        self.counted += 4
                else:
                    body = orjson.dumps({"batch": [_message(0)] * 20})
                    head = b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
                    raw_request(self.url, head, body[:100], close_early=True)
                    continue
                assert answer.status_code in ANSWERS, answer.text
                self.statuses.append(answer.status_code)


def test_sustained_hostile_stream_loses_no_accepted_message(tmp_path: Path) -> None:
    plan = load_plan(PLAN)
    sink_capture = tmp_path / "sink.ndjson"
    capture = tmp_path / "capture.ndjson"
    with BackgroundServer(plan, ServeOptions(port=0, capture=str(sink_capture))) as sink:
        args = ("--capture", str(capture), "--forward", sink.url, "--format", "json", "--drain-timeout", "60")
        with serve_process(*args, preexec=_limit_file_size(60_000)) as start:
            served = start()
            clients = [Client(served.url, seed, 60) for seed in range(4)]
            for client in clients:
                client.start()
            for client in clients:
                client.join(300)
            code, out, err = served.stop(signal.SIGTERM)
        deadline = time.monotonic() + 30
        accepted = {mid for client in clients for mid in client.accepted}
        while sink.collector.report.events < len(accepted) and time.monotonic() < deadline:
            time.sleep(0.05)
    statuses = [status for client in clients for status in client.statuses]
    assert 200 in statuses and 503 in statuses  # the capture filled up part way
    assert code == 1, err  # junk bodies are malformed records
    assert "Traceback" not in err
    report = json.loads(out)
    counted = sum(client.counted for client in clients)
    captured = capture.read_bytes().splitlines()
    # every counted record is in the capture, and nothing else is
    assert report["summary"]["events"] == counted == len(captured)
    captured_ids = {orjson.loads(line).get("messageId") for line in captured if b'"messageId"' in line}
    assert accepted <= captured_ids
    # every accepted message was forwarded, once
    forwarded = [orjson.loads(line)["messageId"] for line in sink_capture.read_bytes().splitlines()]
    assert sorted(forwarded) == sorted(accepted)


# --- fuzzed bodies through the real application --------------------------------------------------

_APP: list[CollectorApp] = []


def _app() -> CollectorApp:
    if not _APP:
        _APP.append(build(load_plan(PLAN), ServeOptions(port=0, keep=20)).app)
    return _APP[0]


async def _call(app: CollectorApp, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    chunks = [body[i : i + 4096] for i in range(0, len(body), 4096)] or [b""]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if not chunks:  # as a server does: the next message is the client's disconnect, whenever it comes
            await asyncio.Event().wait()
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": headers, "query_string": b""}
    await app(scope, receive, send)
    return sent


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
MESSAGES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["track", "identify", "page", "group", "alias", "x"]), "userId": st.text(max_size=5)},
        optional={"event": st.text(max_size=10), "properties": JSON, "traits": JSON, "context": JSON},
    ),
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[bytes, str | None]:
    shape = draw(st.sampled_from(["batch", "array", "single", "bytes", "mangled"]))
    if shape == "bytes":
        text = draw(st.binary(max_size=300))
    else:
        messages = draw(st.lists(MESSAGES, max_size=6))
        document: Any = {"batch": messages} if shape == "batch" else messages
        if shape == "single":
            document = messages[0] if messages else {}
        text = json.dumps(document, allow_nan=True).encode()
        if shape == "mangled" and text:
            cut = draw(st.integers(0, len(text)))
            text = text[:cut] + draw(st.binary(max_size=8)) + text[cut:]
    encoding = draw(st.sampled_from([None, "gzip", "deflate", "br", "gzip, identity"]))
    if encoding in ("gzip", "gzip, identity"):
        split = draw(st.integers(0, len(text)))
        text = gzip.compress(text[:split]) + gzip.compress(text[split:])  # several members
        if draw(st.booleans()):
            text = text[: draw(st.integers(0, len(text)))]
    elif encoding == "deflate":
        text = zlib.compress(text)
    return text, encoding


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=bodies(),
    path=st.sampled_from(sorted(ENDPOINTS)),
    auth=st.one_of(st.none(), st.binary(max_size=20), st.text(max_size=20).map(lambda t: b"Basic " + t.encode())),
)
def test_fuzzed_bodies_never_give_a_server_error(body: tuple[bytes, str | None], path: str, auth: bytes | None) -> None:
    app = _app()
    data, encoding = body
    headers = [(b"content-type", b"application/json")]
    if encoding is not None:
        headers.append((b"content-encoding", encoding.encode()))
    if auth is not None:
        headers.append((b"authorization", auth))
    sent = asyncio.run(_call(app, "POST", path, headers, data))
    status = sent[0]["status"]
    assert status in ANSWERS, sent
    answer = orjson.loads(sent[1]["body"])
    assert answer["success"] is (status == 200)
    events = asyncio.run(_call(app, "GET", "/events", [], b""))
    assert events[0]["status"] == 200
    orjson.loads(events[1]["body"])
    assert app.collector.counters.internal_errors == 0
