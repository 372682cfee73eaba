"""``cdpctl version``: what is installed, for bug reports and CI logs (cdpctl, Python, engine libraries)."""

from __future__ import annotations

import json
import platform
import sys
from typing import Any

import typer

ENGINE_LIBRARIES = (
    "jsonschema",
    "msgspec",
    "orjson",
    "pyyaml",
    "google-re2",
    "zstandard",
    "typer",
    "click",
    "rich",
    "uvicorn",
    "httpx",
)
"""Distributions whose version changes what cdpctl does (validation, parsing, the command line, serve)."""


def versions() -> dict[str, Any]:
    """cdpctl's version, the interpreter's, and each engine library's (``None`` when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    from cdpctl import __version__

    libraries: dict[str, str | None] = {}
    for name in ENGINE_LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            libraries[name] = None
    return {
        "version": __version__,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": sys.platform,
        "libraries": libraries,
    }


def version_text(info: dict[str, Any]) -> str:
    lines = [f"cdpctl {info['version']}", f"Python {info['python']} ({info['implementation']}, {info['platform']})"]
    width = max(len(name) for name in info["libraries"])
    for name, installed in info["libraries"].items():
        lines.append(f"  {name:<{width}}  {installed or 'not installed'}")
    return "\n".join(lines) + "\n"


def version_command(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object (version, python, libraries)."),
) -> None:
    """Print the versions of cdpctl, Python and the libraries its engine uses.

    Example: cdpctl version --json
    """
    info = versions()
    sys.stdout.write(json.dumps(info, indent=2) + "\n" if as_json else version_text(info))


def register(app: typer.Typer) -> None:
    app.command("version")(version_command)
