"""The text of the parts of a generated client: ``TypedDict`` classes, ``Tracker`` methods, docstrings.

Pure functions of the plan's method specs and type definitions; :mod:`cdpctl.codegen.python` lays
them out as one module, :mod:`cdpctl.codegen.package` as a package whose parts load on first use.
Every plan text goes through :func:`cdpctl.codegen.naming.py_str` or
:func:`cdpctl.codegen.naming.docstring_text`, so nothing in the plan can break out of the code.
"""

from __future__ import annotations

import json
import keyword
from typing import TYPE_CHECKING

from cdpctl.codegen.naming import docstring_text, py_str
from cdpctl.codegen.types import TypedDictDef
from cdpctl.model import Call, Plan, Property

if TYPE_CHECKING:
    from cdpctl.codegen.python import MethodSpec, Param

_ENVELOPE_ARGS = (
    "context: Mapping[str, Any] | None = None",
    "timestamp: datetime | None = None",
    "integrations: Mapping[str, Any] | None = None",
    "message_id: str | None = None",
)
_SEND_ARGS = ("user_id", "anonymous_id", "context", "timestamp", "integrations", "message_id")



def typed_dict_text(definition: TypedDictDef) -> str:
    """The ``TypedDict`` class (with its required and optional halves) of one definition."""
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
    doc += ["", "Keys: " + ", ".join(inline(key) for key, _ in keys) + "."]
    out.append(docstring(doc, "    "))
    return "\n".join(out) + "\n"


def method_text(spec: MethodSpec) -> str:
    """One planned call's ``Tracker`` method, indented for the class body."""
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
            args.append(f"{param.name}: {not_sent(param.annotation)} = NOT_SENT")
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
    lines.append(docstring(_method_doc(spec, extra_name if call.additional_properties else None), "        "))
    name = "None" if call.name is None or call_type in ("identify", "group") else py_str(call.name)
    lines.append("        return self._send(")
    lines.append(f"            {py_str(call_type)},")
    lines.append(f"            {name},")
    if spec.params:
        lines.append("            {")
        lines.extend(f"                {py_str(param.original)}: {_sent_value(param)}," for param in spec.params)
        lines.append("            },")
    else:
        lines.append("            {},")
    if call.additional_properties:
        lines.append(f"            extra={extra_name},")
    lines.extend(_send_tail(call_type))
    return "\n".join(lines) + "\n"

def _send_tail(call_type: str) -> list[str]:
    """The last arguments of the ``self._send(...)`` call of a method, and its closing parenthesis."""
    lines = ["            group_id=group_id,"] if call_type == "group" else []
    if call_type in ("page", "screen"):
        lines.append("            category=category,")
    lines.extend(f"            {arg}={arg}," for arg in _SEND_ARGS)
    return [*lines, "        )"]


def _method_doc(spec: MethodSpec, extra_name: str | None) -> list[str]:
    call = spec.call
    assert call is not None
    what = {"track": "Track", "identify": "Identify", "group": "Group", "page": "Page", "screen": "Screen"}
    title = f"{what[call.type]} {inline(call.name)}." if call.name is not None else f"{what[call.type]} a user."
    if call.type == "group":
        title = "Group a user with a company or account."
    doc = [title]
    if call.description:
        doc += ["", *docstring_text(call.description)]
    facts = []
    if call.owner:
        facts.append(f"Owner: {inline(call.owner)}.")
    if call.tags:
        facts.append("Tags: " + ", ".join(inline(tag) for tag in call.tags) + ".")
    if call.deprecated:
        facts.append("Deprecated: this call is deprecated in the tracking plan.")
    if facts:
        doc += ["", *facts]
    described = [param for param in spec.params]
    context_rules = _context_rules(call)
    if described or extra_name or context_rules:
        doc += ["", "Args:"]
        for param in described:
            sent = f" (sent as {inline(param.original)})" if param.name != param.original else ""
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

def generic_methods(plan: Plan) -> list[tuple[str, str]]:
    """``(name, text)`` of the untyped methods for the call types the plan leaves out."""
    out: list[tuple[str, str]] = []
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
        lines.append(docstring([title], "        "))
        lines.append("        return self._send(")
        lines.append(f"            {py_str(call_type)},")
        lines.append("            name," if call_type in ("page", "screen") else "            None,")
        lines.append("            None,")
        lines.append(f"            extra={field_key},")
        lines.extend(_send_tail(call_type))
        out.append((call_type, "\n".join(lines) + "\n"))
    return out



def _context_required(call: Call) -> bool:
    """Whether the plan's common ``context`` rules require a key (the ``context`` argument is then required)."""
    return any(prop.required for prop in call.common_context.values())


def _context_rules(call: Call) -> str | None:
    """One docstring line on the common ``context`` rules of ``call``."""
    if not call.common_context:
        return None
    required = [inline(name) for name, prop in call.common_context.items() if prop.required]
    optional = [inline(name) for name, prop in call.common_context.items() if not prop.required]
    parts = []
    if required:
        parts.append("must hold " + ", ".join(required))
    if optional:
        parts.append("may hold " + ", ".join(optional))
    return "Checked against the plan's common context rules: " + "; ".join(parts) + "."


def import_line(module: str, names: list[str], indent: str = "") -> str:
    """``from module import a, b``, parenthesized one name a line past 88 columns (as isort writes it)."""
    line = f"{indent}from {module} import {', '.join(names)}"
    if len(line) <= 88:
        return line
    return f"{indent}from {module} import (\n" + "".join(f"{indent}    {name},\n" for name in names) + f"{indent})"


def not_sent(annotation: str) -> str:
    """``X | NotSent``, keeping ``None`` last (``X | NotSent | None``; ``NotSent | None`` for ``None`` alone)."""
    if annotation == "None":
        return "NotSent | None"
    if annotation.endswith(" | None"):
        return annotation[: -len(" | None")] + " | NotSent | None"
    return f"{annotation} | NotSent"


def _class_key(key: str) -> bool:
    """Whether ``key`` can be written as a class-syntax ``TypedDict`` field."""
    return key.isidentifier() and key.isascii() and not keyword.iskeyword(key) and not key.startswith("__")


def describe(prop: Property) -> str | None:
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


def inline(text: str | None) -> str:
    """Plan text for one docstring line, quoted: its lines joined, everything escaped."""
    return "'" + " ".join(docstring_text(text or "")) + "'"


def str_tuple(values: list[str]) -> str:
    if not values:
        return ""
    return "(" + ", ".join(py_str(value) for value in values) + ("," if len(values) == 1 else "") + ")"


def docstring(lines: list[str], indent: str) -> str:
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    body = [f'{indent}"""{lines[0]}']
    body.extend(f"{indent}{line}" if line else "" for line in lines[1:])
    body.append(f'{indent}"""')
    return "\n".join(body)


def _sent_value(param: Param) -> str:
    """The expression a method sends for ``param``: the argument; for a ``date`` property given a datetime
    (a date to the type checker), its date, so it is sent as ``YYYY-MM-DD`` as the format asks."""
    if "date" in param.annotation.split(" | "):
        return f"{param.name}.date() if isinstance({param.name}, datetime) else {param.name}"
    return param.name
