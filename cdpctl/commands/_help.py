"""How ``--help`` reads: one plain layout for every command, whatever the typer version installed.

Every command and group of the application uses :class:`HelpCommand` or :class:`HelpGroup`:
usage, description, examples kept on one line each (runnable as printed), arguments and
options with a readable placeholder (``PLAN``, ``[text|json|…]``, never a type name like
``<str>``), and each default.  Only names and values are read from the parameters, so the
page is the same under every typer and click release the project supports.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

import typer.core
from typer.core import TyperCommand, TyperGroup

from cdpctl.commands._params import use_plain_values

_ESCAPED = re.compile(r"\\\[")


def choices(values: Sequence[str]) -> str:
    """The placeholder of a choice option: ``[text|json|markdown]``."""
    return "[" + "|".join(values) + "]"


def _text(help_text: str | None) -> str:
    """Help text as printed: rich escapes (``\\[``) undone, indentation removed."""
    return _ESCAPED.sub("[", textwrap.dedent(help_text or "").strip())


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False)) or bool(getattr(param, "secondary_opts", None))


def metavar(param: Any) -> str:
    """The placeholder of an option's value or an argument: declared, else its name in capitals."""
    declared = getattr(param, "metavar", None)
    if declared:
        return str(declared)
    longest = str(max(param.opts, key=len) if param.param_type_name == "option" else param.name)
    return longest.lstrip("-").replace("-", "_").upper()


def _default(param: Any) -> str | None:
    shown = getattr(param, "show_default", None)
    if isinstance(shown, str):
        return shown
    default = getattr(param, "default", None)
    if shown is False or default is None or callable(default):
        return None
    if _is_flag(param):
        if param.secondary_opts:
            return str((param.opts if default else param.secondary_opts)[-1])
        return None  # a plain flag is off unless given
    if isinstance(default, (list, tuple)):
        return ", ".join(map(str, default)) or None
    return str(default)


def option_record(param: Any) -> tuple[str, str]:
    """``("-f, --format [text|json]", "Report format. [default: text]")`` for one option."""
    names = ", ".join(sorted(param.opts, key=lambda name: (name.startswith("--"), name)))
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    if not _is_flag(param):
        names += f" {metavar(param)}"
    help_text = _text(getattr(param, "help", None))
    default = _default(param)
    if default is not None:
        help_text += f"  [default: {default}]"
    if param.required:
        help_text += "  [required]"
    return names, help_text.strip()


def usage_line(command: Any, ctx: Any) -> str:
    """Everything after the command path on the usage line."""
    pieces = ["[OPTIONS]"]
    for param in command.get_params(ctx):
        if param.param_type_name != "argument" or getattr(param, "hidden", False):
            continue
        piece = metavar(param)
        piece = piece if param.required else f"[{piece}]"
        pieces.append(piece + ("..." if param.nargs == -1 else ""))
    if isinstance(command, TyperGroup):
        pieces.append("COMMAND [ARGS]...")
    return " ".join(pieces)


def _write_description(help_text: str, formatter: Any) -> None:
    """Paragraphs wrapped to the width; ``Example:`` lines kept whole, so they can be copied as printed."""
    paragraphs = [p for p in re.split(r"\n\s*\n", help_text) if p.strip()]
    for paragraph in paragraphs:
        formatter.write_paragraph()
        if paragraph.lstrip().startswith(("Example:", "Examples:")):
            for number, line in enumerate(paragraph.splitlines()):
                indent = formatter.current_indent + (2 if number == 0 else 4)
                formatter.write(" " * indent + line.strip() + "\n")
        else:
            formatter.write_text(" ".join(paragraph.split()))


def _short_help(command: Any) -> str:
    text = _text(getattr(command, "short_help", None) or getattr(command, "help", None))
    first = re.split(r"\n\s*\n", text)[0] if text else ""
    return " ".join(first.split())


def format_help(command: Any, ctx: Any, formatter: Any) -> None:
    """The whole help page of ``command``."""
    formatter.write_usage(ctx.command_path, usage_line(command, ctx), "Usage: ")
    _write_description(_text(command.help), formatter)
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [(metavar(p) + ("..." if p.nargs == -1 else ""), _text(p.help)) for p in params if p.param_type_name == "argument"]
    if arguments:
        with formatter.section("Arguments"):
            formatter.write_dl(arguments)
    options = [option_record(p) for p in params if p.param_type_name == "option"]
    if options:
        with formatter.section("Options"):
            formatter.write_dl(options)
    if isinstance(command, TyperGroup):
        listed = [(name, _short_help(sub)) for name, sub in command.commands.items() if not getattr(sub, "hidden", False)]
        if listed:
            with formatter.section("Commands"):
                formatter.write_dl(listed)


_click: Any = getattr(typer.core, "_click", None) or __import__("click")
"""The click that typer uses: its own copy in recent typer releases, the click package before."""

PATH_OPTIONS = frozenset({"output", "out", "split", "capture"})
"""The options that name a file or folder the command writes (an empty value is refused)."""


def parse_args_naming_the_command(parse: Any, ctx: Any, args: list[str]) -> Any:
    """``parse(ctx, args)``; a usage error raised without a context (``--jobs`` with no value) gets this one.

    Plain parameters read their values without pydantic (:func:`~cdpctl.commands._params.use_plain_values`).
    """
    params = ctx.command.get_params(ctx)
    use_plain_values(params)
    try:
        rest = parse(ctx, args)
    except Exception as exc:
        if getattr(exc, "ctx", False) is None:
            exc.ctx = ctx  # type: ignore[attr-defined]
        raise
    for param in params:  # '' names no file: a folder option would write into the current folder
        if param.name in PATH_OPTIONS and param.param_type_name == "option" and ctx.params.get(param.name) == "":
            raise _click.exceptions.BadParameter("an empty path names no file or folder", ctx=ctx, param=param)
    return rest


class HelpCommand(TyperCommand):
    """A typer command whose ``--help`` is :func:`format_help`."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        format_help(self, ctx, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> Any:
        return parse_args_naming_the_command(super().parse_args, ctx, args)


class HelpGroup(TyperGroup):
    """A typer group whose ``--help`` is :func:`format_help`."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        format_help(self, ctx, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> Any:
        return parse_args_naming_the_command(super().parse_args, ctx, args)
