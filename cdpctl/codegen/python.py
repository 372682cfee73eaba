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
import keyword
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from cdpctl import __version__
from cdpctl.codegen.naming import allocate, docstring_text, pascal_case, py_str, snake_case
from cdpctl.codegen.types import ClassKey, TypedDictDef, TypeRenderer
from cdpctl.compiler import CompiledSchema, compile_plan
from cdpctl.model import Call, Plan, Property

RUNTIME_MARKER = "# --- runtime ---\n"

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

EMITTED_NAMES = ("Tracker", "PLAN_NAME", "PLAN_VERSION", "_PLAN_SCHEMAS", "Literal", "TypedDict", "TypeAlias",
                 "TYPE_CHECKING", "deprecated", "cast", "annotations", "typing_extensions", "types", "warnings")
"""Module-level names the emitter itself defines or imports (beside those of the runtime)."""


@functools.cache
def runtime_source() -> tuple[str, frozenset[str]]:
    """The runtime code to embed and the module-level names it (and its imports) define."""
    text = resources.files("cdpctl.codegen").joinpath("runtime.py").read_text(encoding="utf-8")
    head, _, body = text.partition(RUNTIME_MARKER)
    names: set[str] = set()
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
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


class _Emitter:
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
                description = _describe(own) or (_describe(rule) if rule is not None else None)
            else:
                assert rule is not None
                key = ("common", call.field_key, original)
                annotation = renderer.annotation(rule, key, "Common" + pascal_case(original, "P"))
                required, description = rule.required, _describe(rule)
            params.append(Param(arguments[original], original, annotation, required, description, rule is not None))
        return MethodSpec(method, call, call.type, tuple(params))

    # -- output ------------------------------------------------------------
    def module(self) -> str:
        plan = self.plan
        typed_dicts = [self._typed_dict(definition) for definition in self.renderer.definitions]
        methods = [self._method(spec) for spec in self.specs]
        methods.extend(self._generic_methods())
        deprecated = any(spec.call is not None and spec.call.deprecated for spec in self.specs)
        parts = [
            self._header() + "\n\n" + self._imports(deprecated) + ("\n\n" if deprecated else "\n") + self.runtime,
            f"PLAN_NAME: Final = {py_str(plan.name)}\nPLAN_VERSION: Final = {py_str(plan.version)}\n",
            self._schemas(),
            *([self._aliases()] if self.renderer.aliases else []),
            *typed_dicts,
            self._tracker(methods),
        ]
        return "\n\n".join(part.rstrip("\n") + "\n" for part in parts)

    def _header(self) -> str:
        plan = self.plan
        doc = [
            f"Typed tracking client for the tracking plan {_inline(plan.name)} (version {_inline(plan.version)}).",
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
        ]
        lines = [
            f"# Generated by cdpctl {__version__} from the tracking plan {py_str(plan.name)} "
            f"version {py_str(plan.version)}.",
            "# Do not edit: regenerate with `cdpctl generate python`.",
            _docstring(doc, ""),
        ]
        return "\n".join(lines)

    def _imports(self, deprecated: bool) -> str:
        uses = self.renderer.uses
        typing_names = ["Any", "ClassVar", "Final", "cast"]
        if "Literal" in uses:
            typing_names.append("Literal")
        if deprecated:
            typing_names.append("TYPE_CHECKING")
        if "TypedDict" in uses:
            typing_names.append("TypedDict")
        typing_names.sort(key=lambda name: (not name.isupper(), name.islower(), name))  # isort order
        lines = [
            "import importlib",
            "import json",
            "import logging",
            "import os",
            "from collections.abc import Callable, Mapping, Sequence",
            "from dataclasses import dataclass",
            "from datetime import date, datetime, timedelta, timezone",
            "from enum import Enum",
            _import_line("typing", typing_names),
        ]
        if deprecated:
            # typing_extensions.deprecated for type checkers; at run time the standard library alone
            # is enough (warnings.deprecated on 3.13+, else the decorator does nothing)
            lines += [
                "",
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
            ]
        return "\n".join(lines) + "\n"

    def _schemas(self) -> str:
        compiled = compile_plan(self.plan, "07")
        lines = ["_PLAN_SCHEMAS: Final[dict[tuple[str, str | None], str]] = {"]
        for schema in compiled.schemas:
            text = json.dumps(planned_part(schema), separators=(",", ":"), ensure_ascii=True)
            event = "None" if schema.event is None else py_str(schema.event)
            lines.append(f"    ({py_str(schema.type)}, {event}): {py_str(text)},")
        lines.append("}")
        lines.append('"""The planned part of the compiled JSON Schema of each call (used when ``validate=True``)."""')
        return "\n".join(lines) + "\n"

    def _patterns(self) -> str:
        """``{pattern: its RE2 form}`` for every pattern of the compiled schemas, as Python source."""
        from cdpctl.patterns import PatternError, compile_pattern

        found: dict[str, str] = {}
        stack: list[Any] = [schema.schema for schema in compile_plan(self.plan, "07").schemas]
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
        return "{" + ", ".join(f"{py_str(k)}: {py_str(v)}" for k, v in sorted(found.items())) + "}"

    def _aliases(self) -> str:
        """The plan's enums as named ``Literal`` aliases, to import and annotate with."""
        return "".join(f"{name} = {text}\n" for name, text in self.renderer.aliases.items())

    def _typed_dict(self, definition: TypedDictDef) -> str:
        out: list[str] = []
        bases: list[str] = []
        for suffix, items, total in (("Required", definition.required, True), ("Optional", definition.optional, False)):
            if not items:
                continue
            base = f"_{definition.name}{suffix}"
            bases.append(base)
            if all(_class_key(key) for key, _ in items):
                out.append(f"class {base}(TypedDict{'' if total else ', total=False'}):")
                out.extend(f"    {key}: {annotation}" for key, annotation in items)
                out += ["", ""]
                continue
            out.append(f"{base} = TypedDict(")
            out.append(f"    {py_str(base)},")
            out.append("    {")
            out.extend(f"        {py_str(key)}: {annotation}," for key, annotation in items)
            out.append("    },")
            if not total:
                out.append("    total=False,")
            out += [")", "", ""]
        out.append(f"class {definition.name}({', '.join(bases)}):")
        doc = docstring_text(definition.description) if definition.description else []
        if not doc:
            doc = ["A planned object."]
        keys = [*definition.required, *definition.optional]
        doc += ["", "Keys: " + ", ".join(_inline(key) for key, _ in keys) + "."]
        out.append(_docstring(doc, "    "))
        return "\n".join(out) + "\n"

    def _tracker(self, methods: list[str]) -> str:
        plan = self.plan
        governed = sorted(call_type for call_type in ("track", "identify", "group", "page", "screen")
                          if plan.governs(call_type))
        deprecated = sorted(name for name, call in plan.events.items() if call.deprecated)
        doc = [
            f"Typed tracking client for {_inline(plan.name)} {_inline(plan.version)}: one method per planned call.",
            "",
            "Wraps any client with the Segment SDK methods (``segment.analytics``, ``Client``, a RudderStack",
            "client, a test double).  ``validate=True`` checks each message against the compiled plan before",
            "it is sent (needs ``jsonschema``); ``on_violation`` receives the violations.",
        ]
        lines = [
            "class Tracker(_TrackerBase):",
            _docstring(doc, "    "),
            "",
            "    _SCHEMAS: ClassVar[Mapping[tuple[str, str | None], str]] = _PLAN_SCHEMAS",
            f"    _GOVERNED: ClassVar[frozenset[str]] = frozenset({_str_tuple(governed)})",
            f"    _DEPRECATED: ClassVar[frozenset[str]] = frozenset({_str_tuple(deprecated)})",
            f"    _PATTERNS: ClassVar[Mapping[str, str]] = {self._patterns()}",
        ]
        body = "\n".join(lines) + "\n"
        return body + "".join("\n" + method for method in methods)

    def _method(self, spec: MethodSpec) -> str:
        call = spec.call
        assert call is not None
        call_type = spec.call_type
        field_key = call.field_key
        lines: list[str] = []
        if call.deprecated:
            lines.append(f"    @typing_extensions.deprecated({py_str(f'{call.label!r} is deprecated in the tracking plan')})")
        args = ["self", "*", "user_id: str | int | None = None", "anonymous_id: str | int | None = None"]
        if call_type == "group":
            args.append("group_id: str | int")
        for param in spec.params:
            if param.required:
                args.append(f"{param.name}: {param.annotation}")
            else:
                args.append(f"{param.name}: {_not_sent(param.annotation)} = NOT_SENT")
        if call_type in ("page", "screen"):
            args.append("category: str | None = None")
        extra_name = "extra_traits" if field_key == "traits" else "extra_properties"
        if call.additional_properties:
            args.append(f"{extra_name}: Mapping[str, Any] | None = None")
        if _context_required(call):
            args += ["context: Mapping[str, Any]", *_ENVELOPE_ARGS[1:]]
        else:
            args += _ENVELOPE_ARGS
        lines.append(f"    def {spec.name}(")
        lines.extend(f"        {arg}," for arg in args)
        lines.append("    ) -> object:")
        lines.append(_docstring(self._method_doc(spec, extra_name if call.additional_properties else None), "        "))
        name = "None" if call.name is None or call_type in ("identify", "group") else py_str(call.name)
        lines.append("        return self._send(")
        lines.append(f"            {py_str(call_type)},")
        lines.append(f"            {name},")
        if spec.params:
            lines.append("            {")
            lines.extend(f"                {py_str(param.original)}: {param.name}," for param in spec.params)
            lines.append("            },")
        else:
            lines.append("            {},")
        if call.additional_properties:
            lines.append(f"            extra={extra_name},")
        if call_type == "group":
            lines.append("            group_id=group_id,")
        if call_type in ("page", "screen"):
            lines.append("            category=category,")
        lines.extend(f"            {arg}={arg}," for arg in _SEND_ARGS)
        lines.append("        )")
        return "\n".join(lines) + "\n"

    def _method_doc(self, spec: MethodSpec, extra_name: str | None) -> list[str]:
        call = spec.call
        assert call is not None
        what = {"track": "Track", "identify": "Identify", "group": "Group", "page": "Page", "screen": "Screen"}
        title = f"{what[call.type]} {_inline(call.name)}." if call.name is not None else f"{what[call.type]} a user."
        if call.type == "group":
            title = "Group a user with a company or account."
        doc = [title]
        if call.description:
            doc += ["", *docstring_text(call.description)]
        facts = []
        if call.owner:
            facts.append(f"Owner: {_inline(call.owner)}.")
        if call.tags:
            facts.append("Tags: " + ", ".join(_inline(tag) for tag in call.tags) + ".")
        if call.deprecated:
            facts.append("Deprecated: this call is deprecated in the tracking plan.")
        if facts:
            doc += ["", *facts]
        described = [param for param in spec.params]
        context_rules = _context_rules(call)
        if described or extra_name or context_rules:
            doc += ["", "Args:"]
            for param in described:
                sent = f" (sent as {_inline(param.original)})" if param.name != param.original else ""
                state = "Required" if param.required else "Optional"
                origin = ", common to every call" if param.common else ""
                text = f"    {param.name}: {state}{origin}{sent}."
                description = docstring_text(param.description) if param.description else []
                if description:
                    text += " " + description[0]
                doc.append(text)
                doc.extend(f"        {line}" if line else "" for line in description[1:])
            if extra_name:
                doc.append(f"    {extra_name}: Unplanned {call.field_key}, allowed by the plan for this call.")
            if context_rules:
                doc.append(f"    context: {context_rules}")
        return doc

    def _generic_methods(self) -> list[str]:
        plan = self.plan
        out: list[str] = []
        generic = (
            ("identify", plan.identify is None, "traits", "Identify a user (identify is not governed by the plan)."),
            ("group", plan.group is None, "traits", "Group a user (group is not governed by the plan)."),
            ("page", plan.pages is None, "properties", "Record a page view (pages are not governed by the plan)."),
            ("screen", plan.screens is None, "properties", "Record a screen view (screens are not governed by the plan)."),
        )
        for call_type, wanted, field_key, title in generic:
            if not wanted:
                continue
            args = ["self", "*", "user_id: str | int | None = None", "anonymous_id: str | int | None = None"]
            if call_type == "group":
                args.append("group_id: str | int")
            if call_type in ("page", "screen"):
                args += ["name: str | None = None", "category: str | None = None"]
            args.append(f"{field_key}: Mapping[str, Any] | None = None")
            args += _ENVELOPE_ARGS
            lines = [f"    def {call_type}("]
            lines.extend(f"        {arg}," for arg in args)
            lines.append("    ) -> object:")
            lines.append(_docstring([title], "        "))
            lines.append("        return self._send(")
            lines.append(f"            {py_str(call_type)},")
            lines.append("            name," if call_type in ("page", "screen") else "            None,")
            lines.append("            None,")
            lines.append(f"            extra={field_key},")
            if call_type == "group":
                lines.append("            group_id=group_id,")
            if call_type in ("page", "screen"):
                lines.append("            category=category,")
            lines.extend(f"            {arg}={arg}," for arg in _SEND_ARGS)
            lines.append("        )")
            out.append("\n".join(lines) + "\n")
        return out


_ENVELOPE_ARGS = (
    "context: Mapping[str, Any] | None = None",
    "timestamp: datetime | None = None",
    "integrations: Mapping[str, Any] | None = None",
    "message_id: str | None = None",
)
_SEND_ARGS = ("user_id", "anonymous_id", "context", "timestamp", "integrations", "message_id")


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


def _context_required(call: Call) -> bool:
    """Whether the plan's common ``context`` rules require a key (the ``context`` argument is then required)."""
    return any(prop.required for prop in call.common_context.values())


def _context_rules(call: Call) -> str | None:
    """One docstring line on the common ``context`` rules of ``call``."""
    if not call.common_context:
        return None
    required = [_inline(name) for name, prop in call.common_context.items() if prop.required]
    optional = [_inline(name) for name, prop in call.common_context.items() if not prop.required]
    parts = []
    if required:
        parts.append("must hold " + ", ".join(required))
    if optional:
        parts.append("may hold " + ", ".join(optional))
    return "Checked against the plan's common context rules: " + "; ".join(parts) + "."


def _import_line(module: str, names: list[str]) -> str:
    """``from module import a, b``, parenthesized one name a line past 88 columns (as isort writes it)."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= 88:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def _not_sent(annotation: str) -> str:
    """``X | NotSent``, keeping ``None`` last (``X | NotSent | None``)."""
    if annotation.endswith(" | None"):
        return annotation[: -len(" | None")] + " | NotSent | None"
    return f"{annotation} | NotSent"


def _class_key(key: str) -> bool:
    """Whether ``key`` can be written as a class-syntax ``TypedDict`` field."""
    return key.isidentifier() and key.isascii() and not keyword.iskeyword(key) and not key.startswith("__")


def _describe(prop: Property) -> str | None:
    """The plan's description of ``prop``, then its constraints and whether it is deprecated."""
    parts = [prop.description.strip()] if prop.description and prop.description.strip() else []
    rules = [
        f"{key} {json.dumps(value, ensure_ascii=False)}"
        for key, value in prop.constraints.items()
        if key not in ("enum", "const")  # the Literal type shows those
    ]
    if prop.items is not None:
        rules += [f"items {rule}" for rule in _item_rules(prop.items)]
    if rules:
        parts.append("Constraints: " + ", ".join(rules) + ".")
    raw = prop.extra.get("json_schema")
    if isinstance(raw, dict):
        parts.append("JSON Schema: " + json.dumps(raw, ensure_ascii=False, sort_keys=True) + ".")
    if prop.deprecated:
        parts.append("Deprecated in the tracking plan.")
    return " ".join(parts) if parts else None


def _item_rules(prop: Property) -> list[str]:
    return [
        f"{key} {json.dumps(value, ensure_ascii=False)}" for key, value in prop.constraints.items() if key not in ("enum", "const")
    ]


def _inline(text: str | None) -> str:
    """Plan text for one docstring line, quoted: its lines joined, everything escaped."""
    return "'" + " ".join(docstring_text(text or "")) + "'"


def _str_tuple(values: list[str]) -> str:
    if not values:
        return ""
    return "(" + ", ".join(py_str(value) for value in values) + ("," if len(values) == 1 else "") + ")"


def _docstring(lines: list[str], indent: str) -> str:
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    body = [f'{indent}"""{lines[0]}']
    body.extend(f"{indent}{line}" if line else "" for line in lines[1:])
    body.append(f'{indent}"""')
    return "\n".join(body)


def generate_python(plan: Plan) -> str:
    """The text of the typed tracking client module for ``plan``."""
    return _Emitter(plan).module()
