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
