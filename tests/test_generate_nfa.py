"""Without ``google-re2`` a generated client matches plan patterns in linear time, with RE2's answers.

The client's pure-Python automaton (:mod:`cdpctl.codegen.runtime_nfa`) and its bounded ``re`` forms for
simple patterns on short values answer as ``cdpctl``'s RE2 engine does, on random patterns and texts and on
the plan formats' patterns; a client from a plan with hostile patterns (``^(a+)+$``), imported where
``re2`` cannot be imported, checks long hostile values and reports the violations ``cdpctl validate``
reports (the subprocess timeout only guards against a hang).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_generate_support import REPO

from cdpctl.codegen import generate_python
from cdpctl.codegen.package import generate_package
from cdpctl.codegen.runtime_nfa import _Nfa
from cdpctl.codegen.runtime_patterns import _QUICK_MAX_CHARS, _pure_search
from cdpctl.formats import FORMAT_PATTERNS
from cdpctl.loader import load_plan_text
from cdpctl.patterns import PatternError, compile_pattern
from cdpctl.patterns_quick import QUICK_MAX_CHARS, quick_form
from cdpctl.validation import Validator

LEAVES = ["a", "b", "é", "\\.", "[ab]", "[^a]", "[a-c]", "[\\d_]", "[^\\s]", "\\d", "\\w", "\\s", "\\D", "\\W", "\\S",
          ".", "[^]", "[]", "\\p{L}", "\\P{Lu}", "[\\p{Ll}1]", "\\u2028", "\\x41", "\\p{C}"]  # fmt: skip
ASSERTIONS = ["^", "$", "\\b", "\\B"]
QUANTIFIERS = ["?", "*", "+", "{2}", "{0,2}", "{1,3}", "{2,}", "{0}", "??", "*?", "+?", "{1,3}?", "{2,}?"]
GROUPS = ["(", "(?:", "(?<name>"]
TEXT = st.text(alphabet="ab1A_ é.\n\r\u2028\u00a0\t\u0378😀\ud800", max_size=10)
"""Short texts over the patterns' alphabet, with line terminators, an unassigned code point and a lone surrogate."""


_LEAF = st.one_of(
    st.sampled_from(ASSERTIONS),
    st.tuples(st.sampled_from(LEAVES), st.sampled_from(["", "", *QUANTIFIERS])).map("".join),
)
PATTERNS: st.SearchStrategy[str] = st.deferred(
    lambda: st.one_of(
        _LEAF,
        _LEAF,
        st.lists(PATTERNS, min_size=2, max_size=3).map("".join),
        st.tuples(PATTERNS, PATTERNS).map("|".join),
        st.tuples(st.sampled_from(GROUPS), PATTERNS, st.sampled_from(["", *QUANTIFIERS])).map(
            lambda parts: f"{parts[0]}{parts[1]}){parts[2]}"
        ),
    )
)
"""ECMA-262 patterns: quantified atoms and assertions, joined, alternated and grouped (and quantified)."""


def _re2(source: str, text: str) -> bool:
    return compile_pattern(source).search(text) is not None


@settings(max_examples=1000, deadline=None)
@given(PATTERNS, st.lists(TEXT, min_size=1, max_size=8))
def test_the_automaton_finds_what_re2_finds(source: str, texts: list[str]) -> None:
    try:
        translated = compile_pattern(source).translated
    except PatternError:
        return
    automaton = _Nfa(translated).search
    pure = _pure_search(translated, quick_form(translated))
    for text in texts:
        want = _re2(source, text)
        assert automaton(text) == want, (source, translated, text)
        assert pure(text) == want, (source, translated, text)


FORMAT_VALUES = ["2024-01-02T03:04:05Z", "2024-02-29T23:59:60+01:00", "2023-02-29", "2024-01-02", "12:00:00.5Z",
                 "someone@example.com", "a.b@[127.0.0.1]", "a@b", "@x.y", "https://x.y/z?q=1#f", "mailto:a@b.c",
                 "no scheme", "::1", "2001:db8::1:2:3:4:5:6", "1.2.3.4", "256.1.1.1", "01.2.3.4",
                 "550e8400-e29b-41d4-a716-446655440000", "550e8400e29b41d4a716446655440000", "example.com",
                 "-bad-.com", "a" * 64 + ".com", "", "é@x.y", "x\n"]  # fmt: skip


@pytest.mark.parametrize("name", sorted(FORMAT_PATTERNS))
def test_the_automaton_runs_the_format_patterns_as_re2_does(name: str) -> None:
    source = FORMAT_PATTERNS[name]
    automaton = _Nfa(compile_pattern(source).translated).search
    answers = [(value, automaton(value)) for value in FORMAT_VALUES]
    assert answers == [(value, _re2(source, value)) for value in FORMAT_VALUES]
    assert any(found for _, found in answers) or name in ("time",)


def test_the_client_uses_the_re_forms_on_the_values_cdpctl_does() -> None:
    assert _QUICK_MAX_CHARS == QUICK_MAX_CHARS


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        ("\\p{Greek}", "a script property"),
        ("(?=a)", "lookahead"),
        ("(?i)a", "flags"),
        ("(?:(?:a{1000}){100}){2}", "200,000 states"),
        ("(a" * 400 + ")" * 400, "nesting"),
        ("a{1001}", "a count over RE2's"),
    ],
)
def test_the_automaton_refuses_what_it_cannot_run(form: str, reason: str) -> None:
    with pytest.raises(ValueError):
        _Nfa(form)


HOSTILE_PLAN = r"""
plan: Hostile Patterns
version: 1.0.0
events:
  Text Entered:
    properties:
      nested: {type: string, pattern: '^(a+)+$'}
      words: {type: string, pattern: '^(\w+\s?)*$'}
      pairs: {type: string, pattern: '(x+x+)+y'}
      simple: {type: string, pattern: '^[a-z]+$'}
      keys:
        json_schema:
          type: object
          patternProperties:
            '^(a|aa)+$': {type: integer}
          additionalProperties: false
"""

LONG = 5000
HOSTILE_VALUES: list[tuple[str, Any]] = [
    ("nested", "a" * LONG + "!"), ("nested", "a" * LONG), ("nested", "a" * 30 + "!"),
    ("words", "a" * LONG + "!"), ("words", " ".join(["word"] * 1000)), ("words", "ab " * 1500 + "!"),
    ("pairs", "x" * LONG), ("pairs", "x" * LONG + "y"),
    ("simple", "abc"), ("simple", "abc!"), ("simple", "a" * 2000), ("simple", "a" * 2000 + "!"),
    ("simple", "é" * 10), ("keys", {"a" * 3000: 1}), ("keys", {"a" * 3000 + "!": 1}),
]  # fmt: skip
"""Values each hostile pattern backtracks on for ever in Python's ``re``; the simple pattern's go to its ``re``
form (short) or to the automaton (long)."""

CHECK = """
import importlib, json, sys
sys.modules["re2"] = None
sys.modules["jsonschema_rs"] = None
sys.path.insert(0, sys.argv[1])
module = importlib.import_module(sys.argv[2])
tracker = module.Tracker(object(), validate=True)
found = [sorted([v.code, v.path] for v in tracker.check(json.loads(line))) for line in sys.stdin]
runtime = getattr(module, "_runtime", module)
try:
    runtime._pattern_search({"greek": "\\\\p{Greek}"}, {})("greek", "x")
except RuntimeError as exc:
    found.append(str(exc))
print(json.dumps(found))
"""


def _messages() -> list[dict[str, Any]]:
    return [
        {"type": "track", "event": "Text Entered", "userId": "u1", "properties": {name: value}}
        for name, value in HOSTILE_VALUES
    ]


@pytest.mark.parametrize("form", ["module", "package"])
def test_hostile_patterns_run_in_linear_time_without_re2(tmp_path: Path, form: str) -> None:
    plan = load_plan_text(HOSTILE_PLAN, "hostile.yaml")
    if form == "module":
        source = generate_python(plan)
        (tmp_path / "hostile_client.py").write_text(source, encoding="utf-8")
        assert '_QUICK_PATTERNS: ClassVar[Mapping[str, str]] = {"^[a-z]+$": ' in source
    else:
        (tmp_path / "hostile_client").mkdir()
        for name, text in generate_package(plan, 1).items():
            (tmp_path / "hostile_client" / name).write_text(text, encoding="utf-8")
    lines = "".join(json.dumps(message) + "\n" for message in _messages())
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(tmp_path), "hostile_client"],
        input=lines, capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    *got, refusal = json.loads(done.stdout)
    validator = Validator(plan)
    want = [
        sorted([v.code, v.path] for v in validator.check_bytes(json.dumps(message).encode()) or [])
        for message in _messages()
    ]
    assert got == want
    flagged = [HOSTILE_VALUES[index][0] for index, found in enumerate(want) if found]
    assert flagged == ["nested", "nested", "words", "words", "pairs", "simple", "simple", "simple", "keys"]
    assert refusal == "the pattern 'greek' needs the google-re2 package"
