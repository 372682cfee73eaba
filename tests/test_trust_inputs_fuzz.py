"""Property-based fuzzing of the record reader: any bytes, any compression, any block size, no traceback.

The reader (:func:`cdpctl.validation.inputs.iter_blocks`, through
:func:`cdpctl.validation.runner.validate_sources`) must end every input with a
report, or an input error naming the file: never another exception.  Seeds of
failures found once are kept below as regression examples.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import zstandard
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cdpctl.loader import load_plan
from cdpctl.validation import Validator
from cdpctl.validation.inputs import Source
from cdpctl.validation.runner import validate_sources

ROOT = Path(__file__).resolve().parents[1]
GOOD = {"type": "track", "event": "Order Completed", "userId": "u", "properties": {"order_id": "o"}}

_VALIDATOR: list[Validator] = []


def validator() -> Validator:
    if not _VALIDATOR:
        _VALIDATOR.append(Validator(load_plan(str(ROOT / "plans" / "acme-shop.yaml"))))
    return _VALIDATOR[0]


pieces = st.one_of(
    st.just(json.dumps(GOOD).encode()),
    st.just(json.dumps([GOOD, GOOD]).encode()),
    st.just(b"["),
    st.just(b"{"),
    st.just(b"\n"),
    st.just(b"\r\n"),
    st.just(b"\xef\xbb\xbf"),
    st.just(b"\xff\xfe"),
    st.just(b"\x1f\x8b"),
    st.just(b"\x28\xb5\x2f\xfd"),
    st.binary(max_size=64),
    st.text(max_size=40).map(str.encode),
)
contents = st.lists(pieces, max_size=30).map(b"".join)


def compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data)
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    data=contents,
    how=st.sampled_from(["plain", "gzip", "zstd"]),
    cut=st.integers(min_value=0, max_value=40),
    block_size=st.sampled_from([1, 7, 64, 4096]),
    max_record=st.sampled_from([1, 16, 100, 1 << 20]),
)
@example(data=b'[{"a":1}]\n{"b":2}', how="plain", cut=0, block_size=7, max_record=16)
@example(data=b"\x1f\x8b", how="plain", cut=0, block_size=1, max_record=1)
@example(data=b"\xef\xbb\xbf", how="plain", cut=0, block_size=1, max_record=1)
@example(data=b"{" * 40 + b"\n" + json.dumps(GOOD).encode(), how="zstd", cut=3, block_size=64, max_record=16)
def test_the_record_reader_never_raises(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, how: str, cut: int, block_size: int, max_record: int
) -> None:
    stored = compress(data, how)
    stored = stored[: len(stored) - cut] if cut and how != "plain" else stored
    path = tmp_path_factory.mktemp("fuzz") / "input.ndjson"
    path.write_bytes(stored)
    result = validate_sources(
        validator(), [Source(str(path))], jobs=1, block_size=block_size, max_record=max_record
    )
    summary: dict[str, Any] = result.report.summary()
    assert summary["events"] == summary["valid"] + summary["invalid"] + summary["malformed"]
    assert all(str(path) in error for error in result.input_errors)
    magic = data.startswith((b"\xff\xfe", b"\x1f\x8b", b"\x28\xb5\x2f\xfd"))  # read as what the bytes say
    if how == "plain" and not magic:
        assert not result.input_errors
        body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data  # a leading UTF-8 BOM is not data
        lines = [line for line in body.split(b"\n") if line.strip()]
        if all(len(line) <= max_record for line in lines) and body.lstrip()[:1] not in (b"[", b"{"):
            assert summary["events"] >= len(lines)  # every line counted: none lost between blocks
