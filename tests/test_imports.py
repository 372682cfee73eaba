"""Start-up stays light: what a command imports, and option values read without pydantic.

Each check runs ``cdpctl`` in a fresh interpreter and lists the heavy libraries left in
``sys.modules`` when it exits: a command imports only what it uses (no timing here; the
figures come from ``benchmarks/startup.py``).  The plain coercion of option values is
checked against typer's own on the same values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st

from cdpctl.cli import build_app
from cdpctl.commands._params import PlainCoercion

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "plans" / "acme-shop.yaml"
HEAVY = (
    "jsonschema", "msgspec", "orjson", "rich", "yaml", "uvicorn", "httpx", "re2", "tree_sitter", "rapidfuzz",
    "pyspark", "pydantic", "referencing", "jinja2", "cdpctl.loader", "cdpctl.validation", "cdpctl.serve",
)  # fmt: skip

PROBE = """
import atexit, json, sys
listing = sys.argv[1]
def dump():
    with open(listing, "w") as out:
        json.dump(sorted(sys.modules), out)
atexit.register(dump)
sys.argv = ["cdpctl", *sys.argv[2:]]
{body}
"""


def loaded(tmp_path: Path, body: str, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The heavy modules (of :data:`HEAVY`) imported by ``body`` run in a fresh interpreter with ``args``."""
    listing = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body), str(listing), *args],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=env,
    )
    names = json.loads(listing.read_text())
    return {name for name in HEAVY if name in names}


def test_importing_the_command_line_imports_nothing_heavy(tmp_path: Path) -> None:
    assert loaded(tmp_path, "import cdpctl.cli") == set()


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    assert loaded(tmp_path, "from cdpctl.cli import main; main()", "--version") == set()


def test_help_of_every_command_imports_nothing_heavy(tmp_path: Path) -> None:
    for command in ("serve", "validate", "lint", "generate", "import"):
        assert loaded(tmp_path, "from cdpctl.cli import main; main()", command, "--help") == set(), command


def test_lint_imports_only_what_loading_a_plan_needs(tmp_path: Path) -> None:
    found = loaded(tmp_path, "from cdpctl.cli import main; main()", "lint", str(PLAN))
    assert found <= {"yaml", "re2", "cdpctl.loader", "orjson", "msgspec"}, found
    assert "pydantic" not in found and "rich" not in found


def test_validate_with_the_plan_cache_warm_reads_no_yaml(tmp_path: Path) -> None:
    log = tmp_path / "events.ndjson"
    log.write_text('{"type": "alias", "userId": "u1", "previousId": "a1"}\n')
    env = {**os.environ, "CDPCTL_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("CDPCTL_NO_CACHE", None)
    command = ("validate", str(log), "--plan", str(PLAN))
    assert "yaml" in loaded(tmp_path, "from cdpctl.cli import main; main()", *command, env=env)  # fills the cache
    assert "yaml" not in loaded(tmp_path, "from cdpctl.cli import main; main()", *command, env=env)


def test_a_bad_number_still_gets_typers_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cdpctl", "serve", str(PLAN), "--port", "eighty"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    # Typer's own wording, which changed between releases ("Input should be a valid integer" in the
    # releases with the coercion layer, click's "'eighty' is not a valid integer" before)
    assert first.startswith("cdpctl: error: invalid value for '--port': "), first
    assert "valid integer" in first, first


def _params() -> dict[Any, Any]:
    """One parameter of the application for each plain annotation (the first seen)."""
    found: dict[Any, Any] = {}
    root = typer.main.get_command(build_app())
    stack: list[Any] = [root]
    while stack:
        command = stack.pop()
        stack.extend(getattr(command, "commands", {}).values())
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None:  # a Typer without the coercion layer the plain reading stands in for
                continue
            info = descriptor.parameter_info
            if info.min is None and info.max is None and info.parser is None:
                key = (descriptor.annotation, param.param_type_name)
                found.setdefault(str(key), param)
    return found


PARAMS = _params()
NUMERIC = st.one_of(
    st.text(alphabet="0123456789+-_.eE naifINF", max_size=8),
    st.integers().map(str),
    st.floats(allow_nan=False).map(repr),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
)


def _outcome(coercion: Any, value: Any, param: Any) -> tuple[str, Any]:
    from typer._click.exceptions import BadParameter

    try:
        result = coercion.coerce(value, param=param, ctx=None)
    except BadParameter as exc:
        return "error", exc.format_message()
    return type(result).__name__, result


@pytest.mark.parametrize("key", sorted(PARAMS))
@settings(max_examples=300, deadline=None)
@given(value=st.one_of(NUMERIC, st.text(max_size=6), st.lists(st.text(max_size=4), max_size=3).map(tuple), st.none()))
def test_plain_coercion_agrees_with_typers(key: str, value: Any) -> None:
    from typer._coercion import build_runtime_param

    param = PARAMS[key]
    theirs = _outcome(build_runtime_param(param.type_descriptor), value, param)
    ours = _outcome(PlainCoercion(param), value, param)
    if theirs[0] == "float" and theirs[1] != theirs[1]:  # nan
        assert ours[0] == "float" and ours[1] != ours[1]
    else:
        assert ours == theirs
