"""The package form of a generated client: a light ``__init__`` and one submodule per group of calls.

``cdpctl generate python --out tracking/`` writes::

    tracking/__init__.py      PLAN_NAME, the runtime's public names, Tracker; every other name on first use
    tracking/_runtime.py      cdpctl.codegen.runtime and cdpctl.codegen.lazy_runtime
    tracking/_shared.py       the TypedDicts and Literal aliases that several groups use
    tracking/_calls_N.py      a group of planned methods, with the TypedDicts and aliases only they use
    tracking/_calls_N.json    the planned part of the schema of each call of the group (validate=True)
    tracking/py.typed

Importing the package runs only ``__init__`` and ``_runtime``: a group is imported when one of its
methods (or one of its names) is first used, and its data file read when validation first needs
it.  Type checkers see every name: ``__init__`` imports them all under ``TYPE_CHECKING``, and there
``Tracker`` derives from every group's class.  The methods, classes and aliases are the text the
single module holds (:mod:`cdpctl.codegen.methods`), with the same names.
"""

from __future__ import annotations

import functools
import io
import json
import re
import tokenize
from collections.abc import Iterable

from cdpctl.codegen.methods import docstring, generic_methods, import_line, method_text, typed_dict_text
from cdpctl.codegen.naming import py_str
from cdpctl.codegen.python import (
    DEPRECATED_SHIM,
    RUNTIME_IMPORTS,
    RUNTIME_MARKER,
    Emitter,
    aliases_text,
    comment_header,
    pattern_forms,
    planned_part,
    quick_forms,
    runtime_source,
)
from cdpctl.model import Plan

GROUP_SIZE = 50
"""Planned calls per submodule: what the first use of one call imports."""

GROUP_FILE = re.compile(r"_calls_\d+\.(?:py|json)|_shared\.py")
"""The names of group files (to find those a smaller plan no longer writes)."""

RUNTIME_EXPORTS = (
    "NOT_SENT", "STRICT_ENV", "NotSent", "PlanViolationError", "Violation", "ViolationHandler",
    "default_violation_handler",
)
"""Runtime names ``__init__`` re-exports, as the single module has them."""

_IMPORTED_FROM = {
    "Mapping": "collections.abc", "date": "datetime", "datetime": "datetime",
    "Any": "typing", "Literal": "typing", "TypedDict": "typing",
    "NOT_SENT": "._runtime", "NotSent": "._runtime", "LazyTracker": "._runtime",
}
"""Where a group or ``_shared`` module imports each name its code may use."""


@functools.cache
def lazy_runtime_source() -> str:
    """The code of :mod:`cdpctl.codegen.lazy_runtime` below its marker."""
    from importlib import resources

    text = resources.files("cdpctl.codegen").joinpath("lazy_runtime.py").read_text(encoding="utf-8")
    return text.partition(RUNTIME_MARKER)[2].strip("\n") + "\n"


@functools.lru_cache(maxsize=4096)
def _names_in(annotation: str) -> frozenset[str]:
    """The identifiers an annotation's source uses (not those inside its string literals)."""
    tokens = tokenize.generate_tokens(io.StringIO(annotation).readline)
    return frozenset(token.string for token in tokens if token.type == tokenize.NAME)


def _isort(names: list[str]) -> list[str]:
    """Names in the order isort (and ruff) sort them: constants, classes, then functions."""
    return sorted(names, key=lambda name: (not name.isupper(), name.islower(), name))


def _natural(module: str) -> list[object]:
    """isort's order of module names: ``_calls_2`` before ``_calls_10``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", module)]


def _statements(module: str, plain: list[str], exported: list[str], indent: str = "") -> list[str]:
    """``from module import ...`` as isort writes it: the plain names in one statement, each
    re-exported ``X as X`` in its own, ordered by their (first) names."""
    entries = [(name, f"{name} as {name}") for name in exported]
    if plain:
        first = _isort(plain)[0]
        entries.append((first, ", ".join(_isort(plain))))
    order = {name: index for index, name in enumerate(_isort([name for name, _ in entries]))}
    return [import_line(module, [text] if " as " in text else _isort(plain), indent)
            for _, text in sorted(entries, key=lambda entry: order[entry[0]])]


def _uses(annotations: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for annotation in annotations:
        found |= _names_in(annotation)
    return found


class _Package:
    def __init__(self, plan: Plan, group_size: int) -> None:
        self.plan = plan
        self.emitter = emitter = Emitter(plan)
        specs = emitter.specs
        count = max(1, -(-len(specs) // group_size))
        self.groups = [f"_calls_{index}" for index in range(count)]
        self.methods: dict[str, list[tuple[str, str]]] = {group: [] for group in self.groups}
        self.annotations: dict[str, list[str]] = {group: [] for group in self.groups}
        self.optional = {group: False for group in self.groups}
        self.deprecated = {group: False for group in self.groups}
        self.calls: dict[str, str] = {}
        self.schema_groups: dict[tuple[str, str | None], str] = {}
        for index, spec in enumerate(specs):
            group = self.groups[index // group_size]
            self.methods[group].append((spec.name, method_text(spec)))
            self.annotations[group].extend(param.annotation for param in spec.params)
            self.optional[group] |= any(not param.required for param in spec.params)
            self.deprecated[group] |= spec.call is not None and spec.call.deprecated
            self.calls[spec.name] = group
            if spec.call is not None:
                name = None if spec.call_type in ("identify", "group") else spec.call.name
                self.schema_groups[spec.call_type, name] = group
        for name, text in generic_methods(plan):
            self.methods[self.groups[-1]].append((name, text))
            self.calls[name] = self.groups[-1]
        self._place_types()

    def _place_types(self) -> None:
        """Each TypedDict and alias goes to the one group that uses it, or to ``_shared``."""
        renderer = self.emitter.renderer
        definitions = {definition.name: definition for definition in renderer.definitions}
        defined = set(definitions) | set(renderer.aliases)
        depends = {
            name: _uses(annotation for _, annotation in (*item.required, *item.optional)) & defined
            for name, item in definitions.items()
        }
        users: dict[str, set[str]] = {name: set() for name in defined}
        for group in self.groups:
            stack = list(_uses(self.annotations[group]) & defined)
            while stack:
                name = stack.pop()
                if group not in users[name]:
                    users[name].add(group)
                    stack.extend(depends.get(name, ()))
        self.home = {name: next(iter(found)) if len(found) == 1 else "_shared" for name, found in users.items()}
        self.definitions = definitions
        taken = defined
        prefix = "Calls"
        while any(f"{prefix}{index}" in taken for index in range(len(self.groups))):
            prefix = "Group" + prefix
        self.class_names = {group: f"{prefix}{index}" for index, group in enumerate(self.groups)}

    # -- files -------------------------------------------------------------
    def files(self) -> dict[str, str]:
        files = {"__init__.py": self.init(), "_runtime.py": self.runtime()}
        if "_shared" in self.home.values():
            files["_shared.py"] = self.types_module("_shared", "The TypedDicts and aliases that several groups of calls use.")
        schemas: dict[str, list[object]] = {group: [] for group in self.groups}
        patterns: dict[str, list[object]] = {group: [] for group in self.groups}
        for schema in self.emitter.compiled:
            group = self.schema_groups[schema.type, schema.event]
            schemas[group].append([schema.type, schema.event, planned_part(schema)])
            patterns[group].append(schema.schema)
        for group in self.groups:
            files[f"{group}.py"] = self.group_module(group)
            forms = dict(sorted(pattern_forms(patterns[group]).items()))
            data = {"schemas": schemas[group], "patterns": forms, "quick": quick_forms(forms)}
            files[f"{group}.json"] = json.dumps(data, separators=(",", ":"), ensure_ascii=True) + "\n"
        files["py.typed"] = ""
        return files

    def _head(self, doc: str) -> str:
        return comment_header(self.plan) + "\n" + docstring([doc], "") + "\n"

    def runtime(self) -> str:
        runtime, _ = runtime_source()
        imports = [*RUNTIME_IMPORTS, import_line("typing", ["TYPE_CHECKING", "Any", "ClassVar", "Final", "cast"])]
        doc = "Runtime support of the tracking client: messages, validation, loading each group on first use."
        return "\n".join([self._head(doc), *imports, "", runtime, "", lazy_runtime_source()])

    def _import_block(self, used: set[str], local: set[str], extra_typing: Iterable[str] = ()) -> list[str]:
        """``import`` lines for the names a group or ``_shared`` uses and does not define."""
        modules: dict[str, list[str]] = {"typing": list(extra_typing)}
        for name in sorted(used - local):
            source = _IMPORTED_FROM.get(name) or ("._shared" if self.home.get(name) == "_shared" else None)
            if source is not None:
                modules.setdefault(source, []).append(name)
        standard = [import_line(source, _isort(modules[source]))
                    for source in ("collections.abc", "datetime", "typing") if modules.get(source)]
        local_lines = [import_line(source, _isort(modules[source])) for source in ("._runtime", "._shared")
                       if modules.get(source)]
        return [*standard, *([""] if standard and local_lines else []), *local_lines]

    def _types_text(self, home: str) -> tuple[list[str], set[str], set[str]]:
        """The aliases and TypedDicts placed in ``home``: their text, the names they define and use."""
        renderer = self.emitter.renderer
        aliases = {name: text for name, text in renderer.aliases.items() if self.home[name] == home}
        definitions = [item for item in renderer.definitions if self.home[item.name] == home]
        parts = [aliases_text(aliases)] if aliases else []
        parts += [typed_dict_text(item) for item in definitions]
        used = _uses(aliases.values()) | _uses(a for item in definitions for _, a in (*item.required, *item.optional))
        if definitions:
            used.add("TypedDict")
        return parts, {*aliases, *(item.name for item in definitions)}, used

    def types_module(self, home: str, doc: str) -> str:
        parts, local, used = self._types_text(home)
        return self._layout(doc, self._import_block(used, local), parts)

    def group_module(self, group: str) -> str:
        parts, local, used = self._types_text(group)
        methods = self.methods[group]
        used |= _uses(self.annotations[group]) | {"Mapping", "Any", "datetime", "LazyTracker"}
        if self.optional[group]:
            used |= {"NOT_SENT", "NotSent"}
        deprecated = self.deprecated[group]
        imports = self._import_block(used, local, ["TYPE_CHECKING"] if deprecated else [])
        if deprecated:
            imports += ["", *DEPRECATED_SHIM]
        names = ", ".join(f"``{name}``" for name, _ in methods[:3]) + (", ..." if len(methods) > 3 else "")
        doc = [
            f"The methods of ``Tracker`` for {len(methods)} planned calls ({names}).",
            "",
            "Imported (and installed on ``Tracker``) when one of them is first used.",
        ]
        body = [f"class {self.class_names[group]}(LazyTracker):", docstring(doc, "    "), ""]
        body += [text for _, text in methods]
        doc_line = "One group of the tracking client's planned calls, imported on first use."
        return self._layout(doc_line, imports, [*parts, "\n".join(body)])

    def _layout(self, doc: str, imports: list[str], parts: list[str]) -> str:
        head = self._head(doc) + "\n" + "\n".join(imports) + "\n"
        body = "\n\n".join(part.rstrip("\n") + "\n" for part in parts)
        # isort's spacing: one blank line after the imports, two before a class
        gap = "\n\n" if body.startswith("class ") or imports[-1:] == [DEPRECATED_SHIM[-1]] else "\n"
        return head + gap + body

    def init(self) -> str:
        plan, emitter = self.plan, self.emitter
        extra = ["", "The per-call code and schemas of this package load on first use."]
        lines = [
            emitter.header(extra),
            "",
            "from typing import TYPE_CHECKING, Final",
            "",
            *_statements("._runtime", [], list(RUNTIME_EXPORTS)),
            "",
            f"PLAN_NAME: Final = {py_str(plan.name)}",
            f"PLAN_VERSION: Final = {py_str(plan.version)}",
            "",
            "if TYPE_CHECKING:",
        ]
        exported: dict[str, list[str]] = {}
        for name, home in self.home.items():
            exported.setdefault(home, []).append(name)
        for module in sorted({*exported, *self.groups}, key=_natural):
            plain = [self.class_names[module]] if module in self.class_names else []
            lines += _statements("." + module, plain, exported.get(module, []), "    ")
        bases = ", ".join(self.class_names[group] for group in self.groups)
        doc = emitter.tracker_doc()
        lines += ["", f"    class Tracker({bases}):", docstring(doc, "        "), "", "else:"]
        governed, deprecated = emitter.class_facts()
        names = {name: home for name, home in sorted(self.home.items())}
        schemas = self.schema_groups
        lines += [
            "    import importlib",
            "    from typing import ClassVar",
            "",
            "    from ._runtime import LazyTracker",
            "",
            "    _NAMES = {" + ", ".join(f"{py_str(k)}: {py_str(v)}" for k, v in names.items()) + "}",
            '    """Each TypedDict and alias: the submodule defining it (imported on first use)."""',
            "",
            "    def __getattr__(name: str) -> object:",
            "        module = _NAMES.get(name)",
            "        if module is None:",
            '            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
            '        value = getattr(importlib.import_module(f".{module}", __name__), name)',
            "        globals()[name] = value",
            "        return value",
            "",
            "    def __dir__() -> list[str]:",
            "        return sorted({*globals(), *_NAMES})",
            "",
            "    class Tracker(LazyTracker):",
            docstring(doc, "        "),
            "",
            "        _CALLS: ClassVar[dict[str, str]] = {" + ", ".join(f"{py_str(k)}: {py_str(v)}" for k, v in self.calls.items()) + "}",
            "        _PACKAGE = __name__",
            "        _SCHEMAS: ClassVar[dict[tuple[str, str | None], str]] = {"
            + ", ".join(f"({py_str(t)}, {'None' if e is None else py_str(e)}): {py_str(g)}" for (t, e), g in schemas.items())
            + "}",
            f"        _GOVERNED = {governed}",
            f"        _DEPRECATED = {deprecated}",
            "        _PATTERNS: ClassVar[dict[str, str]] = {}",
            "        _QUICK_PATTERNS: ClassVar[dict[str, str]] = {}",
        ]
        return "\n".join(lines) + "\n"


def generate_package(plan: Plan, group_size: int = GROUP_SIZE) -> dict[str, str]:
    """The files of the package form of the client for ``plan``: file name -> text."""
    return _Package(plan, group_size).files()
