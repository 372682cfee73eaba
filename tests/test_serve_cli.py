"""``cdpctl serve`` as a process: start-up, SIGTERM/SIGINT shutdown, the report and the exit status."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from serve_helpers import PLAN, ROOT, UNPLANNED, VALID, serve_process


@pytest.fixture()
def serve() -> Iterator[Any]:
    with serve_process() as start:
        yield start


def post(url: str, messages: list[Any]) -> httpx.Response:
    return httpx.post(url + "/v1/batch", content=orjson.dumps({"batch": messages}), timeout=30)


def test_sigterm_prints_report_and_fails_on_violation(serve: Any) -> None:
    served = serve("--format", "json")
    assert post(served.url, [VALID, UNPLANNED, VALID]).status_code == 200
    code, out, err = served.stop(signal.SIGTERM)
    assert code == 1, err
    report = json.loads(out)
    assert report["summary"]["events"] == 3 and report["summary"]["invalid"] == 1
    assert [g["code"] for g in report["violations"]] == ["unplanned_event"]
    assert "Traceback" not in err and "stopped" in err


def test_sigint_with_only_valid_events_exits_zero(serve: Any) -> None:
    served = serve("--format", "json")
    assert post(served.url, [VALID, VALID]).status_code == 200
    code, out, err = served.stop(signal.SIGINT)
    assert code == 0, err
    assert "Traceback" not in err and "CancelledError" not in err and "stopped" in err
    assert json.loads(out)["summary"] == {
        "events": 2, "valid": 2, "invalid": 0, "malformed": 0, "warnings": 0, "refused": 0, "unreadable": 0, "partial": False,
    }  # fmt: skip


def test_reset_clears_the_shutdown_status(serve: Any) -> None:
    served = serve("--format", "json")
    post(served.url, [UNPLANNED])
    assert httpx.post(served.url + "/reset", timeout=30).status_code == 200
    post(served.url, [VALID])
    code, out, _ = served.stop()
    assert code == 0
    assert json.loads(out)["summary"]["events"] == 1


def test_report_to_file_in_junit(serve: Any, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    target = tmp_path / "serve-report.xml"
    served = serve("--format", "junit", "--output", str(target))
    post(served.url, [VALID, UNPLANNED])
    code, out, err = served.stop()
    assert code == 1 and out == ""
    root = ET.fromstring(target.read_text())
    cases = list(root.iter("testcase"))
    assert cases and any(case.find("failure") is not None for case in cases)
    assert "Not In The Plan" in target.read_text()


def test_text_report_is_printed(serve: Any) -> None:
    served = serve()
    post(served.url, [UNPLANNED])
    code, out, err = served.stop()
    assert code == 1
    assert "Not In The Plan" in out and "unplanned_event" in out and "FAIL" in out
    assert "{" not in out  # the rich table, not JSON


def test_in_flight_request_finishes_after_the_signal(serve: Any) -> None:
    served = serve("--format", "json")
    host, port = served.url.removeprefix("http://").rsplit(":", 1)
    body = orjson.dumps({"batch": [VALID, UNPLANNED]})
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        head = f"POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        conn.sendall(head.encode() + body[:10])
        # wait until the server is reading this request (it counts a request when it starts one)
        while httpx.get(served.url + "/summary", timeout=30).json()["collector"]["requests"] < 1:
            time.sleep(0.05)
        served.process.send_signal(signal.SIGTERM)
        # wait until it has stopped accepting connections: shutdown has begun
        while True:
            try:
                httpx.get(served.url + "/healthz", timeout=5)
            except httpx.TransportError:
                break
            time.sleep(0.05)
        conn.sendall(body[10:])  # the rest of the body arrives after the signal
        response = conn.recv(65536)
    assert response.startswith(b"HTTP/1.1 200")
    out, err = served.process.communicate(timeout=60)
    assert served.process.returncode == 1, err.decode()
    assert json.loads(out)["summary"]["events"] == 2


def test_busy_port_and_bad_options_exit_2() -> None:
    from typer.testing import CliRunner

    from cdpctl.cli import app

    runner = CliRunner()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["serve", "--plan", PLAN, "--port", str(port), "--no-live"])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    for args in (
        ["--block", "everything", "--forward", "http://127.0.0.1:9"],
        ["--block", "invalid"],
        ["--forward", "ftp://x"],
        ["--forward", "http://127.0.0.1:9", "--forward-blocked", "http://127.0.0.1:9"],
        ["--capture", str(ROOT / "no-such-dir" / "x.ndjson")],
        ["--port", "70000"],
        ["--format", "yaml"],
    ):
        result = runner.invoke(app, ["serve", "--plan", PLAN, "--port", "0", "--no-live", *args])
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.startswith("cdpctl: error:"), result.stderr
    result = runner.invoke(app, ["serve", "--plan", "no-such-plan.yaml", "--port", "0"])
    assert result.exit_code == 2
    assert "no-such-plan.yaml" in result.stderr and "Traceback" not in result.output


def test_a_session_without_events_is_named_and_exit_two_when_events_are_required(serve: Any) -> None:
    """An SDK that never reached the collector: exit 0 as the contract says (no violation seen), with a note
    on stderr; with ``--require-events`` it is ``no events read``, exit 2, in the report as ``validate``."""
    served = serve("--format", "json")
    assert httpx.get(served.url + "/healthz", timeout=30).status_code == 200  # up, its signal handlers set
    code, out, err = served.stop(signal.SIGTERM)
    assert code == 0, err
    assert json.loads(out)["summary"]["events"] == 0
    assert "no event arrived" in err and "--require-events" in err and "Traceback" not in err
    served = serve("--require-events", "--format", "json")
    assert httpx.get(served.url + "/healthz", timeout=30).status_code == 200
    code, out, err = served.stop(signal.SIGTERM)
    assert code == 2, err
    assert json.loads(out)["summary"]["events"] == 0 and "no events read" in err
    served = serve("--require-events", "--format", "markdown")
    assert httpx.get(served.url + "/healthz", timeout=30).status_code == 200
    code, out, err = served.stop(signal.SIGINT)
    assert code == 2 and "no events read" in out
    served = serve("--require-events", "--format", "json")  # one event: the usual verdict
    assert post(served.url, [VALID]).status_code == 200
    code, out, err = served.stop()
    assert code == 0 and "no event" not in err, err
    served = serve("--require-events", "--format", "json")  # a body that is not JSON: a failure, not an empty session
    assert httpx.post(served.url + "/v1/batch", content=b"{", timeout=30).status_code == 400
    code, out, err = served.stop()
    summary = json.loads(out)["summary"]
    assert code == 1 and summary["malformed"] + summary["refused"] == 1 and "no events read" not in err
