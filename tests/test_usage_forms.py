"""One error style for a group run without its command and for names without a close match, and one way
to give a plan: every command that reads one plan takes it as PLAN or as --plan/-p."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
ENV = {"GITHUB_ACTIONS": "", "CI": "", "NO_COLOR": "1", "COLUMNS": "100"}


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "cdpctl", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(("args", "names"), [(["generate"], "python"), (["import"], "segment"), ([], "compile, validate")])
def test_a_group_without_its_command_says_so_in_the_error_style(args: list[str], names: str) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert done.stdout.startswith("Usage: cdpctl")  # the group's help, as before
    path = " ".join(["cdpctl", *args])
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"cdpctl: error: '{path}' needs a command: {names}"), done.stderr
    assert lines[1] == f"cdpctl: hint: '{path} --help' lists what each one does"


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["generate", "java"], "cdpctl: hint: 'cdpctl generate --help' lists every command"),
        (["compile", "--zzz"], "cdpctl: hint: 'cdpctl compile --help' lists every option"),
    ],
)
def test_a_hint_without_a_close_name_reads_as_a_sentence(args: list[str], hint: str) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert done.stderr.splitlines()[1] == hint, done.stderr


@pytest.mark.parametrize("words", [["compile"], ["export", "jsonschema"], ["export", "segment"]])
@pytest.mark.parametrize("form", ["argument", "--plan", "-p"])
def test_one_plan_as_argument_or_option(tmp_path: Path, words: list[str], form: str) -> None:
    given = [str(PLAN)] if form == "argument" else [form, str(PLAN)]
    done = _run(*words, *given, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document.get("plan", document.get("name")) == "Acme Shop"


def test_two_different_plans_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("plan: Other\nversion: 1.0.0\nevents:\n  Thing Done: {}\n")
    done = _run("compile", str(PLAN), "--plan", str(other), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("cdpctl: error: two plans given")
