"""One module per lint rule; each defines ``RULE``.  The registry lists them in :mod:`cdpctl.lint.registry`."""
