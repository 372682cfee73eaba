"""Identify and group traits are read from ``traits`` and, where a message has none there, from
``context.traits`` (rudder-sdk-python sends identify traits there only): the same verdicts on the fast
path, the reference path, ``--split`` and the Spark partition code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.spark.partition import partition_records, partition_reports
from cdpctl.validation import Validator, validate_lines
from cdpctl.validation.inputs import Source
from cdpctl.validation.runner import validate_sources

ROOT = Path(__file__).resolve().parents[1]
TRICKY = ROOT / "tests" / "data" / "validate-tricky.yaml"

# identify traits: age (integer >= 0, nullable), plan (free|pro); group traits: size (number); no others
CASES: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
    ({"type": "identify", "userId": "u", "context": {"traits": {"age": -1, "plan": "gold"}}},
     [("constraint_failed", "traits.age"), ("value_not_allowed", "traits.plan")]),
    ({"type": "identify", "userId": "u", "context": {"traits": {"age": 3, "plan": "pro"}, "library": {"name": "x"}}}, []),
    ({"type": "identify", "userId": "u", "context": {"traits": {"nickname": "n"}}}, [("unplanned_property", "traits.nickname")]),
    # traits present at the top: they are read, context.traits is not
    ({"type": "identify", "userId": "u", "traits": {"age": 5}, "context": {"traits": {"age": -5}}}, []),
    ({"type": "identify", "userId": "u", "traits": {}, "context": {"traits": {"plan": "gold"}}}, []),
    # context.traits that is not an object is not traits
    ({"type": "identify", "userId": "u", "context": {"traits": "vip"}}, []),
    ({"type": "identify", "userId": "u", "timestamp": "yesterday", "context": {"traits": {"age": -1}}},
     [("constraint_failed", "traits.age"), ("invalid_envelope", "timestamp")]),
    ({"type": "group", "userId": "u", "groupId": "g", "context": {"traits": {"size": "big"}}}, [("type_mismatch", "traits.size")]),
    ({"type": "group", "userId": "u", "groupId": "g", "context": {"traits": {"size": 12}}}, []),
]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(str(TRICKY))


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_context_traits_stand_in_for_missing_traits(plan: Plan, message: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    raw = json.dumps(message).encode()
    for fast in (True, False):
        validator = Validator(plan, fast=fast)
        assert sorted((v.code, v.path) for v in validator.check(message)) == expected
        assert sorted((v.code, v.path) for v in validator.check_reference(message)) == expected
        assert sorted((v.code, v.path) for v in validator.check_bytes(raw) or []) == expected
        report = validate_lines(validator, [(raw, "f", 1)])
        assert report.invalid == (1 if expected else 0)
        assert sorted((g.code, g.path) for g in report.groups.values()) == expected


def test_split_and_spark_read_context_traits_and_write_the_message_unchanged(plan: Plan, tmp_path: Path) -> None:
    lines = [json.dumps(message) for message, _ in CASES]
    batch = json.dumps({"batch": [message for message, _ in CASES]})
    path = tmp_path / "rudder.ndjson"
    path.write_text("\n".join([*lines, batch]) + "\n")
    failing = sum(1 for _, expected in CASES if expected)
    summary = {"events": 2 * len(CASES), "valid": 2 * (len(CASES) - failing), "invalid": 2 * failing, "malformed": 0, "warnings": 0}
    out = tmp_path / "split"
    result = validate_sources(Validator(plan), [Source(str(path))], jobs=1, split_dir=str(out))
    assert result.report.summary() == summary
    invalid = [json.loads(raw) for raw in (out / "invalid.ndjson").read_bytes().splitlines()]
    assert len(invalid) == 2 * failing
    for record in invalid:  # every failing case sent its traits in context only: they stay there
        assert "traits" not in record and isinstance(record["context"]["traits"], dict)
        assert all(v["path"].startswith("traits.") or v["path"] == "timestamp" for v in record["context"]["violations"])
    rows = [(line.encode(), "rudder.ndjson", 0) for line in [*lines, batch]]
    ((_, report),) = list(partition_reports(Validator(plan), rows, {}))
    assert report.summary() == summary
    done: list[Any] = []
    kinds = [kind for kind, _ in partition_records(Validator(plan), rows, {}, done.append)]
    assert kinds.count("invalid") == 2 * failing
