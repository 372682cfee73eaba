"""The fast path of the command line: plain ``cdpctl validate``, ``lint``, ``compile`` and ``diff`` run without typer.

Building the typer application and letting it convert the arguments costs more than
validating a small file (typer checks every argument through pydantic).  CI runs these
commands on every push, so a command line made only of what this module understands
for sure is parsed here and handed to the same function the typer command calls;
anything else (``--help``, an unknown or repeated option, an option value that starts
with ``-``, a number written in any but the plain way, ``--``, clustered short flags,
an extra argument, shell completion) makes :func:`run_direct` return ``False``, and typer
parses it, errors and all.  The option tables below must name what the typer commands
declare (a test compares them).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

_INT = re.compile(r"0|[1-9][0-9]{0,8}")
_FLOAT = re.compile(r"(0|[1-9][0-9]{0,8})(\.[0-9]{1,17})?")


@dataclass(frozen=True)
class Opt:
    """One option: its spellings, the argument it fills, and its kind.

    ``kind`` is ``str``, ``int`` or ``float`` (takes a value), or ``true``/``false``
    (a flag that sets ``dest`` to that).
    """

    names: tuple[str, ...]
    dest: str
    kind: str


VALIDATE_OPTIONS = (
    Opt(("--plan", "-p"), "plan", "str"),
    Opt(("--format", "-f"), "fmt", "str"),
    Opt(("--output", "-o"), "output", "str"),
    Opt(("--split",), "split", "str"),
    Opt(("--max-invalid-rate",), "max_invalid_rate", "float"),
    Opt(("--jobs", "-j"), "jobs", "int"),
    Opt(("--engine",), "engine", "str"),
    Opt(("--spark-master",), "spark_master", "str"),
    Opt(("--progress",), "progress", "true"),
    Opt(("--no-progress",), "progress", "false"),
    Opt(("--quiet", "-q"), "quiet", "true"),
    Opt(("--fast-path",), "fast_path", "true"),
    Opt(("--no-fast-path",), "fast_path", "false"),
)
"""What ``cdpctl validate`` accepts besides its paths (``--help`` is left to typer)."""

LINT_OPTIONS = (
    Opt(("--plan", "-p"), "plan_option", "str"),
    Opt(("--format", "-f"), "output_format", "str"),
    Opt(("--fail-on",), "fail_on", "str"),
    Opt(("--report-unused-disables",), "report_unused_disables", "true"),
    Opt(("--output", "-o"), "output", "str"),
    Opt(("--explain",), "explain", "str"),
    Opt(("--list-rules",), "list_rules", "true"),
)
"""What ``cdpctl lint`` accepts besides its plan argument."""

COMPILE_OPTIONS = (
    Opt(("--out", "-o"), "out", "str"),
    Opt(("--draft",), "draft", "str"),
)
"""What ``cdpctl compile`` accepts besides its plan argument."""

DIFF_OPTIONS = (
    Opt(("--base",), "base", "str"),
    Opt(("--direction", "-d"), "direction", "str"),
    Opt(("--format", "-f"), "output_format", "str"),
    Opt(("--fail-on",), "fail_on", "str"),
    Opt(("--check-version",), "check_version", "true"),
    Opt(("--no-check-version",), "check_version", "false"),
)
"""What ``cdpctl diff`` accepts besides its OLD and NEW arguments."""


def parse_command_line(args: Sequence[str], options: Sequence[Opt]) -> tuple[list[str], dict[str, Any]] | None:
    """``(positional arguments, {dest: value})`` when ``args`` is certain to mean that, else ``None``.

    Mirrors the parser typer uses for the cases it accepts: options and arguments in
    any order, ``--name value``, ``--name=value``, ``-x value``, flags, ``-`` as an argument.
    """
    by_name = {name: opt for opt in options for name in opt.names}
    positional: list[str] = []
    values: dict[str, Any] = {}
    seen: set[str] = set()
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if arg[:1] != "-" or arg == "-":
            positional.append(arg)
            continue
        name, has_value, attached = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        opt = by_name.get(name)
        if opt is None or opt.dest in seen:  # unknown (or --help), or given twice: typer decides
            return None
        seen.add(opt.dest)
        if opt.kind in ("true", "false"):
            if has_value:
                return None
            values[opt.dest] = opt.kind == "true"
            continue
        if has_value:
            value = attached
        elif index < len(args):
            value = args[index]
            index += 1
        else:
            return None
        if value.startswith("-"):
            return None
        if opt.kind == "int":
            if not _INT.fullmatch(value):
                return None
            values[opt.dest] = int(value)
        elif opt.kind == "float":
            if not _FLOAT.fullmatch(value):
                return None
            values[opt.dest] = float(value)
        else:
            values[opt.dest] = value
    return positional, values


def _completion_requested() -> bool:
    return any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ)


def _run(command: Callable[[], None]) -> None:
    """Run a parsed command as typer would: Ctrl+C exits 130, a closed stdout exits 1 quietly."""
    try:
        command()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except BrokenPipeError:
        # The reader went away (``| head``): no traceback, and no second error when
        # Python flushes the stream at exit.
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BrokenPipeError:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass
        raise SystemExit(1) from None


def _validate(arguments: list[str], values: dict[str, Any]) -> None:
    from cdpctl.commands._validate_run import ValidateArgs, run_validate

    run_validate(ValidateArgs(paths=arguments or None, **values))


def _lint(arguments: list[str], values: dict[str, Any]) -> None:
    from cdpctl.commands._lint_run import LintArgs, run_lint

    run_lint(LintArgs(plan=arguments[0] if arguments else None, **values))


def _compile(arguments: list[str], values: dict[str, Any]) -> None:
    from cdpctl.commands._compile_run import run_compile

    run_compile(arguments[0] if arguments else None, **values)


def _diff(arguments: list[str], values: dict[str, Any]) -> None:
    from cdpctl.commands._diff_run import DiffArgs, run_diff

    old, new = (*arguments, None, None)[:2]
    run_diff(DiffArgs(old=old, new=new, **values))


@dataclass(frozen=True)
class FastCommand:
    """A command the fast path runs: its options, how many arguments it takes (``None``: any), its body."""

    options: tuple[Opt, ...]
    max_arguments: int | None
    run: Callable[[list[str], dict[str, Any]], None]


COMMANDS = {
    "validate": FastCommand(VALIDATE_OPTIONS, None, _validate),
    "lint": FastCommand(LINT_OPTIONS, 1, _lint),
    "compile": FastCommand(COMPILE_OPTIONS, 1, _compile),
    "diff": FastCommand(DIFF_OPTIONS, 2, _diff),
}


def run_direct(argv: Sequence[str]) -> bool:
    """Run ``argv`` (without the program name) here when it is a plain command line of :data:`COMMANDS`.

    Returns ``False``, having done nothing, when typer must parse it.
    """
    command = COMMANDS.get(argv[0]) if argv else None
    if command is None or os.name == "nt" or _completion_requested():
        return False
    parsed = parse_command_line(argv[1:], command.options)
    if parsed is None:
        return False
    arguments, values = parsed
    if command.max_arguments is not None and len(arguments) > command.max_arguments:
        return False
    _run(lambda: command.run(arguments, values))
    return True
