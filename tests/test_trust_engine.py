"""The engine on hostile records: deep nesting, integers beyond 64 bits, NaN and Infinity.

Each record is checked through every route a log takes: ``validate_lines`` with
and without the fast path, ``--split``, ``--jobs 2`` (worker processes) and the
Spark partition code; the verdicts must be the same everywhere, and under
any Python version (the depth limit is cdpctl's own).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.spark.partition import partition_records, partition_reports
from cdpctl.validation import Report, Validator, validate_lines
from cdpctl.validation.inputs import Source
from cdpctl.validation.jsonread import MAX_DEPTH, nesting, parse_json
from cdpctl.validation.runner import validate_sources
from cdpctl.validation.split import BufferSink

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "plans" / "acme-shop.yaml"

GOOD: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "properties": {"order_id": "o-1", "total": 10, "currency": "EUR", "products": [{"product_id": "p", "price": 10}]},
}

BIG_PLAN = """\
plan: Big numbers
version: 1.0.0
defaults:
  additional_properties: false
events:
  Counted:
    properties:
      low: {type: integer, minimum: 18446744073709551617}
      high: {type: integer, maximum: 18446744073709551616}
      above: {type: integer, exclusive_minimum: 18446744073709551616}
      below: {type: integer, exclusive_maximum: 18446744073709551617}
      step: {type: integer, multiple_of: 3}
      pick: {type: integer, enum: [18446744073709551617, 1]}
      fixed: {type: integer, const: 18446744073709551617}
      any_number: {type: number, maximum: 18446744073709551616}
"""


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(str(ACME))


@pytest.fixture(scope="module", params=[True, False], ids=["fast", "reference"])
def validator(plan: Plan, request: pytest.FixtureRequest) -> Validator:
    return Validator(plan, fast=request.param)


@pytest.fixture(scope="module")
def big_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    path = tmp_path_factory.mktemp("plan") / "big.yaml"
    path.write_text(BIG_PLAN)
    return load_plan(str(path))


def line(message: Any) -> bytes:
    return json.dumps(message).encode() + b"\n"


def deep(levels: int) -> str:
    """A JSON value nesting ``levels`` arrays."""
    return "[" * levels + "]" * levels


def in_context(levels: int) -> bytes:
    """A valid message whose ``context`` holds a value so that the record nests ``levels`` levels in all."""
    text = json.dumps({**GOOD, "context": {"x": "@"}}).replace('"@"', deep(levels - 2))
    return text.encode() + b"\n"


def in_properties(levels: int) -> bytes:
    """A message whose (unplanned) property nests the record ``levels`` levels in all."""
    props = {**GOOD["properties"], "deep": "@"}
    return json.dumps({**GOOD, "properties": props}).replace('"@"', deep(levels - 2)).encode() + b"\n"


def run(validator: Validator, lines: list[bytes]) -> Report:
    return validate_lines(validator, [(raw, "f", n) for n, raw in enumerate(lines, 1)])


DEPTHS = [MAX_DEPTH + 1, 255, 300, 1000, 1025, 3000, 100_000]


# --- nesting ---------------------------------------------------------------------------------------------


def test_nesting_counts_levels_and_skips_strings() -> None:
    assert nesting(b'{"a":[1,{"b":2}]}') <= MAX_DEPTH
    assert nesting(in_context(MAX_DEPTH)) == MAX_DEPTH
    assert nesting(in_context(MAX_DEPTH + 1)) == MAX_DEPTH + 1
    brackets_in_a_string = json.dumps({"s": "[" * 5000, "t": 'a\\"' + "{" * 5000}).encode()
    assert nesting(brackets_in_a_string) == 1


def test_a_record_at_the_depth_limit_is_checked(validator: Validator) -> None:
    report = run(validator, [in_context(MAX_DEPTH), in_properties(MAX_DEPTH)])
    assert report.summary() == {"events": 2, "valid": 1, "invalid": 1, "malformed": 0, "warnings": 0}
    assert {g.code for g in report.groups.values()} == {"unplanned_property"}


@pytest.mark.parametrize("levels", DEPTHS)
def test_a_record_deeper_than_the_limit_is_one_malformed_record(validator: Validator, levels: int) -> None:
    lines = [line(GOOD), in_context(levels), line(GOOD), in_properties(levels), line({**GOOD, "userId": None})]
    report = run(validator, lines)
    assert report.summary() == {"events": 5, "valid": 2, "invalid": 1, "malformed": 2, "warnings": 0}
    (group,) = [g for g in report.groups.values() if g.code == "malformed_json"]
    assert f"nests more than {MAX_DEPTH} levels" in group.message
    assert [e.line for e in group.examples] == [2, 4]


def test_a_deep_batch_line_is_one_malformed_record(validator: Validator) -> None:
    batch = line({"batch": [GOOD, "@"]}).replace(b'"@"', deep(400).encode())
    report = run(validator, [batch, line({"batch": [GOOD, GOOD]})])
    assert report.summary() == {"events": 3, "valid": 2, "invalid": 0, "malformed": 1, "warnings": 0}


def test_deep_records_through_split_jobs_and_spark(plan: Plan, tmp_path: Path) -> None:
    lines = []
    for n in range(300):
        lines.append(in_context(DEPTHS[n % len(DEPTHS)]) if n % 5 == 0 else line(GOOD))
    lines.append(in_context(MAX_DEPTH))
    path = tmp_path / "deep.ndjson"
    path.write_bytes(b"".join(lines))
    validator = Validator(plan)
    expected = {"events": 301, "valid": 241, "invalid": 0, "malformed": 60, "warnings": 0}
    for jobs in (1, 2):
        out = tmp_path / f"split{jobs}"
        result = validate_sources(validator, [Source(str(path))], jobs=jobs, block_size=64 * 1024, split_dir=str(out))
        assert result.report.summary() == expected
        assert len((out / "valid.ndjson").read_bytes().splitlines()) == 241
        malformed = (out / "malformed.txt").read_bytes().splitlines()
        assert [raw + b"\n" for raw in malformed] == [raw for raw in lines if nesting(raw) > MAX_DEPTH]
    rows = [(raw.rstrip(b"\n"), "deep.ndjson", 0) for raw in lines]
    ((_, report),) = list(partition_reports(validator, rows, {}))
    assert report.summary() == expected
    done: list[Any] = []
    kinds = [kind for kind, _ in partition_records(validator, rows, {}, done.append, chunk=64)]
    assert kinds.count("malformed") == 60 and kinds.count("valid") == 241
    assert done[0][1].summary() == expected


RECURSION_PROBE = """
import sys, json
from cdpctl.loader import load_plan
from cdpctl.validation import Validator, validate_lines
sys.setrecursionlimit(int(sys.argv[2]))
lines = open(sys.argv[1], "rb").read().splitlines(keepends=True)
for fast in (True, False):
    report = validate_lines(Validator(load_plan(sys.argv[3]), fast=fast), [(raw, "f", n) for n, raw in enumerate(lines, 1)])
    print(json.dumps(report.to_json(), sort_keys=True))
"""


def test_verdicts_do_not_depend_on_the_recursion_limit(tmp_path: Path) -> None:
    levels = [150, MAX_DEPTH, MAX_DEPTH + 1, 400, 700, 900, 990, 1020, 1030, 5000]
    path = tmp_path / "deep.ndjson"
    path.write_bytes(b"".join(in_context(n) + in_properties(n) for n in levels))
    outputs = set()
    for limit in ("600", "1000", "20000"):
        done = subprocess.run(
            [sys.executable, "-c", RECURSION_PROBE, str(path), limit, str(ACME)], capture_output=True, check=True
        )
        outputs.update(done.stdout.decode().splitlines())
    assert len(outputs) == 1, outputs
    summary = json.loads(outputs.pop())["summary"]
    assert summary == {"events": 20, "valid": 2, "invalid": 2, "malformed": 16, "warnings": 0}


# --- numbers ---------------------------------------------------------------------------------------------


def counted(**properties: Any) -> bytes:
    return line({"type": "track", "event": "Counted", "userId": "u", "properties": properties})


BIG = 18446744073709551616  # 2**64


@pytest.mark.parametrize(
    ("properties", "failing"),
    [
        ({"low": BIG}, ["properties.low"]),
        ({"low": BIG + 1}, []),
        ({"high": BIG + 1}, ["properties.high"]),
        ({"high": BIG}, []),
        ({"above": BIG}, ["properties.above"]),
        ({"above": BIG + 1}, []),
        ({"below": BIG + 1}, ["properties.below"]),
        ({"below": BIG}, []),
        ({"step": 3 * BIG + 1}, ["properties.step"]),
        ({"step": 3 * BIG}, []),
        ({"pick": BIG}, ["properties.pick"]),
        ({"pick": BIG + 1}, []),
        ({"fixed": BIG}, ["properties.fixed"]),
        ({"fixed": BIG + 1}, []),
        ({"any_number": BIG + 1}, ["properties.any_number"]),
        ({"any_number": 10**400}, ["properties.any_number"]),
        ({"any_number": BIG}, []),
    ],
)
def test_integers_beyond_64_bits_compare_exactly(big_plan: Plan, properties: dict[str, Any], failing: list[str]) -> None:
    for fast in (True, False):
        validator = Validator(big_plan, fast=fast)
        raw = counted(**properties)
        violations = validator.check_bytes(raw.strip())
        assert violations is not None
        assert sorted(v.path for v in violations) == failing, (fast, properties, violations)
        report = run(validator, [raw])
        assert report.invalid == (1 if failing else 0)
        assert sorted(v.path for v in validator.check(json.loads(raw))) == failing


def test_big_integers_are_written_unchanged_by_split(big_plan: Plan, tmp_path: Path) -> None:
    records = [counted(low=BIG + 1, pick=BIG + 1), counted(low=BIG, fixed=BIG, step=10**30 + 1)]
    batch = line({"batch": [{"type": "track", "event": "Counted", "userId": "u", "properties": {"high": BIG + 1}},
                            {"type": "track", "event": "Counted", "userId": "u", "properties": {"high": -BIG}}]})
    path = tmp_path / "big.ndjson"
    path.write_bytes(b"".join([*records, batch]))
    out = tmp_path / "split"
    result = validate_sources(Validator(big_plan), [Source(str(path))], split_dir=str(out))
    assert result.report.summary() == {"events": 4, "valid": 2, "invalid": 2, "malformed": 0, "warnings": 0}
    valid = [json.loads(raw) for raw in (out / "valid.ndjson").read_bytes().splitlines()]
    invalid = [json.loads(raw) for raw in (out / "invalid.ndjson").read_bytes().splitlines()]
    assert valid[0]["properties"] == {"low": BIG + 1, "pick": BIG + 1}
    assert valid[1]["properties"] == {"high": -BIG}
    assert invalid[0]["properties"] == {"low": BIG, "fixed": BIG, "step": 10**30 + 1}
    assert invalid[1]["properties"] == {"high": BIG + 1}
    assert b"18446744073709551617" in (out / "invalid.ndjson").read_bytes()


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_make_one_message_malformed_and_keep_the_batch(validator: Validator, token: str) -> None:
    bad = json.dumps({**GOOD, "properties": {**GOOD["properties"], "total": "@"}}).replace('"@"', token)
    batch = '{"batch": [' + ", ".join([json.dumps(GOOD), bad, json.dumps({**GOOD, "userId": None})]) + "]}"
    array = "[" + bad + ", " + json.dumps(GOOD) + "]"
    lines = [batch.encode() + b"\n", bad.encode() + b"\n", array.encode() + b"\n", line(GOOD)]
    sink = BufferSink()
    report = validate_lines(validator, [(raw, "f", n) for n, raw in enumerate(lines, 1)], sink)
    assert report.summary() == {"events": 7, "valid": 3, "invalid": 1, "malformed": 3, "warnings": 0}
    (group,) = [g for g in report.groups.values() if g.code == "malformed_json"]
    assert f"{token} is not a JSON number" in group.message
    assert [(e.line, e.index) for e in group.examples] == [(1, 1), (2, None), (3, 0)]
    assert len(sink.malformed_lines) == 3 and all(token.encode() in raw for raw in sink.malformed_lines)
    assert len(sink.valid_lines) == 3


def test_a_number_beyond_a_double_is_read_as_infinite(validator: Validator) -> None:
    over = b'{"type":"track","event":"Order Completed","userId":"u","context":{"n":1e400},"properties":' + json.dumps(
        GOOD["properties"]
    ).encode() + b"}"
    report = run(validator, [over + b"\n", over.replace(b'"total": 10', b'"total": -1e400') + b"\n"])
    assert report.malformed == 0 and report.events == 2
    assert parse_json(b"[1e400]") == [float("inf")]


def test_an_integer_beyond_pythons_digit_limit_reads_as_infinite(validator: Validator) -> None:
    digits = b"1" + b"0" * 5000
    huge = line({**GOOD, "properties": {**GOOD["properties"], "total": "@"}}).replace(b'"@"', digits)
    in_context = line({**GOOD, "context": {"n": "@"}}).replace(b'"@"', digits)
    report = run(validator, [huge, in_context, line(GOOD)])
    assert report.summary() == {"events": 3, "valid": 3, "invalid": 0, "malformed": 0, "warnings": 0}
    assert parse_json(b"[-" + digits + b"]") == [float("-inf")]
