"""The validation engine: each code triggered alone, counting rules, merging, batch function."""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from cdpctl.loader import load_plan
from cdpctl.model import Plan
from cdpctl.validation import CODES, Report, Validator, validate_lines

ROOT = Path(__file__).resolve().parents[1]
ACME = ROOT / "plans" / "acme-shop.yaml"

ORDER: dict[str, Any] = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u-1",
    "timestamp": "2024-05-01T10:00:00Z",
    "properties": {
        "order_id": "o-1",
        "total": 25.5,
        "currency": "EUR",
        "products": [{"product_id": "p-1", "price": 12.75, "quantity": 2}],
    },
}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(str(ACME))


@pytest.fixture(scope="module", params=[True, False], ids=["fast", "reference"])
def validator(plan: Plan, request: pytest.FixtureRequest) -> Validator:
    return Validator(plan, fast=request.param)


def order(**changes: Any) -> dict[str, Any]:
    message = copy.deepcopy(ORDER)
    message["properties"].update(changes)
    return message


def codes(validator: Validator, message: Any) -> list[tuple[str, str]]:
    return sorted((v.code, v.path) for v in validator.check(message))


def test_a_clean_message_has_no_violation(validator: Validator) -> None:
    assert validator.check(ORDER) == []


CASES: list[tuple[str, Any, tuple[str, str]]] = [
    ("invalid_envelope", {**ORDER, "userId": None}, ("invalid_envelope", "userId")),
    ("invalid_envelope", {**ORDER, "timestamp": "yesterday"}, ("invalid_envelope", "timestamp")),
    ("invalid_envelope", {"type": "alias", "userId": "u"}, ("invalid_envelope", "previousId")),
    ("invalid_envelope", {"type": "trak", "userId": "u"}, ("invalid_envelope", "type")),
    ("invalid_envelope", {"type": "track", "event": " ", "userId": "u"}, ("invalid_envelope", "event")),
    ("unplanned_event", {**ORDER, "event": "Order Complete"}, ("unplanned_event", "")),
    ("unplanned_event", {"type": "page", "name": "Careers", "userId": "u"}, ("unplanned_event", "")),
    ("unplanned_property", order(gift_wrap=True), ("unplanned_property", "properties.gift_wrap")),
    ("unplanned_property", {"type": "identify", "userId": "u", "traits": {"age": 3}}, ("unplanned_property", "traits.age")),
    ("required_missing", {**ORDER, "properties": {k: v for k, v in ORDER["properties"].items() if k != "total"}}, ("required_missing", "properties.total")),
    ("required_missing", order(products=[{"product_id": "p"}]), ("required_missing", "properties.products[].price")),
    ("type_mismatch", order(total="25.5"), ("type_mismatch", "properties.total")),
    ("type_mismatch", order(currency=None), ("type_mismatch", "properties.currency")),
    ("type_mismatch", order(products=[{"product_id": "p", "price": 1, "quantity": True}]), ("type_mismatch", "properties.products[].quantity")),
    ("value_not_allowed", order(currency="JPY"), ("value_not_allowed", "properties.currency")),
    ("constraint_failed", order(total=-1), ("constraint_failed", "properties.total")),
    ("constraint_failed", order(order_id=""), ("constraint_failed", "properties.order_id")),
    ("constraint_failed", order(products=[]), ("constraint_failed", "properties.products")),
    ("constraint_failed", order(placed_at="2024-05-01"), ("constraint_failed", "properties.placed_at")),
    ("constraint_failed", order(placed_at="2024-05-01T10:00:00Z\n"), ("constraint_failed", "properties.placed_at")),
    ("constraint_failed", {"type": "identify", "userId": "u", "traits": {"email": "not-an-email"}}, ("constraint_failed", "traits.email")),
    (
        "constraint_failed",
        {"type": "track", "event": "Chatbot Created", "userId": "u", "properties": {"chatbot_id": "cb_12345678", "channels": ["web", "web"]}},
        ("constraint_failed", "properties.channels"),
    ),
    (
        "constraint_failed",
        {"type": "track", "event": "Chatbot Created", "userId": "u", "properties": {"chatbot_id": "cb_1234567"}},
        ("constraint_failed", "properties.chatbot_id"),
    ),
    ("deprecated_event", {"type": "track", "event": "Legacy Thing Happened", "userId": "u", "properties": {"x": 1}}, ("deprecated_event", "event")),
]


@pytest.mark.parametrize(("code", "message", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_code_is_triggered_alone(validator: Validator, code: str, message: Any, expected: tuple[str, str]) -> None:
    assert code in CODES
    assert codes(validator, message) == [expected]


def test_every_code_has_a_case() -> None:
    assert {case[0] for case in CASES} | {"malformed_json", "record_too_large", "message_too_large"} == set(CODES)


def test_deprecated_event_is_a_warning(validator: Validator) -> None:
    (violation,) = validator.check(CASES[-1][1])
    assert violation.severity == "warning"
    assert all(v.severity == "error" for case in CASES[:-1] for v in validator.check(case[1]))


def test_bad_envelope_is_still_checked_against_the_plan(validator: Validator) -> None:
    message = order(currency="JPY")
    del message["userId"]
    assert codes(validator, message) == [("invalid_envelope", "userId"), ("value_not_allowed", "properties.currency")]


def test_wrong_type_is_reported_once_not_also_as_enum(validator: Validator) -> None:
    assert codes(validator, order(currency=5)) == [("type_mismatch", "properties.currency")]


def test_non_object_messages(validator: Validator) -> None:
    for value in (5, "x", None, [1]):
        assert codes(validator, value) == [("invalid_envelope", "")]


def test_validator_pickles_as_its_plan(validator: Validator) -> None:
    clone = pickle.loads(pickle.dumps(validator))
    assert clone.fast_enabled == validator.fast_enabled
    assert codes(clone, order(currency="JPY")) == [("value_not_allowed", "properties.currency")]


def test_a_report_pickles_whole(validator: Validator) -> None:
    """A block's report crosses from a worker process to the parent pickled (as plain tuples)."""
    records = [
        json.dumps(order(currency="JPY")).encode(),
        json.dumps([order(), order(total="1")]).encode(),
        b"not json",
        json.dumps({"type": "track", "event": "Nope", "userId": "u"}).encode(),
        json.dumps({"type": "track", "event": "Legacy Thing Happened", "userId": "u"}).encode(),
    ]
    report = validate_lines(validator, lines(*records))
    clone = pickle.loads(pickle.dumps(report))
    assert clone == report and clone.to_json() == report.to_json()
    assert [group.examples for group in clone.groups.values()] == [group.examples for group in report.groups.values()]
    assert any(example.index == 1 for group in clone.groups.values() for example in group.examples)
    merged = Report().update(clone, 10)
    assert all(example.line > 10 for group in merged.groups.values() for example in group.examples)


def lines(*records: bytes, file: str = "log.ndjson") -> list[tuple[bytes, str, int]]:
    return [(raw, file, number) for number, raw in enumerate(records, 1)]


def test_validate_lines_counts(validator: Validator) -> None:
    good = json.dumps(ORDER).encode()
    bad = json.dumps(order(currency="JPY")).encode()
    legacy = json.dumps(CASES[-1][1]).encode()
    batch = json.dumps({"batch": [ORDER, order(total="x")]}).encode()
    report = validate_lines(validator, lines(good, b"{not json", bad, b"", b"   ", legacy, batch, good + b"\r\n"))
    assert report.to_json()["summary"] == {"events": 7, "valid": 4, "invalid": 2, "malformed": 1, "warnings": 1}
    assert report.has_errors
    by_code = {v["code"]: v for v in report.to_json()["violations"]}
    assert by_code["malformed_json"]["examples"] == [{"file": "log.ndjson", "line": 2}]
    assert by_code["value_not_allowed"]["examples"] == [{"file": "log.ndjson", "line": 3}]
    assert by_code["type_mismatch"]["examples"] == [{"file": "log.ndjson", "line": 7, "index": 1}]
    assert by_code["deprecated_event"]["severity"] == "warning"


def test_warnings_alone_do_not_make_errors(validator: Validator) -> None:
    report = validate_lines(validator, lines(json.dumps(CASES[-1][1]).encode()))
    assert not report.has_errors
    assert report.summary() == {"events": 1, "valid": 1, "invalid": 0, "malformed": 0, "warnings": 1}


def test_groups_fold_array_indices_and_share(validator: Validator) -> None:
    products = [{"product_id": "a", "price": -1}, {"product_id": "b", "price": -2}]
    report = validate_lines(
        validator, lines(json.dumps(order(products=products)).encode(), json.dumps(ORDER).encode())
    )
    (group,) = report.sorted_groups()
    assert (group.path, group.count) == ("properties.products[].price", 1)
    assert report.share(group) == 0.5


def test_merge_is_associative_and_keeps_inputs(validator: Validator) -> None:
    records = [json.dumps(order(currency="JPY")).encode(), b"nope", json.dumps(ORDER).encode()] * 4
    parts = [validate_lines(validator, lines(*records[i : i + 3])) for i in range(0, 12, 3)]
    whole = validate_lines(validator, lines(*records))
    left = parts[0].merge(parts[1]).merge(parts[2].merge(parts[3]))
    right = parts[0].merge(parts[1].merge(parts[2])).merge(parts[3])
    assert left.to_json()["summary"] == right.to_json()["summary"] == whole.to_json()["summary"]
    assert [g["count"] for g in left.to_json()["violations"]] == [g["count"] for g in whole.to_json()["violations"]]
    assert left.to_json() == right.to_json()
    assert parts[0].events == 3
    assert Report().merge(parts[0]).to_json() == parts[0].to_json()


def test_examples_are_capped(validator: Validator) -> None:
    report = validate_lines(validator, lines(*[b"{"] * 20))
    (group,) = report.to_json()["violations"]
    assert group["count"] == 20
    assert len(group["examples"]) == 5
