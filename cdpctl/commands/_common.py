"""Helpers shared by the command modules: error handling, plan loading, output format choice.

Nothing here imports typer: the command modules declare the command line, and these helpers
do the work.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

from cdpctl.errors import CdpctlError, PlanLoadError, UsageError

if TYPE_CHECKING:
    from cdpctl.errors import PlanIssue
    from cdpctl.model import Plan

PLAN_HELP = "Plan file (default: 'plan' from cdpctl.yaml or \\[tool.cdpctl] in pyproject.toml)."


def exit_with(code: int) -> NoReturn:
    """End the command with exit status ``code``.

    ``SystemExit`` rather than ``typer.Exit``: typer lets it through unchanged (the same
    status, in a test runner too), and raising it needs no import of typer.
    """
    raise SystemExit(code)


def die(message: str, code: int = 2, hint: str | None = None) -> NoReturn:
    """Print ``cdpctl: error: message`` (and ``cdpctl: hint: hint``) to stderr and exit with ``code``."""
    from cdpctl.reporting.formats import one_line

    sys.stderr.write(f"cdpctl: error: {one_line(message)}\n")
    if hint:
        sys.stderr.write(f"cdpctl: hint: {one_line(hint)}\n")
    sys.stderr.flush()  # before the exit: a test runner of click < 8.2 reads its stderr buffer unflushed
    exit_with(code)


def silence_stdout() -> None:
    """Point stdout, whose writes failed (a full disk), at the null device: what is still buffered is
    dropped, and leaving does not fail on it again (Python's own message and exit status 120)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a file descriptor
        pass


@contextmanager
def handle_errors() -> Iterator[None]:
    """Turn cdpctl's own errors into a clear message on stderr and their exit code, never a traceback."""
    try:
        yield
    except PlanLoadError as exc:
        from cdpctl.reporting.formats import printable

        for issue in exc.issues:
            sys.stderr.write(f"{printable(str(issue))}\n")
        count = len(exc.issues)
        sys.stderr.write(f"cdpctl: error: the plan has {count} problem{'s' if count != 1 else ''}\n")
        if os.environ.get("GITHUB_ACTIONS") == "true":  # also as annotations on the plan's lines
            from cdpctl.reporting import Result, github_annotations

            results = (
                Result(
                    "plan-load",
                    "error",
                    issue.message,
                    issue.pos.file,
                    issue.pos.line,
                    issue.pos.column,
                    "plan does not load",
                )
                for issue in exc.issues
            )
            sys.stderr.write(github_annotations(results))
        exit_with(exc.exit_code)
    except CdpctlError as exc:
        die(str(exc), exc.exit_code)


PLAN_OPTION_HELP = "The plan, as an option (the same as the PLAN argument)."


def one_plan(argument: str | None, option: str | None) -> str | None:
    """The plan given as the PLAN argument or as ``--plan`` (exit 2 when both are given and differ)."""
    if argument is not None and option is not None and argument != option:
        die(f"two plans given: '{argument}' and --plan '{option}'; give the plan once, as PLAN or as --plan")
    return argument if argument is not None else option


def load_plan_arg(plan: str | None, *, check_patterns: bool = True) -> Plan:
    """Load ``--plan`` or the configured default plan (raises cdpctl errors; use under handle_errors).

    ``check_patterns=False`` (lint) keeps patterns the engine cannot run, for rule CP303 to point into.
    """
    from cdpctl.config import resolve_plan_path
    from cdpctl.errors import UsageError
    from cdpctl.loader import load_plan

    if plan == "-":
        raise UsageError("reading a plan from standard input ('-') is not supported: pass the plan file")
    path = resolve_plan_path(plan)
    require_plan_file(path)
    return load_plan(path, check_patterns=check_patterns)


def load_plan_reported(plan: str | None, unloaded: Callable[[list[str], Sequence[PlanIssue]], None]) -> Plan:
    """:func:`load_plan_arg`; a plan that does not exist or does not load is first handed to
    ``unloaded(files, problems)`` (the report of a run that checked nothing: ``files`` are the plan's, never
    written over), then ends the run as :func:`load_plan_arg` does (exit 2)."""
    from cdpctl.config import resolve_plan_path
    from cdpctl.errors import PlanIssue, Pos

    path = resolve_plan_path(plan) if plan != "-" else "-"
    if path != "-" and not os.path.lexists(path):
        unloaded([path], [PlanIssue(Pos(path, 1, 1), "the plan file does not exist")])
    try:
        return load_plan_arg(plan)
    except PlanLoadError as error:
        unloaded([*error.files, *(str(issue.pos.file) for issue in error.issues), path], error.issues)
        raise


def require_plan_file(path: str) -> None:
    """Exit 2, with a did-you-mean for the YAML files beside it, when the plan file ``path`` does not exist."""
    if not os.path.lexists(path):
        die(f"cannot read plan file '{path}': No such file or directory", hint=plan_hint(path))


def plan_hint(path: str) -> str | None:
    """``did you mean 'plans/acme-shop.yaml'?`` for a plan file that does not exist, from the YAML files beside it."""
    from cdpctl.errors import did_you_mean

    folder = os.path.dirname(path)
    try:
        names = [n for n in os.listdir(folder or ".") if n.endswith((".yaml", ".yml"))]
    except OSError:
        return None
    guess = did_you_mean(os.path.basename(path), names)
    if guess is None:
        return f"YAML files in '{folder or '.'}': {', '.join(sorted(names)[:5])}" if names else None
    return re.sub(r"'([^']+)'", lambda m: f"'{os.path.join(folder, m.group(1))}'", guess)


def require_input(paths: list[str]) -> None:
    """Exit 2 when no log is given and standard input is a terminal: the run would wait there, silent,
    for a log typed by hand (``cdpctl coverage PLAN`` without its logs)."""
    if not paths and sys.stdin is not None and sys.stdin.isatty():
        die("no input: pass files, directories or globs, or '-' to read standard input")


def refuse_overwriting_plan(output: str | None, plan: Plan) -> None:
    """Exit 2 when ``output`` is one of the plan's files (a report written there would destroy the plan);
    the same file as :func:`refuse_overwriting` finds it (links, a case-folded spelling)."""
    if not output or output == "-":
        return
    from cdpctl.validation.targets import same_file

    if any(same_file(str(file), output) for file in plan.files):
        die(f"'{output}' is a file of the plan; writing there would destroy it")
    refuse_overwriting(output, [])  # nor the project configuration


def refuse_overwriting(output: str | None, protected: Iterable[tuple[str, str]], what: str = "the report (-o)") -> None:
    """Exit 2 when ``output`` is one of the ``(kind, path)`` files a command reads (its plan, its inputs).

    The same file is found through hard links and symbolic links, and by its case-folded spelling when
    the output does not exist yet (one file on macOS and Windows).
    """
    if not output or output == "-":
        return
    from cdpctl.validation.targets import refuse_writing_over

    try:
        refuse_writing_over([(what, output)], protected)
    except UsageError as exc:
        die(str(exc))


def choose_format(requested: str | None, allowed: tuple[str, ...], default: str = "text") -> str:
    """The output format: the one asked for, else ``github`` under GitHub Actions, else ``default``."""
    if requested is None:
        if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in allowed:
            return "github"
        return default
    if requested not in allowed:
        from cdpctl.errors import did_you_mean

        die(f"unknown format '{requested}'; choose one of: {', '.join(allowed)}", hint=did_you_mean(requested, allowed))
    return requested


def write_text(out: str | None, text: str, *, whole: bool = False) -> None:
    """Write ``text`` to the file ``out`` (its folder created if needed), or to stdout for None or ``-``.

    ``whole``: write a temporary file beside it and rename it into place, so the file is never left
    half written.  Any failure is a :class:`UsageError` naming the file (exit 2), never a traceback.
    """
    from pathlib import Path

    from cdpctl.errors import UsageError

    if out is None or out == "-":
        sys.stdout.write(text)
        return
    target = Path(out)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not whole:
            target.write_text(text, encoding="utf-8")
            return
        from cdpctl.atomic import replace_file

        replace_file(target, text)
    except FileExistsError as exc:  # mkdir: a file stands where a parent folder should be
        raise UsageError(f"cannot write to '{out}': '{target.parent}' is a file, not a folder") from exc
    except OSError as exc:
        raise UsageError(f"cannot write to '{out}': {exc.strerror or exc}") from exc
