"""Help that teaches: every --help page as a snapshot, choices and defaults shown, no type placeholders,
one error style for parser mistakes, the version, the plan as PLAN or --plan, and serve's example run as printed.

Snapshots live in tests/snapshots/help/; after changing a command line, refresh them with
``CDPCTL_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_help.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from cdpctl.cli import app

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = ROOT / "tests" / "snapshots" / "help"
PLAN = ROOT / "plans" / "acme-shop.yaml"
ENV = {"COLUMNS": "80", "GITHUB_ACTIONS": "", "CI": "", "NO_COLOR": "1"}


def _commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            if not getattr(sub, "hidden", False):
                walk([*path, name], sub)

    walk([], typer.main.get_command(app))
    return found


COMMANDS = _commands()


def run(*args: str) -> Any:
    try:  # click before 8.2 mixes stderr into the output unless told not to
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    return runner.invoke(app, list(args), env=ENV)


def _help(path: list[str]) -> str:
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "cdpctl" for p in COMMANDS])
def test_help_matches_its_snapshot(path: list[str]) -> None:
    text = _help(path)
    snapshot = SNAPSHOTS / (("-".join(path) or "cdpctl") + ".txt")
    if os.environ.get("CDPCTL_UPDATE_SNAPSHOTS") or not snapshot.exists():
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(text)
    assert text == snapshot.read_text(), f"--help of '{' '.join(['cdpctl', *path])}' changed: see the module docstring"


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) or "cdpctl" for p in COMMANDS])
def test_help_has_no_type_placeholders_and_fits_80_columns(path: list[str]) -> None:
    text = _help(path)
    assert not re.search(r"<(str|bool|int|float|list\[str\]|path)>", text), text
    assert "\\[" not in text  # markup escapes undone
    example = False
    for line in text.splitlines():
        example = example or line.strip().startswith("Example")
        if line and not line.startswith("  "):
            example = line.startswith("  Example")
        if not example:
            assert len(line) <= 80, line


def test_choice_options_list_their_choices_and_defaults_are_shown() -> None:
    validate = _help(["validate"])
    assert "-f, --format [text|json|junit|sarif|github|markdown]" in validate
    assert "--engine [local|spark]" in validate and "[default: local]" in validate
    lint = _help(["lint"])
    assert "--format [text|json|github|sarif|junit|markdown]" in lint
    assert "--fail-on [error|warning|info|never]" in lint
    diff = _help(["diff"])
    assert "--direction [producer|consumer|both]" in diff and "--format [text|markdown|json|github]" in diff
    assert "--fail-on [breaking|warning|info|never]" in diff
    assert "--draft [07|2020-12]" in _help(["compile"]) and "[default: 07]" in _help(["compile"])
    assert "--block [unplanned|invalid]" in _help(["serve"])
    assert "--ci [github|none]" in _help(["init"])


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["valdate"], "unknown command 'valdate' for 'cdpctl'", "did you mean 'validate'?"),
        (["validate", "--fromat", "json"], "unknown option '--fromat' for 'cdpctl validate'", "did you mean '--format'?"),
        (["generate", "pyhton"], "unknown command 'pyhton' for 'cdpctl generate'", "did you mean 'python'?"),
        (["import", "segment"], "missing argument", "see 'cdpctl import segment --help'"),
        (["validate", "--jobs", "many", "x"], "invalid value for '--jobs'", "see 'cdpctl validate --help'"),
        (["validate", "x", "--jobs"], "option '--jobs' requires an argument", "see 'cdpctl validate --help'"),
        (["lint", str(PLAN), "--format", "mardown"], "unknown format 'mardown'", "did you mean 'markdown'?"),
        (["lint", str(PLAN), "--fail-on", "warnings"], "unknown --fail-on 'warnings'", "did you mean 'warning'?"),
        (["lint", str(PLAN.with_name("acme-shp.yaml"))], "cannot read plan file", "acme-shop.yaml'?"),
        (["diff", str(PLAN.with_name("acme-shp.yaml")), str(PLAN)], "cannot read plan file", "acme-shop.yaml'?"),
        (["diff", str(PLAN), str(PLAN.with_name("acme-shp.yaml"))], "cannot read plan file", "acme-shop.yaml'?"),
        (["infer", "-", "--update", str(PLAN.with_name("acme-shp.yaml"))], "cannot read plan file", "acme-shop.yaml'?"),
    ],
)
def test_every_mistake_is_one_error_line_and_a_hint(args: list[str], message: str, hint: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("cdpctl: error: ") and message in lines[0], result.stderr
    assert lines[1].startswith("cdpctl: hint: ") and hint in lines[1], result.stderr
    assert "╭" not in result.stderr and "Usage:" not in result.stderr and result.stdout == ""


def test_a_question_without_an_answer_is_one_error_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "init", str(tmp_path / "new")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **ENV},
    )
    assert done.returncode == 2  # the command could not do its job (1 says "violations found")
    assert done.stderr.strip().splitlines()[-1].startswith("cdpctl: error: aborted")
    assert "Traceback" not in done.stderr


def test_parser_errors_in_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "diff", "--fromat", "json"], capture_output=True, text=True, timeout=120, env={**os.environ, **ENV}
    )
    assert done.returncode == 2
    assert done.stderr == (
        "cdpctl: error: unknown option '--fromat' for 'cdpctl diff'\n"
        "cdpctl: hint: did you mean '--format'? (see 'cdpctl diff --help')\n"
    )


def test_version_flag_and_command() -> None:
    from cdpctl import __version__

    assert run("--version").stdout == f"cdpctl {__version__}\n"
    text = run("version").stdout
    assert text.startswith(f"cdpctl {__version__}\nPython {sys.version.split()[0]}")
    info = json.loads(run("version", "--json").stdout)
    assert info["version"] == __version__ and info["python"] == sys.version.split()[0]
    from importlib.metadata import version

    assert info["libraries"]["jsonschema"] == version("jsonschema")
    assert set(info["libraries"]) >= {"jsonschema", "msgspec", "orjson", "pyyaml", "typer", "rich"}
    assert all(value is None or isinstance(value, str) for value in info["libraries"].values())


def test_generate_python_takes_the_plan_either_way(tmp_path: Path) -> None:
    positional = run("generate", "python", str(PLAN), "-o", str(tmp_path / "a.py"))
    assert positional.exit_code == 0, positional.output
    option = run("generate", "python", "--plan", str(PLAN), "-o", str(tmp_path / "b.py"))
    assert option.exit_code == 0, option.output
    assert (tmp_path / "a.py").read_text() == (tmp_path / "b.py").read_text()
    both = run("generate", "python", str(PLAN), "--plan", "other.yaml", "-o", str(tmp_path / "c.py"))
    assert both.exit_code == 2 and "two plans given" in both.stderr


def test_serve_takes_the_plan_as_an_argument() -> None:
    assert "Usage: cdpctl serve [OPTIONS] [PLAN]" in _help(["serve"])
    both = run("serve", str(PLAN), "--plan", "other.yaml")
    assert both.exit_code == 2 and "two plans given" in both.stderr


def _example(path: list[str]) -> list[str]:
    lines = _help(path).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Example:")
    commands = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        commands.append(line.strip())
    return commands


def test_serve_example_runs_as_printed(tmp_path: Path) -> None:
    """The example as printed, on a free port instead of the default 8088: two runs of the suite at once (CI
    runs one per Python version side by side) must not talk to each other's collector."""
    commands = _example(["serve"])
    assert commands[0].startswith("cdpctl serve plans/acme-shop.yaml") and "--port" not in commands[0]
    assert all("8088" in command for command in commands[1:3])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    commands = [commands[0].replace(" &", f" --port {port} &"), *(c.replace("8088", port) for c in commands[1:])]
    work = tmp_path / "project"
    (work / "plans").mkdir(parents=True)
    (work / "plans" / "acme-shop.yaml").write_text(PLAN.read_text())
    env = {**os.environ, **ENV, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    script = "\n".join(commands) + "\nexit $?\n"
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # the printed promise: exit status 1 for the unplanned event
    assert '{"success":true}' in done.stdout
    assert "unplanned_event" in done.stdout and "Signed Up" in done.stdout
    assert (work / "session.ndjson").read_text().count("\n") == 1


def test_the_run_of_one_command_builds_that_command_alone_with_the_same_help() -> None:
    """``cdpctl NAME ...`` builds the application with command NAME alone (start-up): the map of names to
    modules names every command of the whole application, and the help of each is the same either way."""
    from cdpctl.cli import build_app, command_named
    from cdpctl.commands import COMMANDS as MODULES

    top = sorted(path[0] for path in COMMANDS if len(path) == 1)
    assert sorted(MODULES) == top
    for name in top:
        alone = typer.main.get_command(build_app(name))
        together = {other for other, module in MODULES.items() if module == MODULES[name]}  # import, export, init
        assert set(alone.commands) == together  # type: ignore[attr-defined]
        assert CliRunner().invoke(build_app(name), [name, "--help"], env=ENV).stdout == _help([name])
    assert command_named(["validate", "x.ndjson"]) == "validate"
    assert command_named(["--no-cache", "lint", "plan.yaml"]) == "lint"
    assert command_named(["--version"]) == "version"
    for whole in (["--help"], ["valdate"], [], ["--no-cache"], ["-h", "validate"]):
        assert command_named(whole) is None


def test_one_command_run_as_a_process_answers_as_the_whole_application() -> None:
    whole_app = "import sys; from cdpctl.cli import build_app; sys.argv[0] = 'cdpctl'; build_app()(prog_name='cdpctl')"
    for args in (["validate", "--help"], ["generate"], ["lint", "--bogus"], ["--no-cache", "schema", "--help"], ["--version"]):
        env = {**os.environ, **ENV}
        done = subprocess.run([sys.executable, "-m", "cdpctl", *args], cwd=ROOT, capture_output=True, text=True, env=env)
        whole = subprocess.run([sys.executable, "-c", whole_app, *args], cwd=ROOT, capture_output=True, text=True, env=env)
        assert (done.returncode, done.stdout, done.stderr) == (whole.returncode, whole.stdout, whole.stderr), args
