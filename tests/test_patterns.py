"""Plan patterns: the ECMA-262 dialect, one linear-time engine, and the jsonschema keywords that use it."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from cdpctl.patterns import PatternError, UnsupportedPattern, compile_pattern, draft7_validator, is_ecma_pattern

SUITE = Path(__file__).parent / "data" / "json-schema-test-suite"


def matches(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text) is not None


@pytest.mark.parametrize(
    ("pattern", "good", "bad"),
    [
        (r"^\d+$", ["0123456789"], ["\u0660", "\u09ea", "1\n"]),  # ASCII digits only; '$' is the end
        (r"^\w+$", ["az_AZ09"], ["é", "ß"]),
        (r"\bcat\b", ["a cat!", "cat"], ["écat" + "s"]),
        (
            r"^\s$",
            [" ", "\t", "\v", "\f", "\n", "\r", "\u00a0", "\u2028", "\u2029", "\u2003", "\ufeff", "\u3000"],
            ["\u0001", "\u2013", "\u200b", "x"],
        ),
        (r"^\S$", ["x", "\u2013"], [" ", "\u00a0", "\u2029"]),
        (r"^(?<year>\d{4})-(?<month>\d\d)$", ["2024-01"], ["2024-1"]),
        (r"^\p{Letter}+$", ["école", "Ωμέγα"], ["1", "a b"]),
        (r"^\p{L}\P{L}$", ["a1"], ["ab"]),
        (r"^\p{Lu}$", ["Q"], ["q"]),
        (r"^\p{gc=Nd}+$", ["\u09ea\u09e8", "42"], ["x"]),
        (r"^\p{Script=Greek}+$", ["Ωμ"], ["ab"]),
        (r"^[\p{L}\d]+$", ["a1"], ["-"]),
        (r"^\cA\cz$", ["\u0001\u001a"], ["cA"]),
        (r"^\x41\u0042\u{43}\0$", ["ABC\u0000"], ["ABC"]),
        (r"^\ud83d\udc32$", ["\U0001f432"], ["\ud83d"]),
        (r"^.$", ["x", "\U0001f432"], ["\n", "\r", "\u2028", "\u2029"]),
        (r"^[^]$", ["\n", "x"], ["", "xy"]),
        (r"[]", [], ["", "x", "[]"]),
        (r"^[\b]$", ["\u0008"], ["b"]),
        (r"^[\s-]$", ["-", " "], ["x"]),
        (r"^a{2,3}$", ["aa", "aaa"], ["a", "aaaa"]),
        (r"^{x}]$", ["{x}]"], ["x"]),  # Annex B: a lone brace or bracket is a literal
        (r"^\/\.\-$", ["/.-"], ["x.-"]),
        (r"^abc$", ["abc"], ["abc\n"]),
    ],
)
def test_ecma_semantics(pattern: str, good: list[str], bad: list[str]) -> None:
    for text in good:
        assert matches(pattern, text), (pattern, text)
    for text in bad:
        assert not matches(pattern, text), (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "offset", "words"),
    [
        ("(?P<id>x)", 0, "Python named group"),
        ("x(?>ab)", 1, "atomic group"),
        ("a*+", 2, "possessive"),
        (r"[a-z]\Z", 5, r"'\Z' is a Python anchor"),
        ("(?i)abc", 0, "inline flags"),
        ("(?#note)", 0, "comment group"),
        (r"\a", 0, "not an ECMA-262 escape"),
        ("(ab", 3, "missing ')'"),
        ("[a-z", 0, "missing ']'"),
        ("a)", 1, "unbalanced"),
        ("*a", 0, "nothing to repeat"),
        ("a{3,1}", 1, "out of order"),
        ("[z-a]", 1, "out of order"),
        ("x{,3}", 1, "'{0,n}'"),
        (r"\c1", 0, r"'\c'"),
        (r"\xZZ", 0, r"'\x'"),
        (r"(a)\2", 3, "names no group"),
        (r"\k<x>", 0, "must name a group"),
    ],
)
def test_not_ecma_is_an_error_with_its_offset(pattern: str, offset: int, words: str) -> None:
    with pytest.raises(PatternError) as info:
        compile_pattern(pattern)
    assert not isinstance(info.value, UnsupportedPattern)
    assert words in info.value.message and info.value.offset == offset
    assert not is_ecma_pattern(pattern)


@pytest.mark.parametrize(
    ("pattern", "offset", "words"),
    [
        ("a{4294967296}", 1, "above 1000"),
        ("(?<=a+)b", 0, "lookbehind"),
        ("x(?!y)", 1, "negative lookahead"),
        (r"(a)\1", 3, "back-reference"),
        (r"(?<n>a)\k<n>", 7, "back-reference"),
        (r"\p{sc=Grek}", 0, "script"),
        (r"\p{Emoji_Presentation}", 0, "not supported"),
        ("(a{1000}){1000}", 0, "linear-time engine"),
    ],
)
def test_ecma_the_engine_cannot_run_is_unsupported(pattern: str, offset: int, words: str) -> None:
    with pytest.raises(UnsupportedPattern) as info:
        compile_pattern(pattern)
    assert words in info.value.message and info.value.offset == offset
    assert is_ecma_pattern(pattern)  # still valid ECMA-262 for the 'regex' format


def test_hostile_patterns_finish_on_long_input() -> None:
    # in a child process with a hang guard: a backtracking engine would not return for hours
    code = (
        "from cdpctl.patterns import compile_pattern\n"
        "assert compile_pattern('^(a+)+$').search('a' * 200000 + '!') is None\n"
        "assert compile_pattern('(x|x)*y').search('x' * 200000) is None\n"
        "assert compile_pattern('^(\\\\w+\\\\s?)*$').search('word ' * 40000 + '!') is None\n"
        "print('done')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"


def test_lone_surrogates_in_text_do_not_raise() -> None:
    assert compile_pattern("^a").search("a\ud800") is not None
    assert compile_pattern("^b").search("\udfffb") is None


def test_compiled_patterns_pickle_and_are_cached() -> None:
    pattern = compile_pattern("^[a-z]+$")
    assert pickle.loads(pickle.dumps(pattern)) is pattern
    assert compile_pattern("^[a-z]+$") is pattern


def test_jsonschema_keywords_use_the_engine() -> None:
    validator = draft7_validator()(
        {
            "type": "object",
            "properties": {"name": {"type": "string", "pattern": r"^\p{Letter}+$"}},
            "patternProperties": {r"^x-\d+$": {"type": "integer"}},
            "additionalProperties": False,
        }
    )
    assert validator.is_valid({"name": "école", "x-1": 2})
    assert not validator.is_valid({"name": "école1"})
    assert not validator.is_valid({"x-1": "two"})
    errors = [error.message for error in validator.iter_errors({"x-\u0661": 1})]  # Arabic-Indic one: not \d
    assert errors == ["'x-\u0661' does not match any of the regexes: '^x-\\\\d+$'"]
    hostile = draft7_validator()({"type": "string", "pattern": "^(a+)+$"})
    assert not hostile.is_valid("a" * 50_000 + "!")


SUITE_FILES = [
    "optional/ecmascript-regex.json",
    "optional/non-bmp-regex.json",
    "pattern.json",
    "patternProperties.json",
]


@pytest.mark.parametrize("name", SUITE_FILES)
def test_json_schema_test_suite_regex_files(name: str) -> None:
    path = SUITE / "draft7" / name
    if not path.exists():
        pytest.skip("the JSON-Schema-Test-Suite is not vendored here")
    failures = []
    for group in json.loads(path.read_text(encoding="utf-8")):
        validator = draft7_validator()(group["schema"])
        for test in group["tests"]:
            if validator.is_valid(test["data"]) != test["valid"]:
                failures.append(f"{group['description']}: {test['description']}")
    assert failures == []


def test_json_schema_test_suite_regex_format() -> None:
    path = SUITE / "draft7" / "optional" / "format" / "ecmascript-regex.json"
    if not path.exists():
        pytest.skip("the JSON-Schema-Test-Suite is not vendored here")
    cases = [test for group in json.loads(path.read_text(encoding="utf-8")) for test in group["tests"]]
    assert cases and all(is_ecma_pattern(test["data"]) == test["valid"] for test in cases)


U_FLAG_CASES = [
    "^[a-z]{2,3}$", "[\\-a]", "[a\\-z]", "\\.\\/\\$", "\\p{L}+", "[-\\d]", "[\\d-]", "^\\d{3}-\\d{4}$",
    "[\\w.-]+@[\\w.-]+", "\\u{1F600}", "^(?<year>\\d{4})-(?<month>\\d{2})$", "[^]", "[]", "a|b{1,}", "x{0}",
    # what only Annex B (no u flag) reads: refused by JavaScript validators that use the u flag
    "^[\\d-x]$", "}", "\\-", "(?<a>x)(?<a>y)", "a{1", "^[]a]$", "[\\p{L}-z]", "a{,3}", "]", "{", "\\@", "[\\w-\\d]",
]


@pytest.mark.parametrize("pattern", U_FLAG_CASES)
def test_lint_agrees_with_javascript_u_flag(pattern: str) -> None:
    """A pattern passes CP303 exactly when JavaScript compiles it with the u flag (``new RegExp(p, "u")``, as
    ajv does): the Annex B leniencies cdpctl reads (a lone brace, a needless escape) are findings."""
    import shutil

    from cdpctl.lint.rules.invalid_pattern import dialect_problems, u_flag_problems

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = "try { new RegExp(process.argv[1], 'u'); console.log('ok') } catch (e) { console.log('error') }"
    javascript = subprocess.run([node, "-e", script, pattern], capture_output=True, text=True, timeout=60).stdout.strip()
    try:
        compile_pattern(pattern)
        compiles = True
    except PatternError:
        compiles = False
    ours = compiles and not dialect_problems(pattern) and not u_flag_problems(pattern)
    assert ours == (javascript == "ok"), (pattern, javascript, u_flag_problems(pattern))


def test_every_format_pattern_compiles_in_javascript_with_the_u_flag() -> None:
    """The compiled schema writes each format's pattern beside ``format``; the email pattern escaped its quotes
    (``\\"``), an identity escape the u flag refuses, so no JavaScript validator (ajv) compiled a schema with
    ``format: email``. Each pattern compiles, and passes lint's own u-flag rule."""
    import json
    import shutil

    from cdpctl.formats import FORMAT_PATTERNS
    from cdpctl.lint.rules.invalid_pattern import u_flag_problems

    assert {name: u_flag_problems(pattern) for name, pattern in FORMAT_PATTERNS.items() if u_flag_problems(pattern)} == {}
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        "const p = JSON.parse(process.argv[1]); const bad = [];"
        "for (const [k, v] of Object.entries(p)) { try { new RegExp(v, 'u') } catch (e) { bad.push(k) } }"
        "const e = new RegExp(p.email, 'u');"
        "console.log(JSON.stringify([bad, e.test('\"john doe\"@example.com'), e.test('a@b.co'), e.test('\"a\"b\"@x.com')]))"
    )
    done = subprocess.run([node, "-e", script, json.dumps(FORMAT_PATTERNS)], capture_output=True, text=True, timeout=60)
    assert json.loads(done.stdout) == [[], True, True, False], done.stderr


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^\\P{C}*$", "a\u0378", False),  # U+0378 is unassigned: General_Category=Other (Cn)
        ("^\\P{C}*$", "abc", True),
        ("^\\p{C}$", "\u0378", True),
        ("^\\p{C}$", "\u0001", True),
        ("^\\p{C}$", "\ue000", True),
        ("^\\p{Other}$", "a", False),
        ("^\\p{gc=C}$", "\u0378", True),
        ("^\\p{Cn}$", "\u0378", True),
        ("^\\p{Unassigned}$", "\u0001", False),
    ],
)
def test_other_holds_the_unassigned_code_points_as_in_javascript(pattern: str, text: str, matches: bool) -> None:
    """RE2's ``\\p{C}`` leaves out the unassigned code points (Cn), which ECMA-262's ``General_Category=Other``
    holds: ``^\\P{C}*$`` (no control or unassigned characters) let 814,730 code points through."""
    import shutil

    assert bool(compile_pattern(pattern).search(text)) is matches
    node = shutil.which("node")
    if node is not None:
        script = "console.log(new RegExp(process.argv[1], 'u').test(process.argv[2]))"
        done = subprocess.run([node, "-e", script, pattern, text], capture_output=True, text=True, timeout=60)
        assert done.stdout.strip() == str(matches).lower()


@pytest.mark.parametrize("pattern", ["^[^\\p{C}]+$", "[a\\p{Cn}]", "[\\p{L}\\p{Other}]"])
def test_other_inside_a_class_is_refused_with_how_to_write_it(pattern: str) -> None:
    with pytest.raises(PatternError, match="not supported inside a class: write them outside it"):
        compile_pattern(pattern)
