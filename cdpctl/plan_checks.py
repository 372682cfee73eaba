"""Checks of untrusted plan text the loader applies: a pattern the engine can run, pointed at inside its scalar.

Pure functions of a value, its position and the text of its file; the loader
words the findings into its problems.
"""

from __future__ import annotations

from cdpctl.errors import Pos
from cdpctl.yamlsrc import offset_in_scalar


def pattern_problem(source: str, pos: Pos, file_text: str) -> tuple[Pos, str] | None:
    """Where and why ``source`` (a plan pattern written at ``pos``) cannot be used, or ``None``.

    The position is that of the construct at fault inside the pattern when the
    scalar is written on one line.
    """
    from cdpctl.patterns import PatternError, UnsupportedPattern, compile_pattern

    try:
        compile_pattern(source)
    except UnsupportedPattern as exc:
        return _at(pos, file_text, exc.offset), f"cannot be used: {exc.message}"
    except PatternError as exc:
        why = f"is not a valid regular expression: {exc.message} (patterns are ECMA-262)"
        return _at(pos, file_text, exc.offset), why
    return None


def _at(pos: Pos, file_text: str, offset: int) -> Pos:
    lines = file_text.splitlines()
    line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    return offset_in_scalar(line, pos, offset)
