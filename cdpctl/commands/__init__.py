"""One module per command; each defines ``register(app)``.  Heavy imports stay inside the commands."""

COMMAND_MODULES = ("compile", "validate", "lint", "diff", "generate", "serve", "interop", "schema", "docs", "coverage", "infer", "scan")

COMMANDS = {
    "compile": "compile",
    "validate": "validate",
    "lint": "lint",
    "diff": "diff",
    "generate": "generate",
    "serve": "serve",
    "import": "interop",
    "export": "interop",
    "init": "interop",
    "schema": "schema",
    "docs": "docs",
    "coverage": "coverage",
    "infer": "infer",
    "scan": "scan",
    "version": "version",
}
"""The module that registers each command (a run of one command builds only it: ``tests/test_help.py`` checks
that this names every command of the whole application)."""
