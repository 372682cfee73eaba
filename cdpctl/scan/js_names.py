"""The names a JavaScript or TypeScript file binds: its string constants, and its receivers of a tracking SDK.

Constants are declared at the top level, by the name code uses for them: ``const ORDER = "Order Completed"``
(``ORDER``), an object of constants ``const EVENTS = {ORDER: "..."}`` (``EVENTS.ORDER``), a TypeScript enum
``enum Ev {Order = "..."}`` (``Ev.Order``) and a class's static fields ``class Events {static ORDER = "..."}``
(``Events.ORDER``), exported or not.  Receivers are the names imported or required from an SDK's package and
the clients made from them (:func:`bound_receivers`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cdpctl.scan.imports import Binding
from cdpctl.scan.js_syntax import key_name, source_text, string_value, unwrap


def string_constants(root: Any) -> dict[str, str]:
    """Name (``ORDER``, ``EVENTS.ORDER``, ``Ev.Order``, ``Events.ORDER``) -> string value, for the file ``root``."""
    constants: dict[str, str] = {}
    for statement in root.named_children:
        declaration = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        if declaration is None:
            continue
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            for declarator in declaration.named_children:
                if declarator.type == "variable_declarator":
                    _declarator(declarator, constants)
        elif declaration.type == "enum_declaration":
            _enum(declaration, constants)
        elif declaration.type in ("class_declaration", "class", "abstract_class_declaration"):
            _class(declaration, constants)
    return constants


def commonjs_exports(root: Any) -> dict[str, str]:
    """What ``require`` of the file gives, by name: ``module.exports = {ORDER: "..."}``, ``exports.ORDER = "..."``
    (offered to the files that require it, not constants of the file itself)."""
    exports: dict[str, str] = {}
    for statement in root.named_children:
        if statement.type == "expression_statement":
            _commonjs(statement, exports)
    return exports


def _commonjs(statement: Any, constants: dict[str, str]) -> None:
    """``module.exports = {ORDER: "..."}``, ``exports.ORDER = "..."``: what ``require`` gives, by its names."""
    assignment = unwrap(statement.named_children[0] if statement.named_children else None)
    if assignment is None or assignment.type != "assignment_expression":
        return
    target, value = source_text(assignment.child_by_field_name("left")), unwrap(assignment.child_by_field_name("right"))
    if value is None:
        return
    if target == "module.exports" and value.type == "object":
        for pair in value.named_children:
            key, member = pair.child_by_field_name("key"), string_value(unwrap(pair.child_by_field_name("value")))
            if pair.type == "pair" and key is not None and member is not None:
                constants[key_name(key)] = member
    elif target.startswith(("exports.", "module.exports.")) and string_value(value) is not None:
        constants[target.rsplit(".", 1)[-1]] = str(string_value(value))


def js_bindings(root: Any) -> list[Binding]:
    """The names a JavaScript or TypeScript file takes from relative modules at its top level: imports, ``export
    ... from`` re-exports and ``require(...)`` (:mod:`cdpctl.scan.imports` resolves them)."""
    bindings: list[Binding] = []
    for statement in root.named_children:
        source = string_value(statement.child_by_field_name("source")) if statement.type in ("import_statement", "export_statement") else None
        if statement.type == "import_statement" and source is not None:
            clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
            for child in clause.named_children if clause is not None else []:
                if child.type == "namespace_import":  # import * as ev from "./events"
                    bindings += [Binding(source_text(c), source) for c in child.named_children if c.type == "identifier"]
                elif child.type == "named_imports":  # import { ORDER, EVENTS as E } from "./events"
                    bindings += _specifiers(child, "import_specifier", source)
        elif statement.type == "export_statement" and source is not None:
            for child in statement.named_children:
                if child.type == "export_clause":  # export { X as Y } from "./b": passed on, not taken
                    bindings += [replace(b, own=False) for b in _specifiers(child, "export_specifier", source)]
                elif child.type == "namespace_export":  # export * as ns from "./c"
                    bindings += [Binding(source_text(c), source, own=False) for c in child.named_children if c.type == "identifier"]
            if not any(c.type in ("export_clause", "namespace_export") for c in statement.named_children):
                bindings.append(Binding("*", source, own=False))  # export * from "./a"
        elif statement.type in ("lexical_declaration", "variable_declaration"):
            for declarator in statement.named_children:
                required = _required(declarator)
                if required is not None:
                    bindings += required
    return bindings


def _specifiers(clause: Any, kind: str, source: str) -> list[Binding]:
    found = []
    for spec in clause.named_children:
        name, alias = spec.child_by_field_name("name"), spec.child_by_field_name("alias")
        if spec.type == kind and name is not None:
            found.append(Binding(source_text(alias or name), source, source_text(name)))
    return found


def _required(declarator: Any) -> list[Binding] | None:
    """``const ev = require("./events")`` and ``const { ORDER, B: C } = require("./events")``."""
    if declarator.type != "variable_declarator":
        return None
    target, value = declarator.child_by_field_name("name"), unwrap(declarator.child_by_field_name("value"))
    if target is None or value is None or value.type != "call_expression":
        return None
    function, arguments = value.child_by_field_name("function"), value.child_by_field_name("arguments")
    if function is None or source_text(function) != "require" or arguments is None or len(arguments.named_children) != 1:
        return None
    source = string_value(arguments.named_children[0])
    if source is None:
        return None
    if target.type == "identifier":
        return [Binding(source_text(target), source)]
    found = []
    for item in target.named_children if target.type == "object_pattern" else []:
        if item.type == "shorthand_property_identifier_pattern":
            found.append(Binding(source_text(item), source, source_text(item)))
        elif item.type == "pair_pattern":
            key, local = item.child_by_field_name("key"), item.child_by_field_name("value")
            if key is not None and local is not None and local.type == "identifier":
                found.append(Binding(source_text(local), source, key_name(key)))
    return found


def _declarator(declarator: Any, constants: dict[str, str]) -> None:
    name, value = declarator.child_by_field_name("name"), unwrap(declarator.child_by_field_name("value"))
    if name is None or value is None:
        return
    literal = string_value(value)
    if literal is not None:
        constants[source_text(name)] = literal
    elif value.type == "object":
        for pair in value.named_children:
            key, item = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            member = string_value(unwrap(item))
            if pair.type == "pair" and key is not None and member is not None:
                constants[f"{source_text(name)}.{key_name(key)}"] = member
    elif value.type == "class":  # const Events = class { static ORDER = "..." }
        _class(value, constants, source_text(name))


def _enum(declaration: Any, constants: dict[str, str]) -> None:
    """``enum Ev { Order = "Order Completed" }``: a member with a string value (a numeric member is no name)."""
    name, body = declaration.child_by_field_name("name"), declaration.child_by_field_name("body")
    if name is None or body is None:
        return
    for member in body.named_children:
        key, value = member.child_by_field_name("name"), member.child_by_field_name("value")
        literal = string_value(unwrap(value)) if member.type == "enum_assignment" else None
        if key is not None and literal is not None:
            constants[f"{source_text(name)}.{key_name(key)}"] = literal


def _class(declaration: Any, constants: dict[str, str], name_text: str | None = None) -> None:
    """``class Events { static ORDER = "Order Completed" }``: static fields with a string value."""
    name, body = declaration.child_by_field_name("name"), declaration.child_by_field_name("body")
    owner = name_text or (source_text(name) if name is not None else None)
    if owner is None or body is None:
        return
    for member in body.named_children:
        if member.type not in ("field_definition", "public_field_definition"):
            continue
        if not any(child.type == "static" for child in member.children):
            continue  # an instance field is no member of the class
        key = member.child_by_field_name("property") or member.child_by_field_name("name")
        literal = string_value(unwrap(member.child_by_field_name("value")))
        if key is not None and literal is not None and key.type != "private_property_identifier":
            constants[f"{owner}.{key_name(key)}"] = literal


FACTORIES = ("load", "init", "createInstance", "getInstance", "standalone")
"""Static methods that make a client: ``AnalyticsBrowser.load(...)``, ``Mixpanel.init(...)``, ``amplitude.createInstance()``."""


def binding_query(language: str) -> str:
    """The tree-sitter query of the nodes that can bind a receiver, in ``language``'s node names."""
    field = "field_definition" if language == "javascript" else "public_field_definition"
    return f"[(import_statement) (variable_declarator) (assignment_expression) ({field})] @binding"


def bound_receivers(bindings: list[Any]) -> dict[str, str]:
    """Receiver name -> SDK, from the binding nodes of a file in source order: names imported or required from
    an SDK's package (:data:`cdpctl.scan.sdks.JS_MODULES`) and what is made of them (``new Analytics(...)``,
    ``AnalyticsBrowser.load(...)``); ``this.client = ...`` binds ``client``."""
    from cdpctl.scan.sdks import JS_MODULES

    bound: dict[str, str] = {}
    for node in sorted(bindings, key=lambda n: n.start_byte):
        if node.type == "import_statement":
            sdk = JS_MODULES.get(string_value(node.child_by_field_name("source")) or "")
            if sdk is not None:
                bound.update(dict.fromkeys(_imported_names(node), sdk))
            continue
        if node.type == "variable_declarator":
            target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        elif node.type == "assignment_expression":
            target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        else:
            target, value = node.child_by_field_name("property") or node.child_by_field_name("name"), node.child_by_field_name("value")
        sdk = _made_from(unwrap(value), bound, JS_MODULES)
        if sdk is not None and target is not None:
            bound.update(dict.fromkeys(_target_names(target), sdk))
    return bound


def _imported_names(statement: Any) -> list[str]:
    clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
    names: list[str] = []
    for child in clause.named_children if clause is not None else []:
        if child.type == "identifier":  # import Default from "..."
            names.append(source_text(child))
        elif child.type == "namespace_import":  # import * as ns from "..."
            names += [source_text(c) for c in child.named_children if c.type == "identifier"]
        elif child.type == "named_imports":  # import { A as B } from "..."
            for spec in child.named_children:
                local = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                if spec.type == "import_specifier" and local is not None:
                    names.append(source_text(local))
    return names


def _target_names(target: Any) -> list[str]:
    """The names a declaration or an assignment binds: ``x``, ``this.x`` (``x``), ``[x]``, ``{A, B: c}``."""
    names: list[str] = []
    stack = [target]
    while stack:  # patterns nest without limit: no recursion
        node = stack.pop()
        if node.type in ("identifier", "property_identifier", "shorthand_property_identifier_pattern"):
            names.append(source_text(node))
        elif node.type == "member_expression" and node.child_by_field_name("property") is not None:
            names.append(source_text(node.child_by_field_name("property")))
        elif node.type == "array_pattern":  # const [analytics] = await AnalyticsBrowser.load(...)
            stack.extend(node.named_children[:1])
        elif node.type == "object_pattern":  # const { Analytics } = require("@segment/analytics-node")
            stack.extend(reversed(node.named_children))
        elif node.type == "pair_pattern" and node.child_by_field_name("value") is not None:
            stack.append(node.child_by_field_name("value"))
    return names


def _root(node: Any) -> str | None:
    """The identifier a member chain starts from (``seg`` of ``seg.Analytics``)."""
    while node is not None and node.type == "member_expression":
        node = node.child_by_field_name("object")
    return source_text(node) if node is not None and node.type == "identifier" else None


def _made_from(value: Any, bound: dict[str, str], modules: dict[str, str]) -> str | None:
    """The SDK of a client ``value`` makes: ``require("pkg")``, ``new C(...)``, ``C.load(...)``, a bound name."""
    if value is not None and value.type == "await_expression":
        value = unwrap(value.named_children[0]) if value.named_children else None
    if value is None:
        return None
    if value.type == "member_expression":  # require("@segment/analytics-node").Analytics
        inner = unwrap(value.child_by_field_name("object"))
        return _made_from(inner, bound, modules) if inner is not None and inner.type == "call_expression" else None
    if value.type == "identifier":
        return bound.get(source_text(value))
    if value.type == "new_expression":
        return bound.get(_root(value.child_by_field_name("constructor")) or "")
    if value.type != "call_expression":
        return None
    function, arguments = value.child_by_field_name("function"), value.child_by_field_name("arguments")
    if function is None:
        return None
    if function.type == "identifier" and source_text(function) == "require" and arguments is not None:
        return modules.get(string_value(next(iter(arguments.named_children), None)) or "")
    if function.type == "member_expression":
        method = function.child_by_field_name("property")
        if method is not None and source_text(method) in FACTORIES:
            return bound.get(_root(function.child_by_field_name("object")) or "")
    return None
