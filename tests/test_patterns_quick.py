"""The ``re`` form of simple plan patterns searches exactly as RE2 does, and only patterns whose backtracking
is bounded get one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cdpctl.loader import load_plan_text
from cdpctl.patterns import compile_pattern
from cdpctl.patterns_quick import QUICK_MAX_CHARS, quick_form
from cdpctl.validation import Validator, validate_lines

ATOMS = ["a", "b", "-", "@", ".", "[a-c]", "[^a]", "[^@]", "\\d", "\\w", "\\D", "\\W", "[0-9_]", "\\.", "\\$", "é", "😀", "[é-ü]"]
REPEATS = ["", "", "?", "*", "+", "{2}", "{1,3}", "{2,}", "{0,2}"]
TEXT = st.text(alphabet="ab-@_.$1 \n\r\u2028éü😀\u00a0", max_size=12)


@st.composite
def patterns(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.tuples(st.sampled_from(ATOMS), st.sampled_from(REPEATS)), min_size=1, max_size=5))
    body = "".join(atom + repeat for atom, repeat in items)
    return ("^" if draw(st.booleans()) else "") + body + ("$" if draw(st.booleans()) else "")


@settings(max_examples=600, deadline=None)
@given(patterns(), st.lists(TEXT, min_size=1, max_size=8))
def test_the_re_form_finds_what_re2_finds(source: str, texts: list[str]) -> None:
    pattern = compile_pattern(source)
    if pattern.quick is None:
        return
    for text in texts:
        assert (pattern.quick(text) is not None) == (pattern.search(text) is not None), (source, text)


@pytest.mark.parametrize(
    "source",
    ["^s[0-9]{1,7}$", "^[A-Z]{2}-\\d{4}$", "^[^@]+@[^@]+$", "^[a-z]+_[a-z]+_[a-z]+$", "abc", "^[a-z_]+$", "^.*$",
     "^\\S+$", "^[0-9]{1,3}\\.[0-9]{1,3}$", "^v\\d+$", "^[a-f0-9]{32}$"],
)  # fmt: skip
def test_simple_patterns_get_a_re_form(source: str) -> None:
    assert compile_pattern(source).quick is not None


@pytest.mark.parametrize(
    "source",
    [
        "^[a-z]+(?:-[a-z]+)*$",  # a group
        "^(a|b)$",  # alternation
        "^a*a*@b$",  # two unbounded repeats of overlapping characters before the barrier
        "^[a-z_]+_[a-z]+$",  # the separator is one of the repeated characters
        "\\d+",  # unanchored, unbounded: each start may run to the end
        "^a{1,3}?$",  # lazy
        "^\\bword$",  # a word boundary
        "^\\p{L}+$",  # a Unicode property
        "^a{0,100}b{0,100}c{0,100}$",  # a million combinations
    ],
)
def test_patterns_that_could_backtrack_or_differ_get_none(source: str) -> None:
    assert compile_pattern(source).quick is None


def test_the_re_form_is_ascii_for_shorthands_and_ends_at_the_very_end() -> None:
    form = quick_form(compile_pattern("^\\d\\w$").translated)
    assert form is not None and form.startswith("(?a)") and form.endswith("\\Z")
    assert re.search(form, "1a\n") is None  # Python's $ would match before a final newline; RE2's does not
    assert re.search(form, "١a") is None  # an Arabic-Indic digit is not \d in ECMA-262


PLAN = """
plan: Quick
version: 1.0.0
events:
  Song Played:
    properties:
      song_id: {type: string, pattern: "^s[0-9]+$", required: true}
"""


def test_a_value_longer_than_the_re_form_takes_is_still_judged_right() -> None:
    validator = Validator(load_plan_text(PLAN))
    long_ok = "s" + "1" * (QUICK_MAX_CHARS + 10)
    long_bad = long_ok + "x"
    lines = [
        b'{"type":"track","event":"Song Played","userId":"u","properties":{"song_id":"%s"}}\n' % value.encode()
        for value in ("s12", long_ok, long_bad, "s1x")
    ]
    report = validate_lines(validator, [(line, "f", n) for n, line in enumerate(lines, 1)])
    assert (report.events, report.invalid) == (4, 2)
