"""``cdpctl serve`` over real HTTP: the real uvicorn server on a loopback port, raw HTTP and the Segment SDK."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.serve.runner import BackgroundServer, ServeOptions

ROOT = Path(__file__).resolve().parents[1]
PLAN_PATH = ROOT / "plans" / "acme-shop.yaml"

VALID_ORDER: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u1",
    "properties": {
        "order_id": "o-1",
        "total": 10.5,
        "currency": "USD",
        "products": [{"product_id": "p1", "price": 5.0, "quantity": 2}],
    },
}
UNPLANNED = {"type": "track", "event": "Nope Happened", "userId": "u1", "properties": {}}
MISSING_ORDER_ID = {
    **VALID_ORDER,
    "properties": {k: v for k, v in VALID_ORDER["properties"].items() if k != "order_id"},
}
BAD_CURRENCY = {**VALID_ORDER, "properties": {**VALID_ORDER["properties"], "currency": "JPY"}}
VALID_PAGE = {"type": "page", "name": "Pricing", "anonymousId": "a1", "properties": {"path": "/pricing"}}
NO_ID = {"type": "identify", "traits": {"plan": "pro"}}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(str(PLAN_PATH))


@pytest.fixture()
def server(plan: Plan) -> Iterator[BackgroundServer]:
    with BackgroundServer(plan, ServeOptions(port=0, keep=50)) as srv:
        yield srv


def post(url: str, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(url + path, content=orjson.dumps(body), timeout=30, **kwargs)


def summary(url: str) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(url + "/summary", timeout=30).json()
    return result


def validate_json(path: Path) -> dict[str, Any]:
    """What ``cdpctl validate --format json`` reports for ``path`` (run as a process)."""
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", str(path), "--plan", str(PLAN_PATH), "--format", "json"],
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr.decode()
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def contract(summary_object: dict[str, Any]) -> dict[str, Any]:
    return {k: summary_object[k] for k in ("events", "valid", "invalid", "malformed", "warnings")}


def test_batch_counts_exactly_and_matches_validate(server: BackgroundServer, tmp_path: Path) -> None:
    messages = [VALID_ORDER, UNPLANNED, MISSING_ORDER_ID, BAD_CURRENCY, VALID_PAGE, NO_ID, VALID_ORDER]
    response = post(server.url, "/v1/batch", {"batch": messages, "writeKey": "any"})
    assert response.status_code == 200
    assert response.json() == {"success": True}
    got = summary(server.url)
    assert (got["events"], got["valid"], got["invalid"], got["malformed"]) == (7, 3, 4, 0)
    codes = {group["code"] for group in httpx.get(server.url + "/violations").json()}
    assert {"unplanned_event", "required_missing", "value_not_allowed", "invalid_envelope"} <= codes
    # the same messages through `cdpctl validate` give the same summary and the same groups
    ndjson = tmp_path / "same.ndjson"
    ndjson.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in messages))
    expected = validate_json(ndjson)
    assert contract(got) == contract(expected["summary"])
    served = httpx.get(server.url + "/report").json()
    strip = [{k: v for k, v in g.items() if k != "examples"} for g in served["violations"]]
    assert strip == [{k: v for k, v in g.items() if k != "examples"} for g in expected["violations"]]
    assert httpx.get(server.url + "/violations").json() == served["violations"]


def test_single_call_endpoints_and_gzip(server: BackgroundServer) -> None:
    for path, body in [
        ("/v1/track", {k: v for k, v in VALID_ORDER.items() if k != "type"}),
        ("/v1/page", {k: v for k, v in VALID_PAGE.items() if k != "type"}),
        ("/v1/identify", {"userId": "u1", "traits": {"plan": "pro", "email": "a@example.com"}}),
        ("/v1/group", {"userId": "u1", "groupId": "g1", "traits": {"name": "Acme", "employees": 3}}),
        ("/v1/screen", {"userId": "u1", "name": "Home"}),
        ("/v1/alias", {"userId": "u2", "previousId": "u1"}),
    ]:
        response = post(server.url, path, body)
        assert response.status_code == 200, (path, response.text)
    compressed = gzip.compress(orjson.dumps({"batch": [VALID_ORDER, UNPLANNED]}))
    response = httpx.post(
        server.url + "/v1/batch", content=compressed, headers={"Content-Encoding": "gzip"}, timeout=30
    )
    assert response.status_code == 200
    got = summary(server.url)
    assert (got["events"], got["valid"], got["invalid"], got["malformed"]) == (8, 7, 1, 0)
    events = httpx.get(server.url + "/events", params={"type": "alias"}).json()
    assert [e["message"] for e in events] == [{"userId": "u2", "previousId": "u1", "type": "alias"}]


def test_real_segment_sdk_with_and_without_gzip(server: BackgroundServer) -> None:
    from segment.analytics import Client

    errors: list[Any] = []
    plain = Client("sdk-key", host=server.url, gzip=False, sync_mode=True, on_error=lambda e, b: errors.append(e))
    plain.track("u1", "Order Completed", VALID_ORDER["properties"])
    plain.track("u1", "Order Completed", {**VALID_ORDER["properties"], "total": "ten"})
    plain.identify("u1", {"email": "not-an-email", "plan": "pro"})
    plain.page("u1", None, "Pricing", {"path": "/pricing"})
    plain.screen("u1", None, "Home", {})
    plain.group("u1", "g1", {"name": "Acme", "employees": 12})
    plain.alias("u1", "u2")
    assert errors == []
    after_plain = summary(server.url)
    assert (after_plain["events"], after_plain["invalid"], after_plain["malformed"]) == (7, 2, 0)

    batched = Client("sdk-key", host=server.url, gzip=True, on_error=lambda e, b: errors.append(e), upload_size=50)
    for index in range(230):
        batched.track(f"user-{index}", "Order Completed", VALID_ORDER["properties"])
    batched.track("u9", "Unplanned Thing", {"a": 1})
    batched.flush()
    batched.join()
    assert errors == []
    got = summary(server.url)
    assert (got["events"], got["valid"], got["invalid"]) == (7 + 231, 5 + 230, 3)
    assert got["collector"]["requests"] >= 7 + 5
    last = httpx.get(server.url + "/events", params={"valid": "false", "limit": 1}).json()
    assert last[0]["event"] == "Unplanned Thing"
    assert last[0]["message"]["context"]["library"]["name"] == "analytics-python"
    assert [v["code"] for v in last[0]["violations"]] == ["unplanned_event"]


def test_bad_message_in_batch_never_loses_the_others(server: BackgroundServer) -> None:
    big = {**VALID_ORDER, "properties": {**VALID_ORDER["properties"], "blob": "x" * 40_000}}
    batch = [VALID_ORDER, 7, {"type": "track"}, big, UNPLANNED]
    response = post(server.url, "/v1/batch", {"batch": batch})
    assert response.status_code == 413
    body = response.json()
    assert body["success"] is False and body["code"] == "message_too_large"
    assert body["accepted"] == 4
    assert [r["index"] for r in body["rejected"]] == [3]
    got = summary(server.url)
    assert (got["events"], got["valid"], got["invalid"], got["malformed"]) == (4, 1, 3, 0)
    assert got["collector"]["rejected_messages"] == 1


def test_malformed_and_oversized_bodies(server: BackgroundServer) -> None:
    response = httpx.post(server.url + "/v1/batch", content=b'{"batch": [', timeout=30)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    response = httpx.post(server.url + "/v1/track", content=b"\x00\xffnot json", timeout=30)
    assert response.status_code == 400
    response = httpx.post(server.url + "/v1/batch", content=b'{"nobatch": 1}', timeout=30)
    assert response.status_code == 400 and response.json()["code"] == "invalid_request"
    response = httpx.post(
        server.url + "/v1/batch", content=b"not gzip", headers={"Content-Encoding": "gzip"}, timeout=30
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_encoding"
    # limits: 500 KB a batch, 32 KB a message, also after decompression
    assert post(server.url, "/v1/batch", {"batch": [{"p": "x" * 20_000}] * 30}).status_code == 413
    assert post(server.url, "/v1/track", {"event": "A", "p": "x" * 33_000}).status_code == 413
    bomb = gzip.compress(b'{"batch": [' + b" " * 2_000_000 + b"]}")
    response = httpx.post(server.url + "/v1/batch", content=bomb, headers={"Content-Encoding": "gzip"}, timeout=30)
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    got = summary(server.url)
    assert (got["events"], got["malformed"], got["valid"]) == (2, 2, 0)
    assert got["collector"]["rejected_requests"]["too_large"] == 3
    newest = httpx.get(server.url + "/events", params={"limit": 1}).json()[0]
    assert newest["valid"] is False and newest["error"]
    # the server is still fine after all that
    assert post(server.url, "/v1/batch", {"batch": [VALID_ORDER]}).status_code == 200


def test_write_key_enforced(plan: Plan) -> None:
    with BackgroundServer(plan, ServeOptions(port=0, write_key="s3cret")) as srv:
        assert post(srv.url, "/v1/batch", {"batch": [VALID_ORDER]}).status_code == 401
        assert post(srv.url, "/v1/batch", {"batch": [VALID_ORDER], "writeKey": "wrong"}).status_code == 401
        assert post(srv.url, "/v1/batch", {"batch": [VALID_ORDER]}, auth=("wrong", "")).status_code == 401
        wrong = httpx.post(srv.url + "/v1/batch", content=b"junk", auth=("nope", ""), timeout=30)
        assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized"
        assert httpx.post(srv.url + "/v1/batch", content=b"junk", timeout=30).status_code == 401
        assert post(srv.url, "/v1/batch", {"batch": [VALID_ORDER]}, auth=("s3cret", "")).status_code == 200
        assert post(srv.url, "/v1/batch", {"batch": [UNPLANNED], "writeKey": "s3cret"}).status_code == 200
        assert post(srv.url, "/v1/track", {**VALID_ORDER, "writeKey": "s3cret"}).status_code == 200
        # queries need the key too (what was received may be personal data); health does not
        assert httpx.get(srv.url + "/summary").status_code == 401
        assert httpx.get(srv.url + "/events", auth=("wrong", "")).status_code == 401
        assert httpx.post(srv.url + "/reset").status_code == 401
        assert httpx.get(srv.url + "/healthz").status_code == 200
        got = httpx.get(srv.url + "/summary", auth=("s3cret", "")).json()
        assert (got["events"], got["invalid"], got["malformed"]) == (3, 1, 0)
        assert got["collector"]["rejected_requests"]["unauthorized"] == 5
        # the key never reaches what is recorded
        events = httpx.get(srv.url + "/events", auth=("s3cret", "")).json()
        assert len(events) == 3 and all("writeKey" not in e["message"] for e in events)


def test_every_write_key_a_body_carries_must_be_right(plan: Plan) -> None:
    """One right key (the batch's, a message's, the header's) let the messages carrying another key through,
    recorded with that key stripped: a request that carries a wrong key anywhere is refused whole."""
    with BackgroundServer(plan, ServeOptions(port=0, write_key="s3cret")) as srv:
        wrong = {**VALID_ORDER, "writeKey": "WRONG"}
        right = {**VALID_ORDER, "writeKey": "s3cret"}
        assert post(srv.url, "/v1/batch", {"batch": [VALID_ORDER, right, wrong]}).status_code == 401
        assert post(srv.url, "/v1/batch", {"writeKey": "s3cret", "batch": [wrong]}).status_code == 401
        assert post(srv.url, "/v1/batch", {"batch": [wrong]}, auth=("s3cret", "")).status_code == 401
        assert post(srv.url, "/v1/batch", [right, wrong]).status_code == 401
        assert post(srv.url, "/v1/track", wrong, auth=("s3cret", "")).status_code == 401
        assert post(srv.url, "/v1/batch", {"batch": [VALID_ORDER, right]}).status_code == 200
        got = httpx.get(srv.url + "/summary", auth=("s3cret", "")).json()
        assert got["events"] == 2 and got["collector"]["rejected_requests"]["unauthorized"] == 5


def test_query_endpoints_reset_and_caps(server: BackgroundServer) -> None:
    post(server.url, "/v1/batch", {"batch": [VALID_ORDER] * 60 + [UNPLANNED, BAD_CURRENCY]})
    everything = httpx.get(server.url + "/events", params={"limit": 1000}).json()
    assert len(everything) == 50  # keep=50: recent messages are capped
    assert everything[0]["event"] == "Order Completed" and everything[0]["valid"] is False
    invalid = httpx.get(server.url + "/events", params={"valid": "false"}).json()
    assert [e["event"] for e in invalid] == ["Order Completed", "Nope Happened"]
    assert [e["violations"][0]["code"] for e in invalid] == ["value_not_allowed", "unplanned_event"]
    only = httpx.get(server.url + "/events", params={"event": "Nope Happened"}).json()
    assert len(only) == 1 and only[0]["message"] == UNPLANNED
    assert len(httpx.get(server.url + "/events", params={"valid": "true", "limit": 3}).json()) == 3
    assert httpx.get(server.url + "/events", params={"valid": "maybe"}).status_code == 400
    assert httpx.get(server.url + "/events", params={"limit": "x"}).status_code == 400
    by_event = httpx.get(server.url + "/violations", params={"event": "Nope Happened"}).json()
    assert [g["code"] for g in by_event] == ["unplanned_event"]
    assert httpx.get(server.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(server.url + "/nowhere").status_code == 404
    assert httpx.get(server.url + "/v1/batch").status_code == 405
    assert httpx.get(server.url + "/reset").status_code == 405
    wrong = httpx.post(server.url + "/summary", timeout=30)  # a query endpoint takes GET
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"
    assert httpx.post(server.url + "/nowhere", timeout=30).json()["code"] == "not_found"
    assert httpx.options(server.url + "/v1/batch").status_code == 204
    asked = httpx.options(server.url + "/v1/batch", headers={"Access-Control-Request-Headers": "content-type, x-sdk-id"})
    assert asked.headers["access-control-allow-headers"] == "content-type, x-sdk-id"  # what the page's SDK asks for
    assert summary(server.url)["events"] == 62
    assert httpx.post(server.url + "/reset").json() == {"success": True}
    cleared = summary(server.url)
    assert contract(cleared) == {"events": 0, "valid": 0, "invalid": 0, "malformed": 0, "warnings": 0}
    assert httpx.get(server.url + "/events").json() == []
    assert httpx.get(server.url + "/violations").json() == []
    assert not server.collector.has_errors


def test_openapi_document_describes_every_endpoint(server: BackgroundServer) -> None:
    document = httpx.get(server.url + "/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for path in ("/v1/batch", "/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias"):
        assert "post" in document["paths"][path]
    for path in ("/summary", "/violations", "/events", "/healthz"):
        assert "get" in document["paths"][path]
    assert "post" in document["paths"]["/reset"]
    refs = {m.group(0) for m in __import__("re").finditer(r"#/components/\w+/\w+", json.dumps(document))}
    for ref in refs:
        _, _, section, name = ref.split("/")
        assert name in document["components"][section], ref


def test_capture_replays_to_the_same_report(plan: Plan, tmp_path: Path) -> None:
    capture = tmp_path / "session.ndjson"
    capture.write_bytes(orjson.dumps(VALID_PAGE) + b"\n")  # appended to, not overwritten
    with BackgroundServer(plan, ServeOptions(port=0, capture=str(capture))) as srv:
        post(srv.url, "/v1/batch", {"batch": [VALID_ORDER, UNPLANNED, MISSING_ORDER_ID, NO_ID, 42]})
        httpx.post(srv.url + "/v1/track", content=b'{"event": "broken\n', timeout=30)
        post(srv.url, "/v1/identify", {"userId": "u1", "traits": {"email": "bad", "extra": True}})
        compressed = gzip.compress(orjson.dumps({"batch": [BAD_CURRENCY, VALID_ORDER]}))
        httpx.post(srv.url + "/v1/batch", content=compressed, headers={"Content-Encoding": "gzip"}, timeout=30)
        served = httpx.get(srv.url + "/report").json()
        served_summary = summary(srv.url)
    lines = capture.read_bytes().splitlines()
    assert len(lines) == 1 + 5 + 1 + 1 + 2
    assert served_summary["collector"]["capture"]["lines"] == 10
    replayed = validate_json(capture)
    # the pre-existing line is counted by validate only
    assert replayed["summary"]["events"] == served["summary"]["events"] + 1
    assert replayed["summary"]["malformed"] == served["summary"]["malformed"] == 1
    assert replayed["summary"]["invalid"] == served["summary"]["invalid"]
    assert replayed["summary"]["valid"] == served["summary"]["valid"] + 1
    # every example points at the line of the capture file validate points at
    assert served["violations"] == replayed["violations"]
    # the same objects as validate's: every key of its summary (unreadable and partial too) and document
    assert set(replayed["summary"]) <= set(served_summary) and set(replayed["summary"]) <= set(served["summary"])
    assert set(replayed) <= set(served) and served["input_errors"] == []
    assert served_summary["unreadable"] == 0 and served_summary["partial"] is False


def test_capture_replays_odd_members_and_numbers_to_the_same_summary(plan: Plan, tmp_path: Path) -> None:
    """Batch members that are arrays or batch payloads themselves (validate would expand such a line), numbers
    beyond a double, exact decimals and duplicate keys: the capture holds each message as sent (wrapped in
    ``[...]`` where a line would read as several), and the replay gives serve's summary and violation groups."""
    capture = tmp_path / "session.ndjson"
    order = orjson.dumps(VALID_ORDER)
    huge = order.replace(b'"currency"', b'"note":1e400,"currency"', 1)
    exact = order.replace(b'"currency"', b'"ratio":0.1000000000000000055511151231257827,"n":1E2,"z":-0,"currency"', 1)
    body = b'{"batch":[[],[' + order + b'],{"batch":[' + order + b"]}," + huge + b"," + exact + b"," + order + b"]}"
    with BackgroundServer(plan, ServeOptions(port=0, capture=str(capture))) as srv:
        assert httpx.post(srv.url + "/v1/batch", content=body, timeout=30).status_code in (200, 400)
        single = b'{"userId":"u1","traits":{"email":"a@b.co","n":1e400}}'
        httpx.post(srv.url + "/v1/identify", content=single, timeout=30)
        served = httpx.get(srv.url + "/report").json()
    lines = capture.read_bytes().splitlines()
    assert lines[0] == b"[[]]" and lines[1] == b"[[" + order + b"]]" and lines[2] == b'[{"batch":[' + order + b"]}]"
    assert lines[3] == huge and lines[4] == exact  # as sent, digits and all
    assert lines[6] == b'{"type":"identify","userId":"u1","traits":{"email":"a@b.co","n":1e400}}'
    replayed = validate_json(capture)
    keys = ("events", "valid", "invalid", "malformed")
    assert {k: replayed["summary"][k] for k in keys} == {k: served["summary"][k] for k in keys}
    assert served["summary"]["malformed"] == 0 and served["summary"]["valid"] == 1  # the last order alone
    groups = sorted((v["code"], v["count"]) for v in served["violations"])
    assert sorted((v["code"], v["count"]) for v in replayed["violations"]) == groups


def test_live_view_and_status_line_show_counts_and_violations(server: BackgroundServer) -> None:
    import io

    from rich.console import Console

    from cdpctl.serve.live import render, status_line

    post(server.url, "/v1/batch", {"batch": [VALID_ORDER, UNPLANNED, BAD_CURRENCY]})
    httpx.post(server.url + "/v1/batch", content=b"{", timeout=30)
    buffer = io.StringIO()
    Console(file=buffer, width=200, color_system=None).print(render(server.collector, server.url))
    text = buffer.getvalue()
    assert "4 events" in text and "1 valid" in text and "2 invalid" in text and "1 malformed" in text
    assert "Nope Happened" in text and "unplanned_event" in text and "value_not_allowed" in text
    assert "Newest invalid messages" in text and "properties.currency" in text
    line = status_line(server.collector)
    assert line.startswith("4 events, 1 valid, 2 invalid, 1 malformed, 0 warnings")
    assert "1 body not JSON" in line and "refused" not in line  # a malformed record, not a refused request


def test_hostile_messages_are_answered_and_never_lose_the_rest(server: BackgroundServer) -> None:
    deep = b'{"type":"track","event":"Order Completed","userId":"u","properties":{"p":' + b'{"a":' * 400
    deep += b"1" + b"}" * 400 + b"}}"
    deeper = b"[" * 1020 + b"]" * 1020
    deepest = b"[" * 15_000 + b"]" * 15_000
    junk = [b'{"type":"track","event":"A","userId":"u","properties":{"n":NaN}}', b"1e400", b"-Infinity"]
    body = b'{"batch":[' + b",".join([deep, deeper, deepest, orjson.dumps(VALID_ORDER), *junk]) + b"]}"
    response = httpx.post(server.url + "/v1/batch", content=body, timeout=30)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert answer["code"] == "invalid_message" and answer["accepted"] == 7
    # 400, 1,020, 15,000 levels, NaN and -Infinity: malformed; 1e400 is JSON (a number, so not a message)
    assert [m["index"] for m in answer["malformed"]] == [0, 1, 2, 4, 6]
    after = summary(server.url)
    assert (after["events"], after["valid"], after["malformed"], after["refused"]) == (7, 1, 5, 0)
    # the deeply nested messages are answered by /events as they were sent, never a server error
    events = httpx.get(server.url + "/events", timeout=30)
    assert events.status_code == 200
    newest = json.loads(events.content)  # 1e400 is sent as sent: JSON, an infinite number
    assert [e["message"] for e in newest[:3]] == ["-Infinity", float("inf"), junk[0].decode()]
    assert newest[1]["error"] is None and newest[1]["violations"]
    assert [e["error"] is None for e in newest[3:7]] == [True, False, False, False]
    assert newest[4]["message"] == deepest[:1024].decode() and newest[5]["message"] == deeper[:1024].decode()
    # a lone surrogate makes its one message malformed; a body that is no batch at all is one malformed body
    lone = b'{"batch":[{"type":"track","event":"\\ud800","userId":"u"},' + orjson.dumps(VALID_ORDER) + b"]}"
    assert httpx.post(server.url + "/v1/batch", content=lone, timeout=30).json()["accepted"] == 2
    assert httpx.post(server.url + "/v1/batch", content=b"[1e400", timeout=30).status_code == 400
    after = summary(server.url)
    assert (after["events"], after["valid"], after["malformed"]) == (10, 2, 7)
    # a single call nesting 255 levels is one malformed message, as cdpctl validate reads it, never refused
    single = b'{"event":"Order Completed","userId":"u","properties":{"p":' + b"[" * 253 + b"]" * 253 + b"}}"
    answer = httpx.post(server.url + "/v1/track", content=single, timeout=30)
    assert answer.status_code == 400 and "nests more than 200 levels" in answer.json()["message"]
    after = summary(server.url)
    assert (after["events"], after["malformed"], after["refused"]) == (11, 8, 0)
    assert httpx.get(server.url + "/healthz").status_code == 200
