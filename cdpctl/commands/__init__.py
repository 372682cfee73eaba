"""One module per command; each defines ``register(app)``.  Heavy imports stay inside the commands."""

COMMAND_MODULES = ("compile", "validate", "lint", "diff", "generate", "serve", "interop", "schema", "docs", "coverage", "infer", "scan")
