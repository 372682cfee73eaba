"""Code generation from a tracking plan: typed Python clients (``cdpctl generate python``)."""

from __future__ import annotations

from cdpctl.codegen.output import GeneratedFile, generated_files, stale_files, write_files
from cdpctl.codegen.python import generate_python

__all__ = ["GeneratedFile", "generate_python", "generated_files", "stale_files", "write_files"]
