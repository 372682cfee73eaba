"""Random plans, built from the plan vocabulary: loading either succeeds or reports problems, never crashes."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from cdpctl.compiler import compile_plan
from cdpctl.errors import PlanLoadError
from cdpctl.loader import PROPERTY_KEYS, TOP_KEYS
from cdpctl.model import BUILTIN_TYPES

PATTERNS = [
    "^[a-z]+$", "([a-z", "x", "^(a+)+$", "(x|x)*y", "a{4294967296}", "(?<=a)b", "(a)\\1", "(?P<n>x)", "(?i)x",
    "^\\p{Letter}+$", "\\p{Nope}", "\\cA", "[]", "[^]", "a{2,1}", "\\", "[z-a]", "\\u{110000}", "\\ud800",
]  # fmt: skip
"""ECMA-262, Python-only, hostile and broken patterns: each loads or is one problem, never a traceback."""
WORDS = [*PROPERTY_KEYS, *TOP_KEYS, *BUILTIN_TYPES, "product", "price", "order_id", "Order Completed", "E", "x-note"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=10),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.sampled_from(WORDS),
    st.text(max_size=6),
    st.sampled_from(["^[a-z]+$", "([a-z", "date-time", "uuid", "email", *PATTERNS]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(WORDS), children, max_size=4),
    ),
    max_leaves=25,
)
PLAUSIBLE = {
    "type": st.sampled_from([*BUILTIN_TYPES, "product", "price", "locaton"]),
    "required": st.booleans(),
    "nullable": st.booleans(),
    "description": st.text(max_size=5),
    "additional_properties": st.booleans(),
    "enum": st.lists(scalars, max_size=3),
    "const": scalars,
    "pattern": st.sampled_from(PATTERNS),
    "format": st.sampled_from(["date-time", "uuid", "email", "uri", "ipv4", "date", "datetime"]),
    "min_length": st.integers(-1, 3),
    "max_length": st.integers(-1, 3),
    "minimum": st.integers(-2, 2),
    "maximum": st.integers(-2, 2),
    "exclusive_minimum": st.integers(-2, 2),
    "exclusive_maximum": st.integers(-2, 2),
    "multiple_of": st.sampled_from([0, 0.5, 2]),
    "min_items": st.integers(0, 2),
    "max_items": st.integers(0, 2),
    "unique_items": st.booleans(),
}
NAMES = st.sampled_from(["price", "order_id", "product", "a", "b"])
properties = st.recursive(
    st.fixed_dictionaries({}, optional=PLAUSIBLE),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            **PLAUSIBLE,
            "properties": st.dictionaries(NAMES, children, max_size=3),
            "items": st.one_of(st.sampled_from(["string", "product", "price"]), children),
        },
    ),
    max_leaves=8,
)
prop_maps = st.dictionaries(NAMES, properties, max_size=4)
calls = st.fixed_dictionaries(
    {}, optional={"properties": prop_maps, "traits": prop_maps, "additional_properties": st.booleans()}
)
plans = st.fixed_dictionaries(
    {},
    optional={
        "plan": scalars,
        "version": st.sampled_from(["1.0.0", "1.0", "x"]),
        "defaults": st.dictionaries(st.just("additional_properties"), scalars, max_size=1),
        "properties": st.one_of(prop_maps, values),
        "types": st.dictionaries(st.sampled_from(["product", "price"]), st.one_of(calls, values), max_size=2),
        "events": st.dictionaries(
            st.sampled_from(["Order Completed", "E", "../x"]), st.one_of(calls, values), max_size=3
        ),
        "identify": st.one_of(calls, values),
        "group": st.one_of(calls, values),
        "pages": st.dictionaries(st.sampled_from(["Home", "Pricing"]), calls, max_size=2),
        "screens": values,
    },
)


ODD_LINES = st.sampled_from(
    [
        "x: !!float x", "x: !!bool maybe", "x: !!int ''", "x: " + "9" * 5000, "x: !!binary '@@'", "x: !!timestamp 1",
        "include: \"a\\0b\"", "include: /dev/zero", "include: ../../x.yaml", "include: .", "x: &a [*a]",
        "x: {type: string, pattern: '^(a+)+$'}", "x: {json_schema: {$ref: '#/definitions/nope'}}",
    ]
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ODD_LINES, min_size=1, max_size=3), st.sampled_from(["", "events:\n  E:\n    properties:\n"]))
def test_odd_yaml_lines_load_or_report_problems(lines: list[str], head: str) -> None:
    from cdpctl.loader import load_plan_text

    indent = "      " if head else ""
    text = "plan: T\n" + head + "".join(indent + line + "\n" for line in lines)
    try:
        load_plan_text(text, "fuzz.yaml")
    except PlanLoadError as exc:
        assert exc.issues and all(issue.pos.line >= 1 and issue.pos.column >= 1 for issue in exc.issues)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
@given(plans)
def test_random_plans_load_or_report_problems(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    from cdpctl.loader import load_plan_text

    try:
        plan = load_plan_text(text, "fuzz.yaml")
    except PlanLoadError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.pos.file == "fuzz.yaml" and issue.pos.line >= 1 and issue.pos.column >= 1
        return
    for draft in ("07", "2020-12"):
        for item in compile_plan(plan, draft).schemas:
            if draft == "07":
                Draft7Validator.check_schema(item.schema)
