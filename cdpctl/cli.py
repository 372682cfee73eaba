"""The ``cdpctl`` command line: parses arguments and calls the library, nothing more.

``app`` (the typer application) is built on first use: importing this module stays cheap, and
every command is declared once, in typer (each command module imports its heavy parts lazily).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import importlib
import io
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

    from cdpctl.interrupts import Interrupts


def _version(value: bool) -> None:
    if value:
        import typer

        from cdpctl import __version__

        typer.echo(f"cdpctl {__version__}")
        raise typer.Exit()


@functools.cache
def build_app(only: str | None = None) -> typer.Typer:
    """The typer application with every command of :data:`cdpctl.commands.COMMAND_MODULES` (built once);
    ``only``: with that command alone (the run of one command; the same definition, none of the others'
    parameters built)."""
    import typer

    from cdpctl.commands import COMMAND_MODULES, COMMANDS
    from cdpctl.commands._usage import RootGroup

    app = typer.Typer(
        name="cdpctl",
        cls=RootGroup,
        help="Tracking-plan governance as code: compile, lint, diff, validate and generate typed clients "
        "from a YAML tracking plan.\n\nExample: cdpctl validate examples/events.ndjson",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version, is_eager=True, help="Print the version and exit (details: cdpctl version)."
        ),
        no_cache: bool = typer.Option(
            False,
            "--no-cache",
            help="Load plans afresh, neither reading nor writing the plan cache (also: CDPCTL_NO_CACHE=1).",
        ),
    ) -> None:
        """Tracking-plan governance as code."""
        _cache_off(no_cache)

    for name in (COMMANDS[only],) if only is not None else (*COMMAND_MODULES, "version"):
        importlib.import_module(f"cdpctl.commands.{name}").register(app)
    _no_cache_everywhere(app)
    return app


def _cache_off(no_cache: bool) -> None:
    """``--no-cache``, before the command name or after it."""
    if no_cache:
        os.environ["CDPCTL_NO_CACHE"] = "1"  # read by cdpctl.plan_cache, in this process and its workers


def _no_cache_everywhere(app: typer.Typer) -> None:
    """Every command takes ``--no-cache`` after its name too (``cdpctl lint --no-cache PLAN``), as the root does
    before it: the same option, declared once here and added to each command's parameters."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = _with_no_cache(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _no_cache_everywhere(group.typer_instance)


def _with_no_cache(command: Callable[..., object]) -> Callable[..., object]:
    import inspect
    import typing

    import typer

    signature = inspect.signature(command, eval_str=True)
    if "no_cache" in signature.parameters:
        return command
    option = typer.Option(False, "--no-cache", help="Load plans afresh, neither reading nor writing the plan cache.")
    extra = inspect.Parameter("no_cache", inspect.Parameter.KEYWORD_ONLY, default=option, annotation=bool)
    kind = inspect.Parameter.KEYWORD_ONLY

    @functools.wraps(command)
    def run(*args: object, no_cache: bool = False, **kwargs: object) -> object:
        _cache_off(no_cache)
        return command(*args, **kwargs)

    parameters = [p.replace(kind=kind) if p.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD else p for p in signature.parameters.values()]
    run.__signature__ = signature.replace(parameters=[*parameters, extra])  # type: ignore[attr-defined]
    run.__annotations__ = {**typing.get_type_hints(command), "no_cache": bool}
    return run


ROOT_FLAGS = ("--no-cache",)
"""Root options that may come before the command name and leave it the one command run."""


def command_named(args: list[str]) -> str | None:
    """The command ``args`` run, when they name one (``None``: help, the version, a mistyped name, no
    command: the whole application answers, with every command listed)."""
    from cdpctl.commands import COMMANDS

    for arg in args:
        if arg in ROOT_FLAGS:
            continue
        if arg == "--version":  # answered by the root option, before any command: the smallest one will do
            return "version"
        return arg if arg in COMMANDS else None
    return None


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the command line; a report that could not be written to stdout (a full disk) is exit 2, one line."""
    _closed_streams()
    before = _stdout_size()
    try:
        from cdpctl.interrupts import Interrupts, noting_from_start

        command = command_named(sys.argv[1:])
        interrupts = Interrupts()
        # validate takes over the signals noted from here to the end of its run (cdpctl.interrupts)
        with noting_from_start(interrupts) if command == "validate" else contextlib.nullcontext():
            # the same name in help and errors under 'python -m cdpctl' too
            _build_noting_signals(command, interrupts)(prog_name="cdpctl")
        status: object = 0
    except SystemExit as done:
        status = done.code
    except OSError as exc:  # past a command's own checks: a write to stdout on a full disk, a device error
        status = _failed(f"cannot write the output: {exc.strerror or exc}")
    try:
        sys.stdout.flush()
        if _at_file_size_limit(before):
            status = _failed("cannot write the output: File too large (the file size limit, ulimit -f, was reached)")
    except OSError as exc:  # what the command wrote is not all out: the report is cut short
        status = _failed(f"cannot write the output: {exc.strerror or exc}")
    raise SystemExit(status)


class _ClosedOutput(io.TextIOBase):
    """Standard output when the shell closed it (``>&-``): Python leaves ``sys.stdout`` ``None``, on which a
    write was a traceback and ``print`` wrote nothing silently (exit 0). Every write is an ``OSError``: the
    one ``cannot write the output`` line and exit 2 of any other write that fails."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def _closed_streams() -> None:
    """Stand-ins for a closed stdout (writes fail) and a closed stderr (writes go nowhere, the status stays)."""
    if sys.stdout is None:
        sys.stdout = _ClosedOutput()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the life of the process


def _stdout_size() -> int | None:
    """The size of the regular file stdout writes to (``None``: not a file)."""
    import stat

    try:
        info = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no stdout
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _at_file_size_limit(before: int | None) -> bool:
    """Whether the run wrote to a stdout file that reached the process's file size limit (``ulimit -f``).

    Past that limit a write gives ``EFBIG``, but a write that reaches it is cut short and says so only by
    the count it returns, which Python's text layer drops: a report written in one piece was cut with no
    error, and the run said nothing.  A file that grew to the limit is a report cut there (``before``: its
    size when the run started; one already that long that the run did not write to is not).
    """
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except ImportError:  # no such limit here
        return False
    after = _stdout_size()
    if limit == resource.RLIM_INFINITY or before is None or after is None:
        return False
    return after >= limit and after > before


def _build_noting_signals(command: str | None, interrupts: Interrupts) -> typer.Typer:
    """:func:`build_app`, with SIGINT and SIGTERM noted by ``interrupts`` while the modules of the command
    are imported, then one line and exit 130 / 143: raised in the middle of an import, the signal printed
    a traceback, and could crash an extension module half set up."""
    from cdpctl.interrupts import Interrupted, interruptible

    try:
        with interruptible(interrupts):
            app = build_app(command)
        interrupts.check()  # after the handlers are restored: a signal noted up to then is not lost
    except Interrupted as stop:
        sys.stderr.write(f"cdpctl: error: stopped by {stop.name} before the command started\n")
        raise SystemExit(stop.exit_code) from None
    return app


def _failed(message: str) -> int:
    """Say ``message`` on stderr and silence stdout, which failed.  Exit status 2."""
    from cdpctl.commands._common import silence_stdout

    silence_stdout()
    sys.stderr.write(f"cdpctl: error: {message}\n")
    sys.stderr.flush()
    return 2
