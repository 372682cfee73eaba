"""Start-up of the command line: what a plain ``cdpctl validate`` imports, and that its fast path
(``cdpctl.commands._direct``) behaves exactly as the typer command it stands in for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from cdpctl.cli import build_app
from cdpctl.commands._direct import COMMANDS, VALIDATE_OPTIONS, parse_command_line, run_direct

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
CLEAN = ROOT / "examples" / "events.ndjson"
DIRTY = ROOT / "examples" / "events-with-violations.ndjson"

HEAVY = ("typer", "click", "pydantic", "rich", "jsonschema", "xml.sax", "urllib.request", "http.client", "email")
"""Modules a plain json-format validate run of valid data must not import (each costs start-up time)."""

BAD_PLAN = """\
plan: Bad Shop
version: 1.0.0
events:
  order_completed:
    properties:
      order_id: {type: string}
      revenue: {type: string}
  Signup Completed:
    description: The user signed up.
    properties:
      referralCode: {type: string}
"""
"""A plan with lint findings of several rules."""

ENV = {"GITHUB_ACTIONS": "", "CI": "", "COLUMNS": "200", "NO_COLOR": ""}


def _env() -> dict[str, str]:
    env = {**os.environ, **ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def _imported_by(code: str, cwd: Path) -> set[str]:
    """The modules loaded once ``code`` ran (and exited, however it exited) in a fresh interpreter."""
    report = cwd / "modules.json"
    wrapper = (
        "import atexit, json, sys\n"
        f"atexit.register(lambda: open({str(report)!r}, 'w').write(json.dumps(sorted(sys.modules))))\n"
        f"{code}\n"
    )
    subprocess.run([sys.executable, "-c", wrapper], cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, check=False, timeout=120)
    return set(json.loads(report.read_text()))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_imports_no_framework(tmp_path: Path) -> None:
    modules = _imported_by("import cdpctl.cli", tmp_path)
    assert "cdpctl.cli" in modules
    assert _heavy(modules) == []
    assert not any(m.startswith("cdpctl.validation") for m in modules)


def test_plain_json_validate_imports_neither_typer_nor_pydantic_nor_rich(tmp_path: Path) -> None:
    argv = ["validate", str(CLEAN), "--plan", str(PLAN), "--format", "json", "--no-progress", "--jobs", "1"]
    code = f"import sys; sys.argv = ['cdpctl', *{argv!r}]\nfrom cdpctl.cli import main\nmain()"
    modules = _imported_by(code, tmp_path)
    assert "cdpctl.validation.render" in modules  # it did validate and report
    assert _heavy(modules) == []


def test_lint_of_a_clean_plan_imports_neither_typer_nor_pydantic_nor_rich(tmp_path: Path) -> None:
    code = f"import sys; sys.argv = ['cdpctl', 'lint', {str(PLAN)!r}]\nfrom cdpctl.cli import main\nmain()"
    modules = _imported_by(code, tmp_path)
    assert "cdpctl.lint.runner" in modules
    assert _heavy(modules) == []


def test_help_and_other_commands_still_go_through_typer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "validate", "--help"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and "--max-invalid-rate" in done.stdout
    assert run_direct(["schema"]) is False
    assert run_direct(["lint", "a.yaml", "b.yaml"]) is False  # typer says: one plan
    assert run_direct(["diff", "a.yaml", "b.yaml", "c.yaml"]) is False
    assert run_direct(["--version"]) is False
    assert run_direct([]) is False


# --- the fast path's option table is the typer command's ---------------------------------------------


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_fast_path_knows_every_option_of_the_typer_command(name: str) -> None:
    group: Any = get_command(build_app())
    command = group.commands[name]
    hints = typing.get_type_hints(command.callback.__wrapped__)
    declared: dict[str, tuple[str, str]] = {}
    arguments = [param for param in command.params if param.param_type_name == "argument"]
    for param in command.params:
        if param.param_type_name != "option" or param.name == "help":
            continue
        annotation = hints[param.name]
        base = next((a for a in typing.get_args(annotation) if a is not type(None)), annotation)
        if base is bool:
            for opt in param.opts:
                declared[opt] = (param.name, "true")
            for opt in param.secondary_opts:
                declared[opt] = (param.name, "false")
        else:
            for opt in param.opts:
                declared[opt] = (param.name, base.__name__)
    table = {spelling: (opt.dest, opt.kind) for opt in COMMANDS[name].options for spelling in opt.names}
    assert table == declared
    if COMMANDS[name].max_arguments is None:  # one list argument
        assert [param.nargs for param in arguments] == [-1]
    else:  # that many single arguments
        assert [param.nargs for param in arguments] == [1] * COMMANDS[name].max_arguments


# --- parsing: what the fast path takes, and what it leaves to typer -------------------------------------


def test_parse_reads_options_in_any_order_and_every_spelling() -> None:
    parsed = parse_command_line(
        ["a.ndjson", "-p", "plan.yaml", "--format=json", "-", "--jobs", "4", "--max-invalid-rate", "0.25", "-q", "--no-progress", "b"],
        VALIDATE_OPTIONS,
    )
    assert parsed == (
        ["a.ndjson", "-", "b"],
        {"plan": "plan.yaml", "fmt": "json", "jobs": 4, "max_invalid_rate": 0.25, "quiet": True, "progress": False},
    )
    assert parse_command_line([], VALIDATE_OPTIONS) == ([], {})
    assert parse_command_line(["--output=", "x"], VALIDATE_OPTIONS) == (["x"], {"output": ""})


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["-h"],
        ["x", "--", "-y"],
        ["--plan", "a", "--plan", "b"],
        ["--progress", "--no-progress"],
        ["-pplan.yaml"],
        ["-p=plan.yaml"],
        ["-qp", "plan.yaml"],
        ["--quiet=1"],
        ["--jobs", "1.0"],
        ["--jobs", "-1"],
        ["--jobs", "01"],
        ["--jobs", " 2"],
        ["--max-invalid-rate", "1e-3"],
        ["--max-invalid-rate", ".5"],
        ["--max-invalid-rate", "nan"],
        ["--output", "-"],
        ["--plan", "--format"],
        ["--plan"],
        ["--plans", "x"],
        ["-x"],
        ["--version"],
    ],
)
def test_parse_leaves_anything_unusual_to_typer(args: list[str]) -> None:
    assert parse_command_line(args, VALIDATE_OPTIONS) is None


# --- the fast path and typer give the same output and exit status -----------------------------------


def _fast(args: list[str], cwd: Path) -> tuple[int, str, str]:
    assert parse_command_line(args[1:], COMMANDS[args[0]].options) is not None, "this command line must take the fast path"
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", *args], cwd=cwd, env=_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout, done.stderr


def _typer(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(build_app(), args, env=ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _same_but_timing(text: str) -> list[str]:
    return [line for line in text.splitlines() if " events/s, " not in line]


CASES = [
    ["validate", str(CLEAN), "--plan", str(PLAN), "--format", "json", "--no-progress", "--jobs", "1"],
    ["validate", str(DIRTY), "-p", str(PLAN), "-f", "json", "-j", "1"],
    ["validate", "--plan=" + str(PLAN), str(DIRTY), "--format=text", "--jobs=1", "-q"],
    ["validate", str(DIRTY), "--plan", str(PLAN), "--format", "github", "--jobs", "1", "--max-invalid-rate", "0.9"],
    ["validate", str(DIRTY), "--plan", str(PLAN), "--format", "sarif", "--jobs", "1", "--no-fast-path"],
    ["validate", str(DIRTY), "--plan", str(PLAN), "--format", "junit", "--jobs", "1", "--max-invalid-rate", "0"],
    ["validate", str(DIRTY), "--plan", str(PLAN), "--format", "markdown", "--jobs", "1"],
    ["validate", "missing.ndjson", "--plan", str(PLAN), "--format", "json"],
    ["validate", str(CLEAN), "--plan", "no-such-plan.yaml"],
    ["validate", str(CLEAN), "--plan", str(PLAN), "--format", "yaml"],
    ["validate", str(CLEAN), "--plan", str(PLAN), "--jobs", "0"],
    ["validate", str(CLEAN), "--plan", str(PLAN), "--max-invalid-rate", "2"],
    ["validate", str(CLEAN), "--plan", str(PLAN), "--engine", "nope"],
    ["validate", str(CLEAN)],
    ["lint", str(PLAN)],
    ["lint", "bad.yaml"],
    ["lint", "--plan", "bad.yaml", "--format", "json", "--fail-on", "info"],
    ["lint", "bad.yaml", "-f", "sarif", "--report-unused-disables"],
    ["lint", "bad.yaml", "--format", "github", "--fail-on", "warning"],
    ["lint", "bad.yaml", "--format", "junit", "--fail-on", "never"],
    ["lint", "bad.yaml", "--format", "text", "--output", "report.txt"],
    ["lint", str(PLAN), "-p", "other.yaml"],
    ["lint", "bad.yaml", "--fail-on", "sometimes"],
    ["lint", "--explain", "event-name-casing"],
    ["lint", "--explain", "event-naming"],
    ["lint", "--explain", "no-such-rule"],
    ["lint", "--list-rules"],
    ["lint"],
    ["compile", str(PLAN)],
    ["compile", "bad.yaml", "--draft", "2020-12"],
    ["compile", str(PLAN), "-o", "schemas"],
    ["compile", str(PLAN), "--draft", "99"],
    ["compile"],
    ["diff", str(PLAN), "bad.yaml"],
    ["diff", str(PLAN), "bad.yaml", "--format", "json", "--direction", "producer"],
    ["diff", "-f", "markdown", str(PLAN), "bad.yaml", "--fail-on", "never", "--check-version"],
    ["diff", str(PLAN), "bad.yaml", "--format", "github", "-d", "consumer", "--no-check-version"],
    ["diff", str(PLAN), str(PLAN), "--check-version"],
    ["diff", str(PLAN), "bad.yaml", "--direction", "sideways"],
    ["diff", str(PLAN)],
    ["diff", "--base", "HEAD", "bad.yaml"],
]


@pytest.mark.parametrize("args", CASES, ids=[" ".join(a[:4]).replace(str(ROOT), "") for a in CASES])
def test_fast_path_matches_typer(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_text(BAD_PLAN, encoding="utf-8")
    fast = _fast(args, tmp_path)
    written = [(tmp_path / "report.txt").read_text(encoding="utf-8")] if (tmp_path / "report.txt").exists() else []
    slow = _typer(args, tmp_path, monkeypatch)
    assert fast[0] == slow[0], (fast, slow)
    assert fast[1] == slow[1]
    assert _same_but_timing(fast[2]) == _same_but_timing(slow[2])
    if written:
        assert written == [(tmp_path / "report.txt").read_text(encoding="utf-8")]


def test_fast_path_reads_the_project_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cdpctl.yaml").write_text(f"plan: {PLAN}\nvalidate:\n  format: json\n  max_invalid_rate: 0.5\n", encoding="utf-8")
    args = ["validate", str(DIRTY), "--jobs", "1"]
    fast = _fast(args, tmp_path)
    assert fast == _typer(args, tmp_path, monkeypatch)[:2] + (fast[2],)
    assert json.loads(fast[1])["summary"]["invalid"] > 0


def test_closed_stdout_exits_one_without_a_traceback(tmp_path: Path) -> None:
    big = tmp_path / "big.ndjson"
    big.write_bytes(DIRTY.read_bytes() * 200)
    args = ["validate", str(big), "--plan", str(PLAN), "--format", "json", "--jobs", "1", "-q"]
    outcomes = []
    for command in ([sys.executable, "-m", "cdpctl", *args], [sys.executable, "-c", "from cdpctl.cli import build_app; build_app()()", *args]):
        read, write = os.pipe()
        os.close(read)  # nobody reads: the first write fails with EPIPE
        try:
            done = subprocess.run(command, cwd=tmp_path, env=_env(), stdin=subprocess.DEVNULL, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
        finally:
            os.close(write)
        outcomes.append((done.returncode, done.stderr))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1 and "Traceback" not in outcomes[0][1]
