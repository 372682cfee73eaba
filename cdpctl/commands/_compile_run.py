"""What ``cdpctl compile`` does once its arguments are parsed (no typer here).

:mod:`cdpctl.commands.compile` declares the command line for typer; it calls :func:`run_compile`.
"""

from __future__ import annotations

import sys

from cdpctl.commands._common import handle_errors, load_plan_arg


def run_compile(plan: str | None = None, out: str | None = None, draft: str = "07") -> None:
    """Compile the plan: one bundle on stdout, or one schema per call and index.json in ``out``."""
    from cdpctl.compiler import compile_plan, dumps, write_compiled

    with handle_errors():
        loaded = load_plan_arg(plan)
        compiled = compile_plan(loaded, draft)
        if out is None:
            sys.stdout.write(dumps(compiled.bundle()))
            return
        try:
            written = write_compiled(compiled, out, tuple(loaded.files))
        except OSError as exc:
            from cdpctl.errors import UsageError

            raise UsageError(f"cannot write to '{out}': {exc.strerror or exc}") from exc
        sys.stderr.write(f"wrote {len(written) - 1} schemas and index.json to {out}\n")
