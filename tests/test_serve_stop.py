"""What ``serve`` does with a request it received but could not answer: a client that left before its answer,
bodies still waiting for the checker when the collector stopped.  The real server on a loopback port; the
checker is the real validator, held on one message until the test lets it go."""

from __future__ import annotations

import socket
import threading
from typing import Any

import orjson
import pytest
from serve_helpers import PLAN, VALID, held_checker

from cdpctl.loader import load_plan
from cdpctl.serve.runner import BackgroundServer, ServeOptions


def request(batch: list[dict[str, Any]]) -> bytes:
    body = orjson.dumps({"batch": batch})
    return b"POST /v1/batch HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=30)


def answer(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def wait_for(condition: Any, timeout: float = 30) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("client_stays", [True, False])
def test_a_client_that_left_before_its_answer_is_not_recorded(client_stays: bool) -> None:
    """An SDK that timed out sends the batch again: recording the first copy too would count it twice."""
    with BackgroundServer(load_plan(PLAN), ServeOptions(port=0)) as srv, held_checker(srv) as (entered, release):
        sock = connect(srv.url)
        sock.sendall(request([{**VALID, "event": "Hold"}, VALID]))
        assert entered.wait(30)
        if not client_stays:
            sock.close()
            wait_for(lambda: srv.collector.counters.requests == 1)
            threading.Event().wait(0.3)  # the server sees the connection close
        release.set()
        if client_stays:
            assert answer(sock).startswith(b"HTTP/1.1 200 ")
            sock.close()
            wait_for(lambda: srv.collector.report.events == 2)
        else:
            wait_for(lambda: srv.collector.counters.aborted == 1)
            assert srv.collector.report.events == 0
        assert srv.collector.counters.not_recorded() == ()


def test_bodies_still_waiting_for_the_checker_when_the_collector_stops_are_answered_503_and_fail_the_run() -> None:
    server = BackgroundServer(load_plan(PLAN), ServeOptions(port=0, graceful_timeout=1)).start()
    with held_checker(server) as (entered, release):
        first = connect(server.url)
        first.sendall(request([{**VALID, "event": "Hold"}]))
        assert entered.wait(30)
        second = connect(server.url)
        second.sendall(request([VALID]))
        wait_for(lambda: server.collector.counters.requests == 2)
        threading.Timer(3, release.set).start()  # after the grace: the worker thread can then end
        server.stop()
        answers = [answer(first), answer(second)]
    first.close()
    second.close()
    for got in answers:
        assert got.startswith(b"HTTP/1.1 503 ") and b'"shutting_down"' in got, got[:300]
    counters = server.collector.counters
    assert counters.unchecked_at_stop == 2 and server.collector.report.events == 0
    assert counters.not_recorded() == (
        "2 requests received but not yet checked when the collector stopped (answered 503)",
    )


def test_bodies_waiting_for_the_checker_are_bounded_in_bytes() -> None:
    """Past the budget a new request is answered 503 (retry) before its body is read; one request at a time
    is always taken, whatever its size."""
    with BackgroundServer(load_plan(PLAN), ServeOptions(port=0)) as srv, held_checker(srv) as (entered, release):
        srv.built.app.in_flight_budget = 2_000
        first = connect(srv.url)
        first.sendall(request([{**VALID, "event": "Hold"}] + [VALID] * 20))  # over the budget alone: taken
        assert entered.wait(30)
        second = connect(srv.url)
        second.sendall(request([VALID] * 20))
        refused = answer(second)
        assert refused.startswith(b"HTTP/1.1 503 ") and b'"collector_busy"' in refused and b"retry-after: 1" in refused.lower()
        release.set()
        assert answer(first).startswith(b"HTTP/1.1 200 ")
        third = connect(srv.url)
        third.sendall(request([VALID] * 20))
        assert answer(third).startswith(b"HTTP/1.1 200 ")
        for sock in (first, second, third):
            sock.close()
        wait_for(lambda: srv.collector.report.events == 41)
        assert srv.collector.counters.unavailable == 1 and srv.collector.counters.not_recorded() == ()
