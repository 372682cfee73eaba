"""The Python emitter: one self-contained, typed module for a tracking plan.

The module holds the plan's ``TypedDict`` classes, the runtime support of
:mod:`cdpctl.codegen.runtime` (copied verbatim), the compiled JSON Schemas
(for ``validate=True``) and a ``Tracker`` class with one method per planned
call.  Output is deterministic: the same plan and cdpctl version give the
same bytes.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cdpctl import __version__
from cdpctl.codegen.methods import (
    describe,
    docstring,
    generic_methods,
    import_line,
    inline,
    method_text,
    str_tuple,
    typed_dict_text,
)
from cdpctl.codegen.naming import allocate, docstring_text, pascal_case, py_str, snake_case
from cdpctl.codegen.types import ClassKey, TypeRenderer
from cdpctl.compiler import CompiledSchema, compile_plan
from cdpctl.model import Call, Plan

RUNTIME_MARKER = "# --- runtime ---\n"
_RUNTIME_FILES = ("runtime.py", "runtime_formats.py", "runtime_envelope.py", "runtime_nfa.py", "runtime_patterns.py")
"""The runtime modules embedded in a generated client, in this order."""

ENVELOPE_ARGUMENTS = ("self", "user_id", "anonymous_id", "context", "timestamp", "integrations", "message_id")
CALL_ARGUMENTS = {
    "track": ("extra_properties",),
    "page": ("category", "extra_properties"),
    "screen": ("category", "extra_properties"),
    "identify": ("extra_traits",),
    "group": ("group_id", "extra_traits"),
}
"""Keyword arguments of the generated methods that plan properties can never take (they get ``_``)."""

TRACKER_METHODS = ("check", "track", "identify", "group", "page", "screen", "alias", "flush")
"""Method names of ``Tracker`` that no planned call can take."""

EMITTED_NAMES = ("Tracker", "LazyTracker", "PLAN_NAME", "PLAN_VERSION", "_PLAN_SCHEMAS", "Literal", "TypedDict", "TypeAlias",
                 "TYPE_CHECKING", "deprecated", "cast", "annotations", "typing_extensions", "types", "warnings")
"""Module-level names the emitter itself defines or imports (beside those of the runtime)."""


@functools.cache
def runtime_source() -> tuple[str, frozenset[str]]:
    """The runtime code to embed and the module-level names it (and its imports) define."""
    texts = [resources.files("cdpctl.codegen").joinpath(name).read_text(encoding="utf-8") for name in _RUNTIME_FILES]
    body = "\n\n\n".join(text.partition(RUNTIME_MARKER)[2].strip("\n") for text in texts)
    names: set[str] = set()
    for node in (node for text in texts for node in ast.parse(text).body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):  # ``a = ...`` and ``a, b = ...``
            names.update(name.id for target in node.targets for name in ast.walk(target) if isinstance(name, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return body.strip("\n") + "\n", frozenset(names)


@functools.cache
def tracker_attributes() -> frozenset[str]:
    """Public attribute names of the runtime's tracker base class."""
    text = resources.files("cdpctl.codegen").joinpath("runtime.py").read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and node.name == "_TrackerBase":
            return frozenset(
                item.name for item in node.body if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
            )
    return frozenset()


@dataclass(frozen=True)
class Param:
    """One planned property as a keyword argument."""

    name: str
    original: str
    annotation: str
    required: bool
    description: str | None
    common: bool = False
    """Set by the plan's ``common:`` rules (alone, or beside the call's own definition)."""


@dataclass(frozen=True)
class MethodSpec:
    """One generated ``Tracker`` method."""

    name: str
    call: Call | None
    call_type: str
    params: tuple[Param, ...]


def call_class_base(call: Call) -> str:
    """The wanted class-name prefix for inline objects of ``call`` (``OrderCompleted``, ``PagePricing``)."""
    if call.type == "track":
        return pascal_case(call.name or "", "Event")
    prefix = call.type.capitalize()
    return prefix + pascal_case(call.name, "N") if call.name else prefix


def method_names(plan: Plan) -> dict[tuple[str, str], str]:
    """Method name of each planned call, keyed by ``(call type, name)``."""
    requests: dict[tuple[str, str], str] = {}
    for name in plan.events:
        requests[("track", name)] = snake_case(name, "track_")
    for name in plan.pages or {}:
        requests[("page", name)] = "page_" + snake_case(name, "n_")
    for name in plan.screens or {}:
        requests[("screen", name)] = "screen_" + snake_case(name, "n_")
    _, runtime_names = runtime_source()
    # module-level names too: a method named ``datetime`` would shadow it in later annotations
    reserved = {*TRACKER_METHODS, *tracker_attributes(), *runtime_names, *EMITTED_NAMES}
    return allocate(requests, reserved, exact=lambda key: key[0] == "track" and requests[key] == key[1])


def argument_names(call_type: str, fields: Iterable[str]) -> dict[str, str]:
    """Keyword-argument name of each property of one call of ``call_type``."""
    requests = {name: snake_case(name, "p_") for name in fields}
    reserved = (*ENVELOPE_ARGUMENTS, *CALL_ARGUMENTS[call_type])
    return allocate(requests, reserved, exact=lambda key: requests[key] == key)


class Emitter:
    """The plan's method specs and type definitions, named; renders the single module."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.runtime, runtime_names = runtime_source()
        self.module_names = runtime_names | set(EMITTED_NAMES)
        self.methods = method_names(plan)
        self.type_descriptions = {name: typedef.description for name, typedef in plan.types.items()}
        # pass 1: collect the class names wanted; pass 2 renders with the allocated names
        wanted: dict[ClassKey, str] = {}

        def want(key: ClassKey, name: str) -> str:
            wanted.setdefault(key, name)
            return name

        self._render_all(TypeRenderer(want, self.type_descriptions))
        names = allocate(
            wanted, self.module_names, exact=lambda key: key[0] == "type", order=lambda key: key, style="pascal"
        )
        self.renderer = TypeRenderer(lambda key, _name: names[key], self.type_descriptions)
        self.specs = self._render_all(self.renderer)

    def _render_all(self, renderer: TypeRenderer) -> list[MethodSpec]:
        specs: list[MethodSpec] = []
        for call in self.plan.calls():
            specs.append(self._spec(call, renderer))
        return specs

    def _spec(self, call: Call, renderer: TypeRenderer) -> MethodSpec:
        method = call.type if call.type in ("identify", "group") else self.methods[call.type, call.name or ""]
        common = call.common_fields
        names = [*call.fields, *(name for name in common if name not in call.fields)]
        arguments = argument_names(call.type, names)
        base = call_class_base(call)
        params = []
        for original in names:
            own = call.fields.get(original)
            rule = common.get(original)
            key: ClassKey
            if own is not None:
                # the call's own definition gives the type; a common rule on the same name adds to it
                key = ("call", call.type, call.name or "", original)
                annotation = renderer.annotation(own, key, base + pascal_case(original, "P"))
                required = own.required or (rule is not None and rule.required)
                description = describe(own) or (describe(rule) if rule is not None else None)
            else:
                assert rule is not None
                key = ("common", call.field_key, original)
                annotation = renderer.annotation(rule, key, "Common" + pascal_case(original, "P"))
                required, description = rule.required, describe(rule)
            params.append(Param(arguments[original], original, annotation, required, description, rule is not None))
        return MethodSpec(method, call, call.type, tuple(params))

    # -- output ------------------------------------------------------------
    @functools.cached_property
    def compiled(self) -> list[CompiledSchema]:
        """The plan's compiled call schemas (draft 07, as ``validate=True`` checks them)."""
        return compile_plan(self.plan, "07").schemas

    @property
    def deprecated(self) -> bool:
        """Whether a method carries ``@typing_extensions.deprecated``."""
        return any(spec.call is not None and spec.call.deprecated for spec in self.specs)

    def module(self) -> str:
        plan = self.plan
        typed_dicts = [typed_dict_text(definition) for definition in self.renderer.definitions]
        methods = [method_text(spec) for spec in self.specs]
        methods.extend(text for _, text in generic_methods(plan))
        parts = [
            self.header() + "\n\n" + self.imports(self.deprecated) + ("\n\n" if self.deprecated else "\n") + self.runtime,
            f"PLAN_NAME: Final = {py_str(plan.name)}\nPLAN_VERSION: Final = {py_str(plan.version)}\n",
            self._schemas(),
            *([aliases_text(self.renderer.aliases)] if self.renderer.aliases else []),
            *typed_dicts,
            self._tracker(methods),
        ]
        return "\n\n".join(part.rstrip("\n") + "\n" for part in parts)

    def header(self, extra: Sequence[str] = ()) -> str:
        """The generated comment lines and the module docstring (``extra``: lines added at its end)."""
        plan = self.plan
        doc = [
            f"Typed tracking client for the tracking plan {inline(plan.name)} (version {inline(plan.version)}).",
        ]
        if plan.description:
            doc += ["", *docstring_text(plan.description)]
        doc += [
            "",
            "Usage::",
            "",
            "    import segment.analytics as analytics",
            "    tracker = Tracker(analytics)",
            "",
            "Generated by cdpctl; do not edit.",
            *extra,
        ]
        return comment_header(plan) + "\n" + docstring(doc, "")

    def imports(self, deprecated: bool) -> str:
        """The import block of the single module (everything the runtime and the plan's part use)."""
        uses = self.renderer.uses
        typing_names = ["Any", "ClassVar", "Final", "cast"]
        if "Literal" in uses:
            typing_names.append("Literal")
        if deprecated:
            typing_names.append("TYPE_CHECKING")
        if "TypedDict" in uses:
            typing_names.append("TypedDict")
        typing_names.sort(key=lambda name: (not name.isupper(), name.islower(), name))  # isort order
        lines = [*RUNTIME_IMPORTS, import_line("typing", typing_names)]
        if deprecated:
            lines += ["", *DEPRECATED_SHIM]
        return "\n".join(lines) + "\n"

    def _schemas(self) -> str:
        lines = ["_PLAN_SCHEMAS: Final[dict[tuple[str, str | None], str]] = {"]
        for schema in self.compiled:
            text = json.dumps(planned_part(schema), separators=(",", ":"), ensure_ascii=True)
            event = "None" if schema.event is None else py_str(schema.event)
            lines.append(f"    ({py_str(schema.type)}, {event}): {py_str(text)},")
        lines.append("}")
        lines.append('"""The planned part of the compiled JSON Schema of each call (used when ``validate=True``)."""')
        return "\n".join(lines) + "\n"

    def tracker_doc(self) -> list[str]:
        plan = self.plan
        return [
            f"Typed tracking client for {inline(plan.name)} {inline(plan.version)}: one method per planned call.",
            "",
            "Wraps any client with the Segment SDK methods (``segment.analytics``, ``Client``, a RudderStack",
            "client, a test double).  ``validate=True`` checks each message against the compiled plan before",
            "it is sent (needs ``jsonschema``); ``on_violation`` receives the violations.",
        ]

    def class_facts(self) -> tuple[str, str]:
        """The ``frozenset(...)`` sources of ``_GOVERNED`` and ``_DEPRECATED``."""
        plan = self.plan
        governed = sorted(call_type for call_type in ("track", "identify", "group", "page", "screen")
                          if plan.governs(call_type))
        deprecated = sorted(name for name, call in plan.events.items() if call.deprecated)
        return f"frozenset({str_tuple(governed)})", f"frozenset({str_tuple(deprecated)})"

    def _tracker(self, methods: list[str]) -> str:
        governed, deprecated = self.class_facts()
        patterns = pattern_forms(schema.schema for schema in self.compiled)
        quick = quick_forms(patterns)
        lines = [
            "class Tracker(_TrackerBase):",
            docstring(self.tracker_doc(), "    "),
            "",
            "    _SCHEMAS: ClassVar[Mapping[tuple[str, str | None], str]] = _PLAN_SCHEMAS",
            f"    _GOVERNED: ClassVar[frozenset[str]] = {governed}",
            f"    _DEPRECATED: ClassVar[frozenset[str]] = {deprecated}",
            "    _PATTERNS: ClassVar[Mapping[str, str]] = "
            + "{" + ", ".join(f"{py_str(k)}: {py_str(v)}" for k, v in sorted(patterns.items())) + "}",
            "    _QUICK_PATTERNS: ClassVar[Mapping[str, str]] = "
            + "{" + ", ".join(f"{py_str(k)}: {py_str(v)}" for k, v in sorted(quick.items())) + "}",
        ]
        body = "\n".join(lines) + "\n"
        return body + "".join("\n" + method for method in methods)


RUNTIME_IMPORTS = (
    "import importlib",
    "import json",
    "import logging",
    "import math",
    "import os",
    "from collections.abc import Callable, Mapping, Sequence",
    "from dataclasses import dataclass",
    "from datetime import date, datetime, timedelta, timezone",
    "from enum import Enum",
)
"""The imports of :mod:`cdpctl.codegen.runtime` (but ``typing``, whose names depend on the plan)."""

DEPRECATED_SHIM = (
    # typing_extensions.deprecated for type checkers; at run time the standard library alone
    # is enough (warnings.deprecated on 3.13+, else the decorator does nothing)
    "if TYPE_CHECKING:",
    "    import typing_extensions",
    "else:",
    "    try:",
    "        import typing_extensions",
    "    except ImportError:",
    "        import types",
    "        import warnings",
    "",
    "        typing_extensions = types.SimpleNamespace(",
    '            deprecated=getattr(warnings, "deprecated", lambda _message, **_options: lambda function: function)',
    "        )",
)


def comment_header(plan: Plan) -> str:
    """The two comment lines every generated file starts with."""
    return (
        f"# Generated by cdpctl {__version__} from the tracking plan {py_str(plan.name)} "
        f"version {py_str(plan.version)}.\n# Do not edit: regenerate with `cdpctl generate python`."
    )


def aliases_text(aliases: Mapping[str, str]) -> str:
    """The plan's enums as named ``Literal`` aliases, to import and annotate with."""
    return "".join(f"{name} = {text}\n" for name, text in aliases.items())


def pattern_forms(documents: Iterable[Any]) -> dict[str, str]:
    """``{pattern: its RE2 form}`` for every pattern in ``documents`` (JSON Schemas)."""
    from cdpctl.patterns import PatternError, compile_pattern

    found: dict[str, str] = {}
    stack: list[Any] = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("pattern")
            if isinstance(value, str) and value not in found:
                # a pattern the engine cannot translate is left to jsonschema's re
                with contextlib.suppress(PatternError):
                    found[value] = compile_pattern(value).translated
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def quick_forms(forms: Mapping[str, str]) -> dict[str, str]:
    """``{pattern: its Python re form}`` for the simple ones among ``forms`` (``{pattern: its RE2 form}``): the
    client uses it on short values (:func:`cdpctl.patterns_quick.quick_form`), the linear-time automaton else."""
    from cdpctl.patterns_quick import quick_form

    found = {pattern: quick_form(form) for pattern, form in forms.items()}
    return {pattern: source for pattern, source in found.items() if source is not None}


def planned_part(schema: CompiledSchema) -> dict[str, Any]:
    """What the generated module embeds for one compiled call schema; the runtime rebuilds the rest."""
    document = schema.schema
    fields = document["properties"]["traits" if schema.type in ("identify", "group") else "properties"]
    part: dict[str, Any] = {"title": document["title"]}
    if "description" in document:
        part["description"] = document["description"]
    if document.get("deprecated"):
        part["deprecated"] = True
    part["fields"] = fields
    context = document["properties"].get("context")
    if context is not None and context != {"type": "object"}:
        part["context"] = context  # the plan's common context rules
    return part


def generate_python(plan: Plan) -> str:
    """The text of the typed tracking client module for ``plan``."""
    return Emitter(plan).module()
