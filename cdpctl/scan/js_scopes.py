"""The names each scope of a JavaScript or TypeScript file binds itself, so a name there is not a constant.

A name argument (``analytics.track(ORDER)``) is the file's constant, or one it imports, only when no
function or block around it binds that name: a parameter (``function f(ORDER)``, ``ORDER => ...``,
``({ORDER}) => ...``), a declaration (``const ORDER = ...`` in a function or a block), a ``catch (ORDER)``
or a ``for (const ORDER of ...)``.  :class:`Scopes` answers that per reference, walking each scope once
(its set of names is kept), so a file of thousands of calls is read in linear time.
"""

from __future__ import annotations

from typing import Any

FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "method_definition",
             "generator_function_declaration", "generator_function", "function")
"""Nodes that open a function scope (their parameters are theirs)."""
BLOCKS = ("statement_block", "for_statement", "for_in_statement", "catch_clause", "class_body", "switch_body")
"""Nodes that open a block scope (``let``, ``const``, ``class``, a ``catch`` parameter, a loop's variable)."""
PATTERN_NAMES = ("identifier", "shorthand_property_identifier_pattern")
"""The nodes of a binding pattern that are names (a key of an object pattern is not)."""


class Scopes:
    """Whether a name is bound by a function or block around a node (each scope's names found once)."""

    def __init__(self) -> None:
        self._bound: dict[int, frozenset[str]] = {}

    def binds(self, node: Any, name: str) -> bool:
        """Whether a function or block enclosing ``node`` (the file's top level aside) binds ``name``."""
        scope = node.parent
        while scope is not None and scope.type != "program":
            if (scope.type in FUNCTIONS or scope.type in BLOCKS) and name in self._names(scope):
                return True
            scope = scope.parent
        return False

    def _names(self, scope: Any) -> frozenset[str]:
        found = self._bound.get(scope.id)
        if found is None:
            found = self._bound[scope.id] = frozenset(_bound_in(scope))
        return found


def _bound_in(scope: Any) -> set[str]:
    """The names ``scope`` binds: its parameters, and the declarations in it outside nested functions (in its
    nested blocks too: a ``var`` there is the function's, and a name too many only leaves a call dynamic)."""
    names: set[str] = set()
    for field in ("parameters", "parameter"):  # a function's (formal_parameters), an arrow's single one, a catch's
        node = scope.child_by_field_name(field)
        if node is not None:
            names |= _pattern_names(node)
    if scope.type == "for_in_statement":
        left = scope.child_by_field_name("left")
        if left is not None:
            names |= _pattern_names(left)
    stack = [child for child in scope.named_children if child.type not in FUNCTIONS or child.type == "function_declaration"]
    while stack:
        node = stack.pop()
        if node.type == "variable_declarator":
            target = node.child_by_field_name("name")
            if target is not None:
                names |= _pattern_names(target)
        elif node.type in ("function_declaration", "class_declaration", "generator_function_declaration"):
            declared = node.child_by_field_name("name")
            if declared is not None:
                names.add(declared.text.decode("utf-8", "replace"))
            continue  # its body is a scope of its own
        if node.type in FUNCTIONS:
            continue  # a nested function binds its own names (a nested block's count here: conservative)
        stack.extend(node.named_children)
    return names


def _pattern_names(pattern: Any) -> set[str]:
    """Every name in a binding pattern (conservatively: the names in default values too)."""
    names: set[str] = set()
    stack = [pattern]
    while stack:
        node = stack.pop()
        if node.type in PATTERN_NAMES:
            names.add(node.text.decode("utf-8", "replace"))
        elif node.type == "pair_pattern":
            value = node.child_by_field_name("value")
            if value is not None:
                stack.append(value)
        elif node.type not in FUNCTIONS:
            stack.extend(node.named_children)
    return names
