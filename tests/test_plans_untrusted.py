"""Plans are untrusted: odd YAML, hostile patterns and includes are load errors at FILE:LINE:COLUMN, never tracebacks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cdpctl.errors import PlanLoadError
from cdpctl.loader import load_plan, load_plan_text


def problems(text: str, file: str = "plan.yaml") -> list[str]:
    with pytest.raises(PlanLoadError) as info:
        load_plan_text(textwrap.dedent(text), file)
    return [str(issue) for issue in info.value.issues]


def cdpctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


EVENT = "plan: T\nevents:\n  E:\n    properties:\n      x: {}\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{type: number, minimum: !!float x}", "plan.yaml:5:34: 'x' cannot be read as a number (tag float)"),
        ("{type: boolean, const: !!bool maybe}", "plan.yaml:5:33: 'maybe' cannot be read as true or false (tag bool)"),
        ("{type: integer, minimum: !!int ''}", "plan.yaml:5:35: '' cannot be read as an integer (tag int)"),
        (
            "{type: integer, minimum: " + "9" * 5000 + "}",
            "plan.yaml:5:35: an integer of more than 4000 characters is not supported in plans",
        ),
    ],
)
def test_unreadable_scalars_are_one_load_error(value: str, expected: str) -> None:
    assert problems(EVENT.replace("{}", value)) == [expected]


def test_integers_too_large_for_a_float_are_exact_bounds() -> None:
    big = 10**400
    plan = load_plan_text(EVENT.replace("{}", f"{{type: integer, minimum: {big}, maximum: {big * 2}}}"))
    assert plan.events["E"].fields["x"].constraints == {"minimum": big, "maximum": big * 2}


@pytest.mark.parametrize(
    ("value", "column", "words"),
    [
        ("'a{4294967296}'", 36, "is above 1000"),
        ("'^(?<=x)a'", 36, "lookbehind '(?<=' cannot run in linear time"),
        ("'(a)\\1'", 38, "back-reference '\\1' cannot run in linear time"),
        ("'(?i)abc'", 35, "inline flags"),
        ("'[a-z'", 35, "missing ']'"),
    ],
)
def test_patterns_the_engine_cannot_run_are_load_errors_inside_the_pattern(value: str, column: int, words: str) -> None:
    text = EVENT.replace("{}", "{type: string, pattern: " + value + "}")
    (found,) = problems(text)
    assert found.startswith(f"plan.yaml:5:{column}: 'pattern' of property 'x' ") and words in found, found


def test_ecma_patterns_load() -> None:
    for pattern in (r"^(?<id>[0-9]+)$", r"^\p{Letter}+$", r"^\cA$", r"^[\s\S]*$", "^[]]$"):
        plan = load_plan_text(EVENT.replace("{}", "{type: string, pattern: '" + pattern + "'}"))
        assert plan.events["E"].fields["x"].constraints["pattern"] == pattern


def test_validate_and_compile_exit_2_with_the_position(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(EVENT.replace("{}", "{type: number, minimum: !!float x}"), encoding="utf-8")
    (tmp_path / "data.ndjson").write_text('{"type":"track","event":"E","userId":"u","properties":{"x":1}}\n')
    for args in (("compile", "plan.yaml"), ("validate", "data.ndjson", "--plan", "plan.yaml"), ("lint", "plan.yaml")):
        done = cdpctl(*args, cwd=tmp_path)
        assert done.returncode == 2, (args, done.stderr)
        assert "plan.yaml:5:34: 'x' cannot be read as a number" in done.stderr
        assert "Traceback" not in done.stderr


def test_hostile_pattern_does_not_hang_validate(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(EVENT.replace("{}", "{type: string, pattern: '^(a+)+$'}"), encoding="utf-8")
    line = '{"type":"track","event":"E","userId":"u","properties":{"x":"' + "a" * 100_000 + '!"}}\n'
    (tmp_path / "data.ndjson").write_text(line * 3)
    done = cdpctl("validate", "data.ndjson", "--plan", "plan.yaml", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert '"invalid": 3' in done.stdout.replace("\n", "").replace("  ", " ") or '"invalid":3' in done.stdout


def test_load_plan_is_exact_for_files(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(EVENT.replace("{}", "{type: string}"), encoding="utf-8")
    assert load_plan(path).events["E"].fields["x"].type == "string"
