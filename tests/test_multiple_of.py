"""``multiple_of`` on the decimals JSON numbers are: ``19.99`` is a multiple of ``0.01`` on every route.

jsonschema divides floats (19.99 / 0.01 = 1998.9999999999998) and said no; jsonschema-rs and the
generated client, when jsonschema-rs is installed, said yes.  The engine (both paths), the compiled
schema as cdpctl runs it, and the generated client (with and without jsonschema-rs) now agree with
exact decimal arithmetic, which a property test checks against ``fractions``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_generate_support import FakeClient, generate_to, load_module

from cdpctl.loader import load_plan_text
from cdpctl.validation import Validator

PLAN = """\
plan: Money
version: 1.0.0
events:
  Order Paid:
    properties:
      amount: {type: number, minimum: 0, multiple_of: 0.01}
      step: {type: number, multiple_of: 0.0001}
"""

VALIDATORS = {fast: Validator(load_plan_text(PLAN, "money.yaml"), fast=fast) for fast in (True, False)}


def truth(value: float, divisor: float) -> bool:
    return (Fraction(Decimal(repr(value))) / Fraction(Decimal(repr(divisor)))).denominator == 1


def codes(value: Any, fast: bool, name: str = "amount") -> list[str]:
    message = {"type": "track", "event": "Order Paid", "userId": "u", "properties": {name: value}}
    return [violation.code for violation in VALIDATORS[fast].check(message)]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize(
    ("value", "valid"),
    [(19.99, True), (0.07, True), (4.35, True), (5.1, True), (20, True), (1e308, True), (19.991, False), (0.005, False)],
)
def test_prices_are_multiples_of_a_cent_on_both_paths(value: float, valid: bool, fast: bool) -> None:
    assert codes(value, fast) == ([] if valid else ["constraint_failed"])


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from([1, 3, 7, 10]))  # amount has minimum: 0
def test_the_engine_agrees_with_exact_decimals(cents: int, scale: int) -> None:
    value = float(Decimal(cents) / Decimal(100 * scale))
    for fast in (True, False):
        assert (codes(value, fast) == []) is truth(value, 0.01), (value, fast)


@pytest.mark.parametrize("fast", [True, False], ids=["jsonschema-rs first", "jsonschema only"])
def test_the_generated_client_agrees(tmp_path: Path, fast: bool) -> None:
    module = load_module(generate_to(PLAN, "money.yaml", tmp_path / f"money_{int(fast)}.py"), f"money_{int(fast)}")
    tracker = module.Tracker(FakeClient(), validate=True)
    tracker._fast = fast

    def client_codes(value: float) -> list[str]:
        message = {"type": "track", "event": "Order Paid", "userId": "u", "properties": {"amount": value}}
        return [violation.code for violation in tracker.check(message)]

    for value in (19.99, 0.07, 5.1, 1e308, 19.991, 0.005):
        assert client_codes(value) == codes(value, False), value


LARGE = """\
plan: Large
version: 1.0.0
events:
  Paid:
    properties:
      a: {type: number, multiple_of: 0.07}
      b: {type: number, multiple_of: 0.3}
      c: {type: number, multiple_of: 1.1}
      d: {type: number, multiple_of: 0.123}
      e: {type: number, multiple_of: 0.25}
"""
LARGE_VALIDATORS = {fast: Validator(load_plan_text(LARGE, "large.yaml"), fast=fast) for fast in (True, False)}


def raw_codes(name: str, text: str, fast: bool) -> list[str] | None:
    line = b'{"type":"track","event":"Paid","userId":"u","properties":{"' + name.encode() + b'":' + text.encode() + b"}}"
    found = LARGE_VALIDATORS[fast].check_bytes(line)
    return None if found is None else [violation.code for violation in found]


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "reference"])
@pytest.mark.parametrize(
    ("name", "text", "valid"),
    [
        ("a", "78812993478983.69", False),  # msgspec's fmod on the binary double took these four as multiples
        ("b", "5404319552844595.0", False),
        ("c", "1238489897526886.5", False),
        ("d", "69242844270821.375", False),
        ("a", "0.21", True),
        ("e", "2.5", True),
        # more digits than a double holds: read as its shortest repr, 1125899906842624.2 (both paths alike)
        ("e", "1125899906842624.25", False),
    ],
)
def test_large_values_get_the_same_verdict_on_both_paths(name: str, text: str, valid: bool, fast: bool) -> None:
    """The fast path checked a float ``multiple_of`` on the binary double (msgspec's fmod), the reference on
    the decimals JSON writes: large values the reference refused were accepted. Both use the exact rule now."""
    assert raw_codes(name, text, fast) == ([] if valid else ["constraint_failed"])


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from("abcde"),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e17, max_value=1e17),
    st.integers(min_value=0, max_value=10**12),
)
def test_the_fast_path_never_accepts_a_multiple_the_reference_refuses(name: str, value: float, multiplier: int) -> None:
    divisor = {"a": 0.07, "b": 0.3, "c": 1.1, "d": 0.123, "e": 0.25}[name]
    for number in (value, multiplier * divisor):
        assert raw_codes(name, repr(number), True) == raw_codes(name, repr(number), False), number
