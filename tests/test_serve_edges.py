"""Small edges of the collector's HTTP surface: write keys the SDKs can send, content codings, CORS header
names, ``Allow`` on 405, and the texts of bodies that are not JSON.  The real server on a loopback port."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator

import httpx
import orjson
import pytest
from serve_helpers import PLAN, VALID
from typer.testing import CliRunner

from cdpctl.cli import app
from cdpctl.loader import load_plan
from cdpctl.serve.runner import BackgroundServer, ServeOptions


@pytest.fixture(scope="module")
def server() -> Iterator[BackgroundServer]:
    with BackgroundServer(load_plan(PLAN), ServeOptions(port=0)) as srv:
        yield srv


def post(srv: BackgroundServer, body: bytes, path: str = "/v1/batch", **headers: str) -> httpx.Response:
    return httpx.post(srv.url + path, content=body, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--write-key", "abc:def"], "--write-key cannot hold ':'"),
        (["--write-key", ""], "--write-key is empty"),
        (["--write-key", "a\nb"], "--write-key cannot hold ':' or control characters"),
        (["--forward", "http://127.0.0.1:9", "--forward-write-key", "k:"], "--forward-write-key cannot hold ':'"),
    ],
)
def test_a_write_key_the_sdks_cannot_send_is_a_usage_error(args: list[str], text: str) -> None:
    result = CliRunner().invoke(app, ["serve", str(PLAN), "--port", "0", *args])
    assert result.exit_code == 2 and text in result.output, result.output


def test_deflate_with_bytes_after_its_data_is_refused(server: BackgroundServer) -> None:
    body = orjson.dumps({"batch": [VALID]})
    before = server.collector.report.events
    assert post(server, zlib.compress(body), **{"Content-Encoding": "deflate"}).status_code == 200
    for tail in (b"GARBAGE", zlib.compress(body)):
        answer = post(server, zlib.compress(body) + tail, **{"Content-Encoding": "deflate"})
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_encoding", answer.text
        assert "after the end of its deflate data" in answer.json()["message"]
    assert server.collector.report.events == before + 1


def test_a_preflight_allows_every_header_name_that_is_a_token(server: BackgroundServer) -> None:
    answer = httpx.options(
        server.url + "/v1/batch",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Headers": "content-type, x-a_b, bad name"},
        timeout=30,
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-headers"] == "content-type, x-a_b"


@pytest.mark.parametrize(("method", "path", "allow"), [("GET", "/v1/track", "POST, OPTIONS"), ("DELETE", "/summary", "GET, HEAD, OPTIONS"), ("GET", "/reset", "POST, OPTIONS")])
def test_a_405_says_which_methods_the_path_takes(server: BackgroundServer, method: str, path: str, allow: str) -> None:
    answer = httpx.request(method, server.url + path, timeout=30)
    assert answer.status_code == 405 and answer.headers["allow"] == allow


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        (b'{"type":"track","event":"X","userId":"u","properties":{"a":NaN}}', "/v1/track", "NaN is not a JSON number"),
        (b"[" * 300_000, "/v1/batch", "nests more than 200 levels of arrays and objects"),
        ('{"type":"track","event":"\u00e9","userId":"u"}'.encode("latin-1"), "/v1/track", "not UTF-8: byte 0xE9 at offset 25 (JSON text is UTF-8)"),
        (gzip.compress(orjson.dumps({"batch": [VALID]})), "/v1/batch", "the body is gzip data: send it with 'Content-Encoding: gzip'"),
    ],
    ids=["nan", "deep", "latin-1", "gzip-without-header"],
)
def test_a_body_that_is_not_json_says_why_in_words(server: BackgroundServer, body: bytes, path: str, message: str) -> None:
    answer = post(server, body, path)
    assert answer.status_code == 400 and answer.json() == {
        "success": False,
        "code": "invalid_json",
        "message": f"the body is not JSON: {message}",
    }


def test_a_malformed_message_of_a_batch_is_named_once(server: BackgroundServer) -> None:
    body = b'{"batch":[' + orjson.dumps(VALID) + b',{"type":"track","event":"Y","userId":"u","properties":{"a":NaN}}]}'
    answer = post(server, body)
    assert answer.status_code == 400 and answer.json()["malformed"][0]["message"] == "NaN is not a JSON number"
    messages = [g["message"] for g in httpx.get(server.url + "/violations", timeout=30).json() if g["code"] == "malformed_json"]
    assert "does not parse as JSON: NaN is not a JSON number" in messages
