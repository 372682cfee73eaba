"""Command-line mistakes in cdpctl's one error style: ``cdpctl: error: ...`` and a hint line on stderr.

The parser's own errors (an unknown command or option, a missing argument, a value of
the wrong type) are caught at the root of the application, whatever typer or click
release raised them, and printed the way every other cdpctl error is, with a
did-you-mean where a close name exists.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer.core

from cdpctl.commands._common import die
from cdpctl.commands._help import HelpCommand, HelpGroup, _click
from cdpctl.errors import did_you_mean

_ABORT: type[BaseException] = getattr(typer.core, "Abort", None) or _click.exceptions.Abort
"""What the parser raises on Ctrl+C or end of input at a prompt (typer's own class in recent releases)."""
INTERRUPTED = 130
"""The exit status of a command stopped by Ctrl-C (SIGINT), as a shell reports it."""

_UNKNOWN_COMMAND = re.compile(r"No such command '?\"?([^'\"]+)'?\"?")


def _option_names(command: Any, ctx: Any) -> list[str]:
    names: list[str] = []
    for param in command.get_params(ctx):
        if param.param_type_name == "option" and not getattr(param, "hidden", False):
            names += [*param.opts, *param.secondary_opts]
    return names


def _sentence(message: str) -> str:
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]


def explain_usage_error(exc: Any) -> tuple[str, str | None]:
    """The message and hint for a parser error (a click ``UsageError``)."""
    ctx = exc.ctx
    command = ctx.command if ctx is not None else None
    where = f"'{ctx.command_path}'" if ctx is not None else "'cdpctl'"
    every = f"'{ctx.command_path} --help'" if ctx is not None else "'cdpctl --help'"
    see = f"see {every}"
    unknown = _UNKNOWN_COMMAND.match(exc.message)
    if unknown and command is not None:
        name = unknown.group(1)
        known = [n for n, sub in getattr(command, "commands", {}).items() if not getattr(sub, "hidden", False)]
        guess = did_you_mean(name, known)
        return f"unknown command '{name}' for {where}", f"{guess} ({see})" if guess else f"{every} lists every command"
    if isinstance(exc, _click.exceptions.NoSuchOption) and command is not None:
        guess = did_you_mean(exc.option_name, _option_names(command, ctx))
        return f"unknown option '{exc.option_name}' for {where}", f"{guess} ({see})" if guess else f"{every} lists every option"
    return _sentence(exc.format_message()), see


def _missing_command(ctx: Any) -> tuple[str, int, str]:
    """The error of a group run without its command (``cdpctl generate``): the commands it has, and where to read more."""
    path = ctx.command_path if ctx is not None else "cdpctl"
    group = getattr(ctx, "command", None)
    names = [n for n, sub in getattr(group, "commands", {}).items() if not getattr(sub, "hidden", False)]
    return f"'{path}' needs a command: {', '.join(names)}", 2, f"'{path} --help' lists what each one does"


def adopt(command: Any) -> None:
    """Give ``command`` and everything under it cdpctl's help page (a command added without ``cls=`` too)."""
    if isinstance(command, typer.core.TyperGroup):
        if not isinstance(command, HelpGroup):
            command.__class__ = HelpGroup  # the same object, one more method: a subclass that adds no state
        for sub in command.commands.values():
            adopt(sub)
    elif isinstance(command, typer.core.TyperCommand) and not isinstance(command, HelpCommand):
        command.__class__ = HelpCommand


class RootGroup(HelpGroup):
    """The ``cdpctl`` group: parses, runs, and prints parser errors in cdpctl's style (exit status 2)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for sub in self.commands.values():
            adopt(sub)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        standalone = standalone_mode
        try:
            outcome = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except _click.exceptions.ClickException as exc:
            if not standalone:
                raise
            if type(exc).__name__ == "NoArgsIsHelpError":  # `cdpctl generate`: the group's help, and why it failed
                sys.stdout.write(exc.format_message() + "\n")
                sys.stdout.flush()
                die(*_missing_command(exc.ctx))
            if isinstance(exc, _click.exceptions.UsageError):
                message, hint = explain_usage_error(exc)
                die(message, exc.exit_code, hint)
            die(_sentence(exc.format_message()), exc.exit_code)
        except _ABORT as exc:
            if not standalone:
                raise
            if isinstance(exc.__context__, KeyboardInterrupt):  # Ctrl-C at a question: 130, as every command
                sys.stderr.write("\ncdpctl: interrupted\n")
                raise SystemExit(INTERRUPTED) from None
            # no answer (standard input closed or not a terminal): the command could not do its job
            sys.stderr.write("\ncdpctl: error: aborted (no answer to a question: pass the options, or --yes)\n")
            raise SystemExit(2) from None
        if not standalone:
            return outcome
        if outcome == INTERRUPTED:  # Typer ends a command Ctrl-C stopped with a silent 130: one line, as above
            sys.stderr.write("\ncdpctl: interrupted\n")
        raise SystemExit(outcome if isinstance(outcome, int) else 0)
