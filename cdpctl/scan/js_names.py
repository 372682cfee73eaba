"""The string constants a JavaScript or TypeScript file declares at its top level, by the name code uses for them.

``const ORDER = "Order Completed"`` (``ORDER``), an object of constants ``const EVENTS = {ORDER: "..."}``
(``EVENTS.ORDER``), a TypeScript enum ``enum Ev {Order = "..."}`` (``Ev.Order``) and a class's static
fields ``class Events {static ORDER = "..."}`` (``Events.ORDER``), exported or not.
"""

from __future__ import annotations

from typing import Any

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
