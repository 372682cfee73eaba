"""Event names a source file takes from another scanned file: constants reached through imports.

Teams keep their event names in one module (``events.py``, ``constants/events.ts``) and import them
where they track.  Each scanned file leaves a :class:`FileNames`: its own string constants (as
:mod:`cdpctl.scan.python_source` and :mod:`cdpctl.scan.js_names` read them) and its :class:`Binding`
of names to other modules.  Once every file is scanned, :class:`Index` resolves a call's name written
as a dotted name (``ORDER``, ``ev.ORDER``, ``Events.ORDER.value``) through those bindings, re-exports
and ``*`` imports included, to the constant of the file it comes from.  Only files of the same run
are read: a name from a file that was not scanned (a package, a path alias) stays dynamic.

Python: ``from app.events import ORDER``, ``from .events import ORDER as O``, ``import app.events as ev``,
``import app.events``, ``from app import events`` (a module), ``from .events import *``; a module is
``a/b.py`` or ``a/b/__init__.py``, found by its path's tail among the scanned files (the nearest to the
importing file when several end alike).  JavaScript and TypeScript: ``import {ORDER, EVENTS as E}``,
``import * as ev``, ``export ... from`` and ``export * from`` (barrel files), ``require(...)`` into a
name or an object pattern, all from relative paths (``./events``, with or without an extension, or a
folder's ``index``).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field

JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
MAX_DEPTH = 16
"""Modules followed from one name (re-exports of re-exports); a cycle ends earlier."""
MAX_VISITS = 10_000
"""Modules looked into for one name, all chains together (a barrel of many ``export *`` lines is read whole)."""


@dataclass(frozen=True)
class Binding:
    """A name a file takes from a module: ``local`` (``ORDER``, ``ev``; dotted for ``import a.b``; ``*`` for a star
    import or re-export), the module as written (``app.events``, ``..events``, ``./events``) and the name taken
    (``None``: the module itself)."""

    local: str
    source: str
    name: str | None = None
    own: bool = True
    """Whether the file itself takes the name (``export ... from`` only passes it on to its importers)."""


@dataclass
class FileNames:
    """What one scanned file offers and takes: its string constants and its bindings."""

    path: str
    language: str
    """``python`` or ``js`` (JavaScript and TypeScript resolve modules alike)."""
    constants: dict[str, str] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)


class Index:
    """Every scanned file's names, by real path, and the resolution of a dotted name in one of them."""

    def __init__(self, files: list[FileNames]) -> None:
        self.files = {os.path.realpath(names.path): names for names in files}
        self._python_tails: dict[str, list[str]] = {}
        for real, names in self.files.items():
            if names.language == "python":
                stem = real[:-3] if real.endswith(".py") else real
                stem = stem[: -len("/__init__")] if stem.endswith("/__init__") else stem
                self._python_tails.setdefault(os.path.basename(stem), []).append(real)

    def resolve(self, path: str, dotted: str) -> str | None:
        """The value of the constant ``dotted`` names in the file at ``path``, or ``None``."""
        names = self.files.get(os.path.realpath(path))
        return None if names is None else self._resolve(names, dotted, set(), 0, own=True)

    def _resolve(self, names: FileNames, dotted: str, seen: set[tuple[str, str]], depth: int, own: bool = False) -> str | None:
        """``dotted`` in ``names``: its constant, else through its bindings (``own``: the names the file takes,
        not the ones it only passes on); Python's later binding of a name wins, as at run time."""
        key = (names.path, dotted)
        if key in seen or depth > MAX_DEPTH or len(seen) >= MAX_VISITS:
            return None
        seen.add(key)
        if dotted in names.constants:
            return names.constants[dotted]
        bindings = reversed(names.bindings) if names.language == "python" else iter(names.bindings)
        for binding in bindings:
            if own and not binding.own:
                continue
            if binding.local == "*":
                target = self._module(names, binding.source)
                found = None if target is None else self._resolve(target, dotted, seen, depth + 1)
            elif dotted == binding.local or dotted.startswith(binding.local + "."):
                found = self._through(names, binding, dotted[len(binding.local) + 1 :], seen, depth)
            else:
                continue
            if found is not None or names.language == "python" and binding.local != "*":
                return found  # in Python the name is that binding's, found or not
        return None

    def _through(self, names: FileNames, binding: Binding, rest: str, seen: set[tuple[str, str]], depth: int) -> str | None:
        """``rest`` (``ORDER``, or empty) after the binding's local name, read in the module it binds."""
        target = self._module(names, binding.source)
        if binding.name is None:  # the module itself: its constant named by the rest
            return None if target is None or not rest else self._resolve(target, rest, seen, depth + 1)
        found = None if target is None else self._resolve(target, f"{binding.name}.{rest}" if rest else binding.name, seen, depth + 1)
        if found is None and rest and names.language == "python":  # from app import events: a module
            module = self._module(names, f"{binding.source}.{binding.name}" if not binding.source.endswith(".")
                                  else binding.source + binding.name)
            found = None if module is None else self._resolve(module, rest, seen, depth + 1)
        return found

    def _module(self, names: FileNames, source: str) -> FileNames | None:
        if names.language == "python":
            return self._python_module(names.path, source)
        return self._js_module(names.path, source)

    def _python_module(self, importer: str, source: str) -> FileNames | None:
        level = len(source) - len(source.lstrip("."))
        parts = [part for part in source[level:].split(".") if part]
        if level:
            base = os.path.dirname(os.path.realpath(importer))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            stem = os.path.join(base, *parts)
            # "from . import X" reads the package (its __init__.py), never a module beside its folder
            for candidate in ((stem + ".py",) if parts else ()) + (os.path.join(stem, "__init__.py"),):
                if candidate in self.files:
                    return self.files[candidate]
            return None
        if not parts:
            return None
        tail = os.sep + os.path.join(*parts)
        candidates = [real for real in self._python_tails.get(parts[-1], [])
                      if (real[:-3] if real.endswith(".py") else real).removesuffix(os.sep + "__init__").endswith(tail)]
        if not candidates:
            return None
        here = os.path.dirname(os.path.realpath(importer))
        ranked = sorted(((len(os.path.commonpath([here, real])), -len(real)), real) for real in candidates)
        if len(ranked) > 1 and ranked[-1][0] == ranked[-2][0]:
            return None  # two modules end alike, as near: which one Python imports depends on sys.path
        return self.files[ranked[-1][1]]

    def _js_module(self, importer: str, source: str) -> FileNames | None:
        if not source.startswith("."):  # a package or a path alias: not a scanned file
            return None
        stem = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(importer)), source))
        base, extension = os.path.splitext(stem)
        candidates = [stem, *(stem + ext for ext in JS_EXTENSIONS), *(os.path.join(stem, "index" + ext) for ext in JS_EXTENSIONS)]
        if extension in (".js", ".jsx", ".mjs", ".cjs"):  # TypeScript's ESM imports name the emitted file
            candidates += [base + ext for ext in (".ts", ".tsx", ".mts", ".cts")]
        for candidate in candidates:
            if candidate in self.files:
                return self.files[candidate]
        return None


def python_bindings(tree: ast.Module) -> list[Binding]:
    """The names a Python module takes from other modules at its top level (in ``if`` and ``try`` blocks too)."""
    bindings: list[Binding] = []
    statements = list(tree.body)
    while statements:
        statement = statements.pop(0)
        if isinstance(statement, ast.Import):
            for alias in statement.names:  # import a.b.c binds a.b.c as written; import a.b as x binds x
                bindings.append(Binding(alias.asname or alias.name, alias.name))
        elif isinstance(statement, ast.ImportFrom):
            source = "." * statement.level + (statement.module or "")
            for alias in statement.names:
                if alias.name == "*":
                    bindings.append(Binding("*", source))
                else:
                    bindings.append(Binding(alias.asname or alias.name, source, alias.name))
        elif isinstance(statement, ast.If):
            statements[:0] = [*statement.body, *statement.orelse]
        elif isinstance(statement, ast.Try):
            statements[:0] = [*statement.body, *statement.orelse, *statement.finalbody]
    return bindings
