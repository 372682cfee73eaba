"""The collector's pure parts: payload parsing, body decoding, auth, schema controls, capture lines."""

from __future__ import annotations

import base64
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from cdpctl.serve.capture import CaptureWriter, malformed_line
from cdpctl.serve.controls import Controls, apply_controls, remove_path
from cdpctl.serve.forward import RetryPolicy, batch_url
from cdpctl.serve.http import BadAuthorization, BadEncoding, BodyTooLarge, basic_auth_user, decode_body, query_flag
from cdpctl.serve.intake import BATCH, MESSAGE_LIMIT, BadPayload, NotJson, parse_payload


@dataclass(frozen=True)
class V:
    code: str
    path: str
    severity: str = "error"
    message: str = "problem"
    type: str | None = "track"
    event: str | None = "A"


def test_batch_payload_takes_write_key_out_and_keeps_every_message() -> None:
    body = orjson.dumps(
        {"writeKey": "wk", "batch": [{"type": "track", "event": "A", "writeKey": "inner"}, 5, {"type": "identify"}]}
    )
    payload = parse_payload(body, BATCH)
    assert payload.write_key == "wk"
    assert [a.message for a in payload.accepted] == [{"type": "track", "event": "A"}, 5, {"type": "identify"}]
    assert payload.accepted[0].raw == b'{"type":"track","event":"A"}'
    assert payload.rejected == []


def test_bare_array_is_a_batch_and_single_endpoint_fills_type() -> None:
    assert len(parse_payload(b'[{"type": "page"}, {"type": "screen"}]', BATCH).accepted) == 2
    single = parse_payload(b'{"event": "A", "writeKey": "k"}', "track")
    assert single.write_key == "k"
    assert single.accepted[0].message == {"event": "A", "type": "track"}
    # an explicit type is kept (and then judged by the envelope check)
    assert parse_payload(b'{"type": "identify"}', "track").accepted[0].message == {"type": "identify"}


def test_oversized_message_in_batch_is_rejected_alone() -> None:
    big = {"type": "track", "event": "Big", "properties": {"blob": "x" * MESSAGE_LIMIT}}
    payload = parse_payload(orjson.dumps({"batch": [{"type": "track", "event": "A"}, big, {"type": "page"}]}), BATCH)
    assert [a.message.get("event") for a in payload.accepted] == ["A", None]
    assert [r.index for r in payload.rejected] == [1]
    assert payload.rejected[0].size > MESSAGE_LIMIT


@pytest.mark.parametrize("body", [b"{nope", b"", b"\xff\xfe", b'{"a": 1} trailing'])
def test_non_json_bodies_raise_not_json(body: bytes) -> None:
    with pytest.raises(NotJson):
        parse_payload(body, BATCH)


@pytest.mark.parametrize("body", [b'{"batch": 3}', b'{"events": []}', b'"text"', b"7"])
def test_json_that_is_not_a_batch_raises_bad_payload(body: bytes) -> None:
    with pytest.raises(BadPayload):
        parse_payload(body, BATCH)


def test_decode_body_gzip_deflate_and_limits() -> None:
    data = b'{"batch": []}'
    assert decode_body(gzip.compress(data), "gzip", 1000) == data
    assert decode_body(zlib.compress(data), "deflate", 1000) == data
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)  # raw deflate, as some clients send it: read too
    assert decode_body(raw.compress(data) + raw.flush(), "deflate", 1000) == data
    assert decode_body(data, None, 1000) == data
    assert decode_body(data, "identity", 1000) == data
    bomb = gzip.compress(b" " * 10_000_000)
    assert len(bomb) < 20_000
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, "gzip", 500 * 1024)
    with pytest.raises(BadEncoding):
        decode_body(b"not gzip", "gzip", 1000)
    with pytest.raises(BadEncoding):
        decode_body(gzip.compress(data)[:-6], "gzip", 1000)
    with pytest.raises(BadEncoding):
        decode_body(data, "br", 1000)
    with pytest.raises(BodyTooLarge):
        decode_body(b"x" * 11, None, 10)


def test_basic_auth_user_and_flags() -> None:
    token = base64.b64encode(b"my-key:").decode()
    assert basic_auth_user(f"Basic {token}") == "my-key"
    assert basic_auth_user("Bearer abc") is None
    for broken in ("Basic !!!", "Basic d\u00e9j\u00e0", "B\u00e4sic abc", "Basic /w=="):
        with pytest.raises(BadAuthorization):
            basic_auth_user(broken)
    assert basic_auth_user(None) is None
    assert query_flag("false") is False and query_flag("TRUE") is True and query_flag(None) is None
    with pytest.raises(ValueError):
        query_flag("maybe")


def test_remove_path_handles_nesting_arrays_and_dotted_keys() -> None:
    message = {
        "properties": {
            "keep": 1,
            "extra": 2,
            "products": [{"id": "a", "junk": 1}, {"id": "b"}, {"id": "c", "junk": 3}],
            "a.b": {"c": 1, "d": 2},
        }
    }
    assert remove_path(message, "properties.extra") == 1
    assert remove_path(message, "properties.products[].junk") == 2
    assert remove_path(message, "properties.a.b.c") == 1
    assert remove_path(message, "properties.missing") == 0
    assert message == {"properties": {"keep": 1, "products": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "a.b": {"d": 2}}}


def test_controls_omit_record_and_never_mutate_the_input() -> None:
    message = {"type": "track", "event": "A", "properties": {"ok": 1, "x": 2}, "context": {"ip": "1.2.3.4"}}
    violations = [V("unplanned_property", "properties.x", message="'x' is not planned")]
    outcome = apply_controls(message, violations, Controls(omit_unplanned_properties=True, block_invalid=True))
    assert outcome.blocked is None  # its only problem was omitted
    assert outcome.omitted == ["properties.x"]
    assert outcome.message["properties"] == {"ok": 1}
    assert outcome.message["context"] == {
        "ip": "1.2.3.4",
        "violations": [
            {
                "code": "unplanned_property",
                "severity": "error",
                "type": "track",
                "event": "A",
                "path": "properties.x",
                "message": "'x' is not planned",
                "action": "omitted",
            }
        ],
    }
    assert message["properties"] == {"ok": 1, "x": 2} and "violations" not in message["context"]


def test_controls_block_rules() -> None:
    unplanned = [V("unplanned_event", "")]
    wrong = [V("type_mismatch", "properties.total")]
    warning = [V("deprecated_event", "", severity="warning")]
    message = {"type": "track"}
    assert apply_controls(message, unplanned, Controls(block_unplanned=True)).blocked == "unplanned"
    assert apply_controls(message, wrong, Controls(block_unplanned=True)).blocked is None
    assert apply_controls(message, wrong, Controls(block_invalid=True)).blocked == "invalid"
    assert apply_controls(message, unplanned, Controls(block_invalid=True)).blocked == "invalid"
    assert apply_controls(message, warning, Controls(block_invalid=True)).blocked is None
    untouched = apply_controls(message, wrong, Controls())
    assert untouched.message is message and untouched.blocked is None and not untouched.altered


def test_malformed_capture_line_stays_one_unparseable_line() -> None:
    for raw in (b'"abc\ndef"', b"\x1f\x8bjunk", b"", b"{\r\n"):
        line = malformed_line(raw)
        assert b"\n" not in line and not line.startswith(b"\x1f\x8b")
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(line)


def test_capture_writer_appends_and_continues_numbering(tmp_path: Path) -> None:
    path = tmp_path / "cap.ndjson"
    path.write_bytes(b'{"a":1}\n{"a":2}')  # no final newline
    writer = CaptureWriter.open(path)
    assert writer.line == 2
    assert writer.write(b'{"a":3}') == 3
    writer.close()
    assert path.read_bytes().splitlines() == [b'{"a":1}', b'{"a":2}', b'{"a":3}']


def test_forward_url_and_retry_policy() -> None:
    assert batch_url("https://api.segment.io") == "https://api.segment.io/v1/batch"
    assert batch_url("http://h:1/v1/batch/") == "http://h:1/v1/batch"
    policy = RetryPolicy(attempts=3, base=1.0, cap=5.0)
    assert all(0.5 <= policy.delay(0) <= 1.0 for _ in range(20))
    assert policy.delay(10) <= 5.0
    assert policy.delay(0, retry_after=2.0) == 2.0


def test_settings_merge_cli_over_config_over_defaults() -> None:
    from cdpctl.errors import ConfigError, UsageError
    from cdpctl.serve.settings import resolve

    section = {"port": 9000, "write_key": "cfg", "forward": "http://up.example", "block": "unplanned"}
    settings = resolve({"port": 9100, "keep": None, "block": []}, section)
    options = settings.options
    assert (options.port, options.write_key, options.host, options.keep) == (9100, "cfg", "127.0.0.1", 1000)
    assert options.controls == Controls(block_unplanned=True)
    both = resolve({"block": ["unplanned", "invalid"], "forward": "https://x"}, {}).options.controls
    assert both.block_unplanned and both.block_invalid
    for bad_section in ({"port": "80"}, {"nope": 1}, {"keep": True}, {"capture": ""}, {"output": ""}):
        with pytest.raises(ConfigError):
            resolve({}, bad_section)
    for bad_cli in (
        {"block": ["all"], "forward": "http://x"},
        {"omit_unplanned_properties": True},
        {"forward": "http://x", "forward_blocked": "http://y"},
        {"forward": "http://"},
        {"forward": "ftp://host"},
        {"port": -1},
        {"keep": 0},
        {"keep": 10**20},  # deque(maxlen=...) overflowed: a traceback
    ):
        with pytest.raises(UsageError):
            resolve(bad_cli, {})


def test_deeply_nested_messages_are_kept_as_sent_or_malformed_alone() -> None:
    # 200 levels (the message, properties, then 198 more) is read as any message
    at_limit = b'{"type": "track", "event": "A", "properties": {"p": ' + b'{"a":' * 197 + b"[]" + b"}" * 197 + b"}}"
    payload = parse_payload(b'{"batch": [' + at_limit + b', {"type": "page"}]}', BATCH)
    assert len(payload.accepted) == 2 and payload.rejected == [] and payload.malformed == 0
    assert orjson.loads(payload.accepted[0].raw) == payload.accepted[0].message
    # one level more, as cdpctl validate reads a record: one malformed message kept as sent, the next one read
    for levels in (198, 400, 1020):
        deep = b'{"type": "track", "event": "A", "properties": {"p": ' + b'{"a":' * levels + b"[]" + b"}" * levels + b"}}"
        payload = parse_payload(b'{"batch": [' + deep + b', {"type": "page"}]}', BATCH)
        assert payload.accepted[0].error == "nests more than 200 levels of arrays and objects"
        assert payload.accepted[0].raw == deep and payload.accepted[1].message == {"type": "page"}
        with pytest.raises(NotJson, match="nests more than 200 levels"):
            parse_payload(deep, "track")
    deeper = b"[" * 1020 + b"]" * 1020
    payload = parse_payload(b'{"batch": [' + deeper + b', {"type": "page"}]}', BATCH)
    assert [a.raw for a in payload.accepted] == [deeper, b'{"type": "page"}'] and payload.malformed == 1
    too_deep = b"[" * 5000 + b"]" * 5000  # too deep to read: one malformed message, the next one kept
    payload = parse_payload(b'{"batch": [' + too_deep + b', {"type": "page"}]}', BATCH)
    assert payload.accepted[0].error and payload.accepted[0].raw == too_deep
    assert payload.accepted[1].message == {"type": "page"} and payload.malformed == 1


def test_a_checker_failure_fails_safe_and_keeps_the_rest() -> None:
    from cdpctl.serve.intake import Accepted
    from cdpctl.serve.state import Collector

    class Exploding:
        def check(self, message: object) -> list[object]:
            if message == {"boom": True}:
                raise RuntimeError("unexpected")
            return []

    collector = Collector(Exploding())  # type: ignore[arg-type]
    items = [Accepted({"a": 1}, b'{"a":1}'), Accepted({"boom": True}, b'{"boom":true}'), Accepted({}, b"{}")]
    assert collector.ingest(items, None) == 3
    counts = collector.counts()
    assert (counts["events"], counts["valid"], counts["malformed"]) == (3, 2, 1)
    assert collector.counters.internal_errors == 1 and collector.has_errors
    assert "RuntimeError" in collector.events(valid=False)[0]["error"]


def test_too_deep_counts_levels_as_validate_does() -> None:
    import json
    import random

    from cdpctl.serve.jsonsplit import too_deep
    from cdpctl.validation.jsonread import MAX_DEPTH, nesting

    chooser = random.Random(3)

    def build(depth: int) -> str:  # strings holding brackets, quotes and backslashes beside the real levels
        if depth == 0:
            return chooser.choice(["1", '"]]"', '"\\"[["', '"x\\\\"', '"{"'])
        if chooser.random() < 0.5:
            return "[" + build(depth - 1) + "," + chooser.choice(["2", '"]"', '"\\\\"']) + "]"
        return '{"k\\"]":' + build(depth - 1) + ',"z":"}}"}'

    for _ in range(300):
        text = build(chooser.randint(190, 210)).encode()
        json.loads(text)
        assert too_deep(text) == (nesting(text) > MAX_DEPTH)
    assert not too_deep(b"[" * 5000)  # does not close: judged by the parser, not here


def test_a_capture_that_is_not_a_regular_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A FIFO as ``--capture`` waited for a reader before the collector listened, ``/dev/zero`` was read for
    ever to count its lines (100% CPU), and ``--capture /dev/stdout`` into a pipe hung too: refused at once."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "cap.fifo"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/zero")):
        with pytest.raises(OSError, match="not a regular file"):
            CaptureWriter.open(target)
    null = CaptureWriter.open(os.devnull)  # turns a configured capture off
    assert null.write(b"{}") == 1
    plan = Path(__file__).resolve().parents[1] / "plans" / "acme-shop.yaml"
    done = subprocess.run([sys.executable, "-m", "cdpctl", "serve", str(plan), "--port", "0", "--no-live", "--capture",
                           str(fifo)], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "cannot open the capture file" in done.stderr and "not a regular file" in done.stderr
