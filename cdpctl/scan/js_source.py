"""Tracking calls in JavaScript and TypeScript (JSX and TSX too), found with tree-sitter's grammars.

Recognised: Segment's analytics.js / analytics-next / analytics-node (``analytics.track("Name", {...})``
and the Node object form ``analytics.track({event, properties})``), RudderStack, Amplitude
(``track``, ``logEvent``), Mixpanel, PostHog (``capture``), Snowplow's ``trackSelfDescribingEvent``
and the user's wrapper functions.  Names are literals (template strings without substitutions
too), top-level constants or members of a top-level object, enum or class of constants (``Events.ORDER``,
:mod:`cdpctl.scan.js_names`);
properties come from object literals, ``...spread`` and variables assigned an object literal in
the same function; value types from literals and TypeScript annotations.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from cdpctl.scan.imports import FileNames
from cdpctl.scan.js_names import binding_query, bound_receivers, commonjs_exports, js_bindings, string_constants
from cdpctl.scan.js_scopes import Scopes
from cdpctl.scan.js_syntax import key_name, number_value, pair_value, position, source_text, string_value, unwrap
from cdpctl.scan.model import NOT_LITERAL, FoundCall, FoundProperty, ParseFailure, Wrapper
from cdpctl.scan.sdks import BROWSER_PAGE, METHODS, SNOWPLOW_CALLS, iglu_name, sdk_of

FUNCTIONS = ("function_declaration", "function_expression", "arrow_function", "method_definition", "generator_function_declaration")
NODE_MESSAGE_KEYS = {
    "track": {"userId", "anonymousId", "event"},
    "page": {"userId", "anonymousId", "properties"},
    "screen": {"userId", "anonymousId", "properties"},
    "identify": {"userId", "anonymousId", "traits"},
    "group": {"userId", "anonymousId", "traits", "groupId"},
}
"""An object alone is the Node SDKs' message when it has one of these keys (the Node SDKs require ``userId`` or
``anonymousId``); otherwise it is what analytics.js reads there: the traits of identify and group, the
properties of page."""
DOTTED = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
"""A name written as identifiers and dots (``ORDER``, ``ev.ORDER``): what an imported constant looks like."""
TS_TYPES = {"number": "number", "string": "string", "boolean": "boolean", "object": "object"}


@functools.cache
def _grammar(language: str) -> tuple[Any, Any, Any, Any]:
    """The parser of ``language`` and its queries: every call, every syntax error, every node that may bind a
    receiver (they run in C)."""
    from tree_sitter import Language, Parser, Query

    if language == "javascript":
        import tree_sitter_javascript as javascript

        grammar = Language(javascript.language())
    else:
        import tree_sitter_typescript as typescript

        grammar = Language(typescript.language_tsx() if language == "tsx" else typescript.language_typescript())
    queries = (Query(grammar, "(call_expression) @call"), Query(grammar, "(ERROR) @error"), Query(grammar, binding_query(language)))
    return Parser(grammar), *queries


class _File:
    def __init__(self, file: str, source: bytes, root: Any, wrappers: list[Wrapper], bindings: list[Any]) -> None:
        self.file = file
        self.source = source
        self.wrappers = wrappers
        self.constants = string_constants(root)
        self.receivers = bound_receivers(bindings)
        self.scopes = Scopes()
        self.imports = js_bindings(root)
        self.imported = {binding.local.split(".", 1)[0] for binding in self.imports if binding.own}
        """The names the file takes from modules (``export ... from`` passes names on without taking them)."""
        self.calls: list[FoundCall] = []

    # --- resolution ----------------------------------------------------------------------------------
    def _declarations(self, node: Any, name: str) -> tuple[Any, str | None]:
        """The value assigned to ``name`` and its declared type, in the enclosing functions, then the file."""
        scope = node.parent
        while scope is not None:
            if scope.type in FUNCTIONS or scope.type == "program":
                found = _find_declarator(scope, name)
                if found is not None:
                    return found
            scope = scope.parent
        return None, None

    def _event(self, node: Any) -> tuple[str | None, bool, str]:
        node = unwrap(node)
        if node is None:
            return None, False, ""
        literal = string_value(node)
        if literal is not None:
            return literal, False, ""
        text = source_text(node)
        if (node.type in ("identifier", "member_expression") and text in self.constants
                and not self.scopes.binds(node, text.split(".", 1)[0])):  # a parameter or a local of that name is not it
            return self.constants[text], False, ""
        return None, True, text[:200]

    def _typed(self, name: str, node: Any) -> FoundProperty:
        node = unwrap(node)
        if node is None:
            return FoundProperty(name, None)
        kind = node.type
        if kind in ("string", "template_string"):
            literal = string_value(node)
            return FoundProperty(name, "string", literal if literal is not None else NOT_LITERAL)
        if kind == "number":
            value = number_value(source_text(node))
            if value is None:
                return FoundProperty(name, None)
            return FoundProperty(name, "integer" if isinstance(value, int) or value.is_integer() else "number", value)
        if kind in ("true", "false"):
            return FoundProperty(name, "boolean", kind == "true")
        if kind == "null":
            return FoundProperty(name, "null", None)
        if kind == "object":
            return FoundProperty(name, "object")
        if kind == "array":
            return FoundProperty(name, "array")
        if kind == "unary_expression" and source_text(node).startswith("-"):
            inner = self._typed(name, node.named_children[-1])
            negated: Any = -inner.value if isinstance(inner.value, (int, float)) and not isinstance(inner.value, bool) else NOT_LITERAL
            return FoundProperty(name, inner.type, negated)
        if kind in ("identifier", "shorthand_property_identifier"):
            value, declared = self._declarations(node, source_text(node))
            if declared is not None:  # TypeScript has no integer type: a number may be whole
                return FoundProperty(name, declared, may_be_whole=declared == "number")
            if value is not None and value.type in ("string", "number", "true", "false", "null", "template_string"):
                return self._typed(name, value)
        return FoundProperty(name, None)

    def _properties(self, node: Any, depth: int = 0) -> tuple[list[FoundProperty], bool]:
        node = unwrap(node)
        if node is None or node.type in ("undefined", "null"):
            return [], True
        if depth > 8:
            return [], False
        if node.type == "identifier":
            value, _declared = self._declarations(node, source_text(node))
            return self._properties(value, depth + 1) if value is not None else ([], False)
        if node.type != "object":
            return [], False
        found: list[FoundProperty] = []
        complete = True
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                if key is None or key.type == "computed_property_name":
                    complete = False
                    continue
                found.append(self._typed(key_name(key), child.child_by_field_name("value")))
            elif child.type == "shorthand_property_identifier":
                found.append(self._typed(source_text(child), child))
            elif child.type == "spread_element":
                more, whole = self._properties(child.named_children[0] if child.named_children else None, depth + 1)
                found.extend(more)
                complete = complete and whole
            elif child.type != "comment":
                complete = False
        return found, complete

    # --- calls ---------------------------------------------------------------------------------------
    def call(self, node: Any) -> None:
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return
        args = [a for a in arguments.named_children if a.type != "comment"]
        callee = source_text(function)
        last = callee.rsplit(".", 1)[-1]
        for wrapper in self.wrappers:
            if callee == wrapper.name or callee.endswith("." + wrapper.name):
                self._add(node, "wrapper", wrapper.call_type, _at(args, wrapper.event), _at(args, wrapper.properties))
                return
        if last in SNOWPLOW_CALLS or (callee in ("snowplow", "window.snowplow") and string_value(_at(args, 0)) in SNOWPLOW_CALLS):
            payload = _at(args, 1) if callee in ("snowplow", "window.snowplow") else _at(args, 0)
            self._snowplow(node, payload)
            return
        if function.type != "member_expression":
            return
        receiver = function.child_by_field_name("object")
        method = function.child_by_field_name("property")
        receiver_name = source_text(receiver).rsplit(".", 1)[-1] if receiver is not None else ""
        sdk = sdk_of(receiver_name, self.receivers)
        call_type = METHODS.get(sdk or "", {}).get(source_text(method) if method is not None else "")
        if sdk is None or call_type is None:
            return
        first = unwrap(_at(args, 0))
        if first is not None and first.type == "object" and sdk == "posthog" and pair_value(first, "event") is not None:
            self._add(node, sdk, call_type, pair_value(first, "event"), pair_value(first, "properties"))  # posthog-node
            return
        if sdk in ("segment", "rudderstack") and len(args) == 1 and first is not None and first.type == "object":
            fields = {key_name(p.child_by_field_name("key")): p.child_by_field_name("value")
                      for p in first.named_children if p.type == "pair" and p.child_by_field_name("key") is not None}
            if fields.keys() & NODE_MESSAGE_KEYS[call_type]:  # the Node SDKs' message: {userId, event, properties}
                if call_type in ("identify", "group"):
                    self._add(node, sdk, call_type, None, fields.get("traits"))
                else:
                    added: tuple[str, ...] = ("category",) if sdk == "segment" and call_type == "page" and "category" in fields else ()
                    self._add(node, sdk, call_type, fields.get("event") or fields.get("name"), fields.get("properties"), added)
                return
        if call_type == "page":
            self._page(node, sdk, args)
        elif call_type in ("identify", "group"):  # ([id], [traits]): an object first is the traits
            traits = first if first is not None and first.type == "object" else _at(args, 1)
            self._add(node, sdk, call_type, None, traits)
        elif call_type == "track" and first is not None and first.type == "object":  # no name: nothing to check
            self._add(node, sdk, call_type, None, first)
        else:
            self._add(node, sdk, call_type, _at(args, 0), _at(args, 1))

    def _kind(self, node: Any) -> str:
        """What a page argument is: ``string`` (a literal or a constant), ``object``, ``none`` or ``unknown``."""
        node = unwrap(node)
        if node is None or node.type in ("null", "undefined"):
            return "none"
        if self._event(node)[0] is not None:
            return "string"
        if node.type == "object" or (node.type == "identifier" and getattr(self._declarations(node, source_text(node))[0], "type", "") == "object"):
            return "object"
        return "unknown"

    def _page(self, node: Any, sdk: str, args: list[Any]) -> None:
        """``page([category], [name], [properties], ...)``, read as analytics.js reads it: two strings are the
        category and the name, one string is the name, the first object the properties; a second argument
        the scan cannot know (a variable) may be the name or the properties, so the name is dynamic."""
        first, second = self._kind(_at(args, 0)), self._kind(_at(args, 1))
        browser = sdk == "segment"
        if second == "string":
            self._add(node, sdk, "page", args[1], _at(args, 2), (*BROWSER_PAGE, "name", "category") if browser else ())
        elif first == "string" and second == "unknown":  # page('Docs', PAGE): a category and a name, or a name and properties
            self._add(node, sdk, "page", args[1], None, BROWSER_PAGE if browser else ())
        elif first in ("string", "unknown"):
            self._add(node, sdk, "page", args[0], _at(args, 1), (*BROWSER_PAGE, "name") if browser else ())
        else:  # page() or page(properties)
            self._add(node, sdk, "page", None, _at(args, 0) if first == "object" else None, BROWSER_PAGE if browser else ())

    def _add(self, node: Any, sdk: str, call_type: str, event_node: Any, props_node: Any, added: tuple[str, ...] = ()) -> None:
        """One call; ``added``: the properties its SDK adds (as strings) unless the code sends them."""
        name, dynamic, text = self._event(event_node) if call_type not in ("identify", "group") else (None, False, "")
        props, complete = self._properties(props_node)
        sent = {p.name for p in props}
        props += [FoundProperty(key, "string", by_sdk=True) for key in added if key not in sent]
        line, column = position(self.source, node)
        ref = self._reference(event_node) if dynamic else ""
        self.calls.append(FoundCall(self.file, line, column, sdk, call_type, name, dynamic, text, props, complete, ref))

    def _reference(self, node: Any) -> str:
        """The dotted name of a name argument the file imports and no function or block around it binds, else empty."""
        node = unwrap(node)
        if node is None or node.type not in ("identifier", "member_expression"):
            return ""
        text = source_text(node)
        if not DOTTED.fullmatch(text):
            return ""
        if text.split(".", 1)[0] not in self.imported or self.scopes.binds(node, text.split(".", 1)[0]):
            return ""  # not a name the file takes from a module, or one a function or block around it binds
        return text

    def _snowplow(self, node: Any, payload: Any) -> None:
        payload = unwrap(payload)
        if payload is None or payload.type != "object":
            return
        event = pair_value(payload, "event")
        schema_node, data = (pair_value(event, "schema"), pair_value(event, "data")) if event is not None and event.type == "object" else (None, None)
        schema, dynamic, text = self._event(schema_node)
        name = iglu_name(schema) if schema else None
        props, complete = self._properties(data)
        line, column = position(self.source, node)
        self.calls.append(FoundCall(self.file, line, column, "snowplow", "track", name, dynamic or name is None,
                                    text or (schema or ""), props, complete))


def _at(args: list[Any], index: int | None) -> Any:
    return args[index] if index is not None and index < len(args) else None


def _find_declarator(scope: Any, name: str) -> tuple[Any, str | None] | None:
    """The first ``name = value`` declaration or ``name: type`` parameter in ``scope`` (not in nested functions)."""
    stack = list(reversed(scope.named_children))
    while stack:
        node = stack.pop()
        if node.type == "variable_declarator":
            target = node.child_by_field_name("name")
            if target is not None and source_text(target) == name:
                return unwrap(node.child_by_field_name("value")), _ts_type(node.child_by_field_name("type"))
        elif node.type in ("required_parameter", "optional_parameter"):
            pattern = node.child_by_field_name("pattern")
            if pattern is not None and source_text(pattern) == name:
                return None, _ts_type(node.child_by_field_name("type"))
        if node.type in FUNCTIONS:
            continue  # a nested function's names are its own
        stack.extend(reversed(node.named_children))
    return None


def _ts_type(node: Any) -> str | None:
    if node is None:
        return None
    text = source_text(node).lstrip(":").strip()
    return TS_TYPES.get(text)


def _first_missing(root: Any) -> Any:
    """The first node the parser had to invent (a syntax error without an ERROR node), else the root."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            return node
        if node.has_error:
            stack.extend(reversed(node.children))
    return root


def scan_js(text: bytes, file: str, language: str, wrappers: list[Wrapper]
            ) -> tuple[list[FoundCall], list[ParseFailure], FileNames]:
    """The tracking calls of one JavaScript/TypeScript file (``language``: javascript, typescript, tsx), and the
    names it offers and takes."""
    from tree_sitter import QueryCursor

    parser, calls, errors, bindings = _grammar(language)
    text = text.removeprefix(b"\xef\xbb\xbf")  # a BOM is no character of the first line
    root = parser.parse(text).root_node
    found = _File(file, text, root, wrappers, QueryCursor(bindings).captures(root).get("binding", []))
    failures: list[ParseFailure] = []
    for node in QueryCursor(calls).captures(root).get("call", []):
        found.call(node)
    if root.has_error:
        broken = sorted(QueryCursor(errors).captures(root).get("error", []), key=lambda n: n.start_point)
        line, column = position(text, broken[0] if broken else _first_missing(root))
        failures.append(ParseFailure(file, line, column, f"does not parse as {language}: syntax error"))
    names = FileNames(file, "js", {**found.constants, **commonjs_exports(root)}, found.imports)
    return sorted(found.calls, key=lambda c: (c.line, c.column)), failures, names
