"""``serve`` never gives a false OK, never a server error, and stays bounded: the trust promises, each pinned.

Real parts throughout: the uvicorn server on a loopback port (in a thread, or as a
``cdpctl serve`` process for signals and file-size limits), raw sockets for what
an HTTP client library refuses to send, and upstreams that never answer.
"""

from __future__ import annotations

import base64
import gzip
import json
import resource
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from serve_helpers import PLAN, UNPLANNED, VALID, Blackhole, held_checker, raw_request, serve_process

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.serve.intake import LIMITS, make_limits
from cdpctl.serve.runner import BackgroundServer, ServeOptions


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(PLAN)


@pytest.fixture()
def server(plan: Plan) -> Iterator[BackgroundServer]:
    with BackgroundServer(plan, ServeOptions(port=0)) as srv:
        yield srv


def summary(url: str, **kwargs: Any) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(url + "/summary", timeout=30, **kwargs).json()
    return result


def post_raw(url: str, body: bytes, path: str = "/v1/batch", **kwargs: Any) -> httpx.Response:
    return httpx.post(url + path, content=body, timeout=30, **kwargs)


# --- refused bodies are counted and fail the run ------------------------------------------------


def test_refused_bodies_are_counted_by_messages_or_bodies(plan: Plan) -> None:
    with BackgroundServer(plan, ServeOptions(port=0, write_key="k")) as srv:
        key = ("k", "")
        assert post_raw(srv.url, orjson.dumps({"batch": [VALID, VALID, VALID]})).status_code == 401  # 3 messages
        assert post_raw(srv.url, b'{"nobatch": 1}', auth=key).status_code == 400  # 1 body
        assert post_raw(srv.url, b"x" * 600_000, auth=key).status_code == 413  # 1 body
        assert post_raw(srv.url, b"nope", auth=key, headers={"Content-Encoding": "gzip"}).status_code == 400
        big = {**VALID, "properties": {**VALID["properties"], "blob": "x" * 40_000}}
        response = post_raw(srv.url, orjson.dumps({"batch": [big, VALID]}), auth=key)  # 1 message refused
        assert response.status_code == 413 and response.json()["accepted"] == 1
        got = summary(srv.url, auth=key)
        assert got["refused"] == 3 + 1 + 1 + 1 + 1
        assert (got["events"], got["valid"], got["invalid"], got["malformed"]) == (1, 1, 0, 0)
        assert got["collector"]["refused"] == 7
        assert srv.collector.has_errors  # nothing invalid was seen, but refused data was never checked


def test_refused_only_run_exits_1_and_names_it_in_every_format(tmp_path: Path) -> None:
    with serve_process() as start:
        served = start("--format", "json")
        assert httpx.post(served.url + "/v1/batch", content=b'{"batch": 5}', timeout=30).status_code == 400
        assert served.post([VALID]).status_code == 200
        code, out, err = served.stop(signal.SIGTERM)
        assert code == 1, err
        assert json.loads(out)["summary"] == {
            "events": 1,
            "valid": 1,
            "invalid": 0,
            "malformed": 0,
            "warnings": 0,
            "refused": 1,
            "unreadable": 0,
            "partial": False,
        }
        served = start("--format", "text")
        assert httpx.post(served.url + "/v1/track", content=b"x" * 40_000, timeout=30).status_code == 413
        code, out, err = served.stop(signal.SIGINT)
        assert code == 1 and "FAIL" in out and "1 refused unchecked" in out, out


# --- signals: the first stops gracefully, a second interrupts the shutdown ----------------------


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_second_signal_interrupts_shutdown_partial_report(sig: int, code: int) -> None:
    upstream = Blackhole()  # the drain waits for an upstream that never answers
    try:
        with serve_process("--forward", upstream.url, "--drain-timeout", "300", "--format", "json") as start:
            served = start()
            assert served.post([VALID, VALID]).status_code == 200
            served.send(sig)
            deadline = time.monotonic() + 60
            while not upstream.connections and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            returncode, out, err = served.stop(sig)
    finally:
        upstream.close()
    assert returncode == code, err
    report = json.loads(out)
    assert report["summary"]["partial"] is True and report["summary"]["events"] == 2
    assert "the report is partial" in err and "2 failed" in err and "Traceback" not in err
    assert "cdpctl: interrupted" not in err  # the report said it: no line after it


@pytest.mark.parametrize("signals", [1, 2])
def test_an_upload_still_arriving_at_shutdown_is_aborted_without_a_traceback(signals: int) -> None:
    """A client that sent headers and half its body, then stalls: the graceful shutdown waits for it, then cuts
    it short (nothing was acknowledged, nothing of it was read: the run fails and names it); a second signal
    cuts the wait. Never a traceback: every line on stderr is cdpctl's own."""
    with serve_process("--format", "json") as start:
        served = start()
        assert served.post([VALID]).status_code == 200
        host, port = served.url.removeprefix("http://").rsplit(":", 1)
        stalled = socket.create_connection((host, int(port)), timeout=30)
        try:
            stalled.sendall(b"POST /v1/identify HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"type\":")
            time.sleep(0.5)
            served.send(signal.SIGTERM)
            if signals == 2:
                time.sleep(1)
                served.send(signal.SIGTERM)
            returncode, out, err = served.wait()
        finally:
            stalled.close()
    assert returncode == (1 if signals == 1 else 143), err
    assert "Traceback" not in err and all(line.startswith("cdpctl") for line in err.splitlines() if line.strip()), err
    report = json.loads(out)
    assert report["summary"]["events"] == 1
    if signals == 1:
        assert report["not_recorded"] == ["1 request still uploading when the collector stopped (answered 503)"]
        assert "error: 1 request still uploading when the collector stopped" in err
    else:  # the report's verdict says what the process exits with (it said 1 while the process exited 143)
        assert report["verdict"] == {"ok": False, "status": "INTERRUPTED", "reason": "stopped by SIGTERM, partial report",
                                     "exit_code": 143}


# --- bodies that used to give a server error or a wrong count -----------------------------------


def test_non_ascii_authorization_header_is_401(plan: Plan) -> None:
    for write_key in (None, "k"):
        with BackgroundServer(plan, ServeOptions(port=0, write_key=write_key)) as srv:
            body = orjson.dumps({"batch": [VALID]})
            for header in ("Basic d\u00e9j\u00e0".encode("latin-1"), "Basic \u00e9t\u00e9".encode(), b"Basic !!!"):
                head = (
                    b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + header + b"\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
                )
                answer = raw_request(srv.url, head, body)
                assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
                query = b"GET /summary HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + header
                assert raw_request(srv.url, query + b"\r\n\r\n").startswith(b"HTTP/1.1 401 ")
            assert srv.collector.counters.internal_errors == 0
            assert srv.collector.report.refused == 3 and srv.collector.report.events == 0


def test_client_aborting_mid_upload_is_counted_as_aborted_not_malformed(server: BackgroundServer) -> None:
    body = orjson.dumps({"batch": [VALID] * 50})
    head = b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    for _ in range(3):
        raw_request(server.url, head, body[: len(body) // 2], close_early=True)
    deadline = time.monotonic() + 30
    while server.collector.counters.aborted < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    got = summary(server.url)
    assert got["collector"]["aborted"] == 3
    assert (got["events"], got["malformed"], got["refused"]) == (0, 0, 0)


def test_gzip_body_of_several_members_is_read_whole(server: BackgroundServer) -> None:
    text = orjson.dumps({"batch": [VALID, UNPLANNED, VALID]})
    members = gzip.compress(text[:10]) + gzip.compress(text[10:40]) + gzip.compress(text[40:])
    assert gzip.decompress(members) == text  # what gzip -d reads
    response = post_raw(server.url, members, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 200, response.text
    got = summary(server.url)
    assert (got["events"], got["valid"], got["invalid"], got["malformed"]) == (3, 2, 1, 0)
    truncated = members[:-5]
    assert post_raw(server.url, truncated, headers={"Content-Encoding": "gzip"}).status_code == 400


def test_non_finite_and_huge_numbers_never_fail_the_batch(server: BackgroundServer, tmp_path: Path) -> None:
    bad = [b'{"type":"track","event":"X","userId":"u","properties":{"v":%s}}' % token for token in (
        b"NaN", b"Infinity", b"-Infinity", b"1e400")]
    huge = b'{"type":"track","event":"Order Completed","userId":"u","properties":{"order_id":"o","total":18446744073709551617,"currency":"EUR","products":[]}}'
    body = b'{"batch":[' + b",".join([orjson.dumps(VALID), *bad, huge, orjson.dumps(VALID)]) + b"]}"
    response = post_raw(server.url, body)
    assert response.status_code == 400 and response.json()["accepted"] == 7
    assert [m["index"] for m in response.json()["malformed"]] == [1, 2, 3]  # 1e400 is JSON: an infinite number
    got = summary(server.url)
    assert (got["events"], got["malformed"]) == (7, 3)
    assert got["valid"] + got["invalid"] == 4
    # the big integer is kept exactly as it was sent
    events = httpx.get(server.url + "/events", params={"event": "Order Completed"}, timeout=30)
    assert b"18446744073709551617" in events.content


def test_capture_keeps_big_integers_and_broken_messages_as_sent(plan: Plan, tmp_path: Path) -> None:
    capture = tmp_path / "c.ndjson"
    huge = b'{"type":"track","event":"A","userId":"u","properties":{"n":18446744073709551617}}'
    with BackgroundServer(plan, ServeOptions(port=0, capture=str(capture))) as srv:
        post_raw(srv.url, b'{"batch":[' + huge + b',\n{"type":"track","event":"A","userId":"u","x":NaN}]}')
    assert capture.read_bytes() == huge + b"\n" + b'{"type":"track","event":"A","userId":"u","x":NaN}\n'


# --- size limits ---------------------------------------------------------------------------------


def _big(size: int) -> dict[str, Any]:
    return {**VALID, "context": {"blob": "x" * size}}


def test_limits_segment_rudderstack_none_and_explicit(plan: Plan) -> None:
    batch = orjson.dumps({"batch": [_big(40_000), *[_big(20_000)] * 40]})  # ~860 KB, one message over 32 KB
    assert len(batch) > 500 * 1024
    with BackgroundServer(plan, ServeOptions(port=0)) as srv:
        assert post_raw(srv.url, batch).status_code == 413
        assert summary(srv.url)["refused"] == 1
    with BackgroundServer(plan, ServeOptions(port=0, limits=LIMITS["rudderstack"])) as srv:
        assert post_raw(srv.url, batch).status_code == 200
        assert post_raw(srv.url, orjson.dumps(_big(40_000)), "/v1/track").status_code == 413
        got = summary(srv.url)
        assert (got["events"], got["valid"], got["warnings"], got["refused"]) == (41, 41, 1, 1)
        groups = httpx.get(srv.url + "/violations", params={"code": "message_too_large"}, timeout=30).json()
        assert groups[0]["severity"] == "warning" and groups[0]["count"] == 1
    with BackgroundServer(plan, ServeOptions(port=0, limits=LIMITS["none"])) as srv:
        assert post_raw(srv.url, orjson.dumps(_big(100_000)), "/v1/track").status_code == 200
        assert post_raw(srv.url, orjson.dumps({"batch": [_big(1_000_000)] * 5})).status_code == 200
        got = summary(srv.url)
        assert (got["events"], got["warnings"], got["refused"]) == (6, 6, 0)
        assert not srv.collector.has_errors  # warnings only: exit 0
    with BackgroundServer(plan, ServeOptions(port=0, limits=make_limits("none", 50_000, 200_000))) as srv:
        assert post_raw(srv.url, orjson.dumps({"batch": [_big(45_000)]})).status_code == 200
        assert post_raw(srv.url, orjson.dumps({"batch": [_big(55_000)]})).status_code == 413
        assert post_raw(srv.url, orjson.dumps({"batch": [_big(45_000)] * 5})).status_code == 413


def test_a_batch_over_segments_message_count_is_refused_whole(plan: Plan) -> None:
    """Segment's HTTP API takes at most 2,500 messages a batch and drops a batch that holds more: such a batch
    was accepted and counted valid (a false OK). It is refused whole now (413 ``too_many_messages``, every
    message counted in ``refused``); a wrong key is still a 401; other limits take it."""
    small = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o"}}
    over, full = orjson.dumps({"batch": [small] * 2501}), orjson.dumps({"batch": [small] * 2500})
    with BackgroundServer(plan, ServeOptions(port=0)) as srv:
        answer = post_raw(srv.url, over)
        assert answer.status_code == 413 and answer.json()["code"] == "too_many_messages"
        assert "at most 2,500 messages; this one holds 2,501" in answer.json()["message"]
        assert post_raw(srv.url, orjson.dumps([small] * 2501)).status_code == 413  # a bare array too
        assert post_raw(srv.url, full).status_code == 200
        got = summary(srv.url)
        assert (got["events"], got["refused"]) == (2500, 5002)
        assert srv.collector.has_errors
    keyed = orjson.dumps({"writeKey": "k", "batch": [small] * 2501})
    with BackgroundServer(plan, ServeOptions(port=0, write_key="k")) as srv:
        assert post_raw(srv.url, keyed).status_code == 413
        assert post_raw(srv.url, over).status_code == 401
    for name in ("rudderstack", "none"):
        with BackgroundServer(plan, ServeOptions(port=0, limits=LIMITS[name])) as srv:
            assert post_raw(srv.url, over).status_code == 200
            assert summary(srv.url)["events"] == 2501


def test_limits_options_on_the_command_line() -> None:
    with serve_process("--limits", "rudderstack", "--format", "json") as start:
        served = start()
        assert served.post([_big(40_000), VALID]).status_code == 200
        code, out, err = served.stop()
        assert code == 0, err
        report = json.loads(out)
        assert report["summary"]["warnings"] == 1
        assert [g["code"] for g in report["violations"]] == ["message_too_large"]
    with serve_process("--max-message-bytes", "1000") as start:
        served = start()
        assert served.post([_big(2000)]).status_code == 413
        assert served.stop()[0] == 1


# --- the capture and the forward queue: 503 rather than a false 200 or unbounded memory ---------


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def test_disk_full_while_capturing_answers_503_never_200(tmp_path: Path) -> None:
    capture = tmp_path / "capture.ndjson"
    with serve_process("--capture", str(capture), "--format", "json", preexec=_limit_file_size(20_000)) as start:
        served = start()
        answers = [served.post([VALID] * 5) for _ in range(30)]
        statuses = [a.status_code for a in answers]
        assert 200 in statuses and 503 in statuses, statuses
        assert set(statuses) == {200, 503}
        assert statuses == sorted(statuses)  # once full, every request is refused with 503
        failed = answers[statuses.index(503)]
        assert failed.json()["code"] == "capture_failed" and failed.headers["retry-after"]
        ok = statuses.count(200)
        code, out, err = served.stop()
    lines = capture.read_bytes().splitlines()
    assert len(lines) == ok * 5  # every 200 captured whole, nothing of a 503 kept
    report = json.loads(out)
    assert report["summary"]["events"] == ok * 5
    # what was not captured is named, and the run fails: the capture misses what the clients sent
    refused = len(statuses) - ok
    plural = "s" if refused != 1 else ""
    assert report["not_recorded"] == [f"{refused} request{plural} not captured (the capture could not be written; answered 503)"]
    assert code == 1, err


def test_forward_queue_bounded_in_bytes_answers_503(plan: Plan) -> None:
    upstream = Blackhole()
    try:
        options = ServeOptions(port=0, forward=upstream.url, forward_queue_bytes=50_000, drain_timeout=0)
        with BackgroundServer(plan, options) as srv:
            statuses = [post_raw(srv.url, orjson.dumps({"batch": [_big(5_000)] * 3})).status_code for _ in range(10)]
            assert statuses[0] == 200 and 503 in statuses
            assert srv.collector.forwarder is not None
            assert srv.collector.forwarder.pending_bytes <= 50_000 + 16_000
            got = summary(srv.url)
            assert got["events"] == statuses.count(200) * 3
            assert got["collector"]["unavailable"] == statuses.count(503)
    finally:
        upstream.close()


# --- validation runs off the event loop ----------------------------------------------------------


def test_healthz_answers_while_a_batch_is_being_checked(plan: Plan) -> None:
    with BackgroundServer(plan, ServeOptions(port=0)) as srv, held_checker(srv) as (entered, release):
        held: list[httpx.Response] = []
        sender = threading.Thread(
            target=lambda: held.append(post_raw(srv.url, orjson.dumps({"batch": [{**VALID, "event": "Hold"}]})))
        )
        sender.start()
        assert entered.wait(30)
        assert httpx.get(srv.url + "/healthz", timeout=10).status_code == 200
        assert summary(srv.url)["events"] == 0
        release.set()
        sender.join(30)
        assert held[0].status_code == 200 and summary(srv.url)["events"] == 1


def test_basic_auth_still_accepted(plan: Plan) -> None:
    with BackgroundServer(plan, ServeOptions(port=0, write_key="k\u00e9y")) as srv:
        token = base64.b64encode("k\u00e9y:".encode()).decode()
        response = post_raw(srv.url, orjson.dumps({"batch": [VALID]}), headers={"Authorization": f"Basic {token}"})
        assert response.status_code == 200


def test_catastrophic_plan_pattern_does_not_freeze_the_collector(tmp_path: Path) -> None:
    plan_file = tmp_path / "hostile.yaml"
    plan_file.write_text(
        "plan: Hostile\nversion: 1.0.0\nevents:\n  Signed Up:\n    properties:\n"
        '      code: {type: string, pattern: "^(a+)+$"}\n'
    )
    hostile = {"type": "track", "event": "Signed Up", "userId": "u", "properties": {"code": "a" * 30_000 + "!"}}
    with BackgroundServer(load_plan(str(plan_file)), ServeOptions(port=0)) as srv:
        answers: list[httpx.Response] = []
        body = orjson.dumps({"batch": [hostile] * 10})
        sender = threading.Thread(target=lambda: answers.append(post_raw(srv.url, body)))
        sender.start()
        assert httpx.get(srv.url + "/healthz", timeout=30).status_code == 200
        sender.join(120)
        assert answers[0].status_code == 200
        got = summary(srv.url)
        assert (got["events"], got["invalid"]) == (10, 10)
        codes = {g["code"] for g in httpx.get(srv.url + "/violations", timeout=30).json()}
        assert codes == {"constraint_failed"}
