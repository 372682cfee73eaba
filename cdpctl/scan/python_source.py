"""Tracking calls in Python source, found with the standard library's ``ast`` (never with regular expressions).

Recognised: Segment's and RudderStack's Python SDKs (``analytics.track(user_id, "Name", {...})`` and
the keyword forms), Mixpanel, PostHog (old and new ``capture`` signatures), Amplitude's ``BaseEvent``,
Snowplow self-describing events, the cdpctl-generated client (``tracker.order_completed(...)``) and
the user's wrapper functions.  Event names are literals (f-strings without placeholders too), module-level
constants or class constants (``Events.ORDER``, an enum member's ``Events.ORDER.value``); properties come from dict displays, ``dict(...)`` calls, ``**spread`` of a
variable assigned a literal in the same function, and keyword arguments.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from cdpctl.scan.imports import FileNames, python_bindings
from cdpctl.scan.model import NOT_LITERAL, FoundCall, FoundProperty, ParseFailure, Wrapper
from cdpctl.scan.python_names import bound_receivers
from cdpctl.scan.sdks import METHODS, SNOWPLOW_CALLS, iglu_name, is_generated_client, sdk_of

GeneratedMethods = dict[str, tuple[str, str | None, dict[str, str]]]
"""Generated client method -> (call type, event name, keyword argument -> property name)."""

ANNOTATION_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean", "dict": "object",
                    "list": "array", "tuple": "array", "None": "null"}

# positional layout of each Segment/RudderStack call: (event position, properties position)
SEGMENT_LAYOUT = {"track": (1, 2), "page": (2, 3), "screen": (2, 3), "identify": (None, 1), "group": (None, 2)}
SEGMENT_KEYWORDS = {"track": ("event", "properties"), "page": ("name", "properties"), "screen": ("name", "properties"),
                    "identify": (None, "traits"), "group": (None, "traits")}


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _receiver(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _assignments(body: list[ast.stmt] | list[ast.AST]) -> tuple[dict[str, ast.expr], dict[str, str]]:
    """Names assigned a value, and names annotated with a type, anywhere in ``body``."""
    values: dict[str, ast.expr] = {}
    types: dict[str, str] = {}
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                values.setdefault(node.targets[0].id, node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is not None:
                    values.setdefault(node.target.id, node.value)
                annotated = _annotation(node.annotation)
                if annotated:
                    types[node.target.id] = annotated
            elif isinstance(node, ast.arg) and node.annotation is not None:
                annotated = _annotation(node.annotation)
                if annotated:
                    types[node.arg] = annotated
    return values, types


def _names_bound_by(node: ast.AST, imports: bool) -> set[str]:
    """The names one node binds: a stored name, a parameter, ``except ... as``, a ``match`` capture, a ``def`` or
    ``class`` name, an import (when ``imports``)."""
    if isinstance(node, ast.Name):
        return {node.id} if isinstance(node.ctx, ast.Store) else set()
    if isinstance(node, ast.arg):
        return {node.arg}
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return {node.name} if node.name else set()
    if isinstance(node, ast.MatchMapping):
        return {node.rest} if node.rest else set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if imports and isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".", 1)[0] for alias in node.names}
    return set()


def _bound_names(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The names a function (or a lambda) binds locally: its parameters and every name bound in its body
    (nested functions' own names included: a name they bind is no module constant there either)."""
    names: set[str] = set()
    for node in ast.walk(function.args):
        names |= _names_bound_by(node, True)
    for statement in function.body if isinstance(function.body, list) else [function.body]:
        for node in ast.walk(statement):
            names |= _names_bound_by(node, True)
    return names


def _module_bound_names(tree: ast.Module) -> set[str]:
    """The names the module binds itself outside its functions and classes (an imported name assigned again,
    a loop's variable, a lambda's parameter): none of them is an imported constant any more."""
    names: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        names |= _names_bound_by(node, False)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # their bodies are scopes of their own
        stack.extend(ast.iter_child_nodes(node))
    return names


def _annotation(node: ast.expr) -> str | None:
    name = _dotted(node) if not isinstance(node, ast.Subscript) else _dotted(node.value)
    return ANNOTATION_TYPES.get((name or "").rsplit(".", 1)[-1].lower() if name else "")


class _Scope:
    def __init__(self, values: dict[str, ast.expr], types: dict[str, str],
                 function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | None = None) -> None:
        self.values = values
        self.types = types
        self.function = function
        self._bound: set[str] | None = None

    @property
    def bound(self) -> set[str]:
        """Every name the function binds (parameters, assignments, loops, imports): none is a module's constant
        (found when a call's name first needs it)."""
        if self._bound is None:
            self._bound = set() if self.function is None else _bound_names(self.function)
        return self._bound


class _Finder(ast.NodeVisitor):
    def __init__(self, file: str, wrappers: list[Wrapper], generated: GeneratedMethods | None, tree: ast.Module,
                 lines: list[str]) -> None:
        self.file = file
        self.lines = lines
        self.wrappers = wrappers
        self.generated = generated or {}
        self.calls: list[FoundCall] = []
        self.constants: dict[str, str] = {}
        self.receivers = bound_receivers(tree)
        self.bindings = python_bindings(tree)
        self.imported = {binding.local.split(".", 1)[0] for binding in self.bindings}
        """The names the module takes from others (``*``: any name may come from a star import)."""
        self.module_bound = _module_bound_names(tree)
        for statement in tree.body:
            self._constant(statement, "")
            if isinstance(statement, ast.ClassDef):
                enum = any((_dotted(base) or "").endswith("Enum") for base in statement.bases)
                for inner in statement.body:
                    self._constant(inner, statement.name + ".")
                    if enum:  # Events.ORDER.value: the value of an enum.Enum member
                        self._constant(inner, statement.name + ".", ".value")
        values, types = _assignments([s for s in tree.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))])
        self.scopes = [_Scope(values, types)]

    def _constant(self, statement: ast.stmt, prefix: str, suffix: str = "") -> None:
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            return
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            for target in targets:
                if isinstance(target, ast.Name):
                    self.constants[prefix + target.id + suffix] = value.value

    def _column(self, node: ast.expr) -> int:
        """The column of ``node`` from 1, in characters (``ast`` counts UTF-8 bytes)."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else ""
        return len(line.encode("utf-8", "surrogatepass")[: node.col_offset].decode("utf-8", "replace")) + 1

    # --- scopes --------------------------------------------------------------------------------------
    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        values, types = _assignments([node.args, *node.body])
        self.scopes.append(_Scope(values, types, node))
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _function  # noqa: N815 - ast.NodeVisitor's naming
    visit_AsyncFunctionDef = _function  # noqa: N815

    def visit_Lambda(self, node: ast.Lambda) -> None:  # noqa: N802 - its parameters are its own
        self.scopes.append(_Scope({}, {}, node))
        self.generic_visit(node)
        self.scopes.pop()

    def _lookup(self, name: str) -> ast.expr | None:
        for scope in reversed(self.scopes):
            if name in scope.values:
                return scope.values[name]
        return None

    def _declared_type(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope.types:
                return scope.types[name]
        return None

    # --- values --------------------------------------------------------------------------------------
    def _event(self, node: ast.expr | None) -> tuple[str | None, bool, str]:
        """(name, dynamic, expression text)."""
        if node is None:
            return None, False, ""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value, False, ""
        if isinstance(node, ast.JoinedStr) and all(isinstance(part, ast.Constant) for part in node.values):
            return "".join(str(part.value) for part in node.values if isinstance(part, ast.Constant)), False, ""  # f"Name"
        dotted = _dotted(node)
        if dotted is not None and dotted in self.constants and not self._bound_in_functions(dotted.split(".", 1)[0]):
            return self.constants[dotted], False, ""
        try:
            text = ast.unparse(node)
        except (ValueError, RecursionError):
            text = "<expression>"
        return None, True, text[:200]

    def _typed(self, name: str, node: ast.expr) -> FoundProperty:
        if isinstance(node, ast.Constant):
            value = node.value
            kind = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}.get(type(value))
            return FoundProperty(name, kind, value if kind else NOT_LITERAL)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            number = node.operand.value
            if isinstance(number, (int, float)) and not isinstance(number, bool):
                return FoundProperty(name, "integer" if isinstance(number, int) else "number", -number)
        if isinstance(node, (ast.Dict, ast.DictComp)) or (isinstance(node, ast.Call) and _dotted(node.func) == "dict"):
            return FoundProperty(name, "object")
        if isinstance(node, (ast.List, ast.Tuple, ast.ListComp)):
            return FoundProperty(name, "array")
        if isinstance(node, ast.JoinedStr):
            return FoundProperty(name, "string")
        if isinstance(node, ast.Name):
            declared = self._declared_type(node.id)
            assigned = self._lookup(node.id)
            if declared is None and isinstance(assigned, ast.Constant):
                return self._typed(name, assigned)
            return FoundProperty(name, declared)
        return FoundProperty(name, None)

    def _properties(self, node: ast.expr | None, depth: int = 0) -> tuple[list[FoundProperty], bool]:
        """Properties of a dict-valued expression, and whether every key is known."""
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return [], True
        if depth > 8:
            return [], False
        if isinstance(node, ast.Name):
            assigned = self._lookup(node.id)
            return self._properties(assigned, depth + 1) if assigned is not None else ([], False)
        found: list[FoundProperty] = []
        complete = True
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:  # **spread
                    more, whole = self._properties(value, depth + 1)
                    found.extend(more)
                    complete = complete and whole
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.append(self._typed(key.value, value))
                else:
                    complete = False
            return found, complete
        if isinstance(node, ast.Call) and _dotted(node.func) == "dict":
            for keyword in node.keywords:
                if keyword.arg is None:
                    more, whole = self._properties(keyword.value, depth + 1)
                    found.extend(more)
                    complete = complete and whole
                else:
                    found.append(self._typed(keyword.arg, keyword.value))
            return found, complete and not node.args
        return [], False

    # --- calls ---------------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 - ast.NodeVisitor's naming
        try:
            self._recognise(node)
        finally:
            self.generic_visit(node)

    def _add(self, node: ast.Call, sdk: str, call_type: str, event_node: ast.expr | None, props_node: ast.expr | None,
             event: str | None = None) -> None:
        name, dynamic, text = (event, False, "") if event is not None else self._event(event_node)
        props, complete = self._properties(props_node)
        ref = self._reference(event_node) if dynamic and event_node is not None else ""
        self.calls.append(FoundCall(self.file, node.lineno, self._column(node), sdk, call_type, name, dynamic, text, props, complete, ref))

    def _reference(self, node: ast.expr) -> str:
        """The dotted name of a name argument that no function around it binds (it may be imported), else empty."""
        dotted = _dotted(node)
        if dotted is None:
            return ""
        head = dotted.split(".", 1)[0]
        if (head not in self.imported and "*" not in self.imported) or self._bound_locally(head):
            return ""
        return dotted

    def _bound_locally(self, head: str) -> bool:
        """Whether a function around the call binds ``head`` (a parameter, a local), or the module binds it again."""
        return self._bound_in_functions(head) or head in self.module_bound

    def _bound_in_functions(self, head: str) -> bool:
        """Whether a function or lambda around the call binds ``head`` (a parameter of that name is not the constant)."""
        return any(head in scope.bound for scope in self.scopes[1:])

    def _recognise(self, node: ast.Call) -> None:
        func = node.func
        dotted = _dotted(func) or ""
        last = dotted.rsplit(".", 1)[-1]
        for wrapper in self.wrappers:
            if dotted == wrapper.name or dotted.endswith("." + wrapper.name):
                self._add(node, "wrapper", wrapper.call_type, _arg(node, wrapper.event, None), _arg(node, wrapper.properties, None))
                return
        if last == "BaseEvent":  # Amplitude's Python SDK
            self._add(node, "amplitude", "track", _keyword(node, "event_type") or _arg(node, 0, None),
                      _keyword(node, "event_properties"))
            return
        if last in SNOWPLOW_CALLS or last == "SelfDescribing":
            self._snowplow(node)
            return
        if not isinstance(func, ast.Attribute):
            return
        receiver = _receiver(func.value) or ""
        if self.generated and is_generated_client(receiver) and func.attr in self.generated:
            call_type, event, arguments = self.generated[func.attr]
            props = [self._typed(arguments.get(k.arg, k.arg), k.value) for k in node.keywords if k.arg and k.arg in arguments]
            complete = all(k.arg is not None for k in node.keywords) and not node.args
            self.calls.append(FoundCall(self.file, node.lineno, self._column(node), "cdpctl", call_type, event, False, "", props, complete))
            return
        sdk = sdk_of(receiver, self.receivers)
        sdk_call = METHODS.get(sdk or "", {}).get(func.attr)
        if sdk is None or sdk_call is None:
            return
        call_type = sdk_call
        if any(isinstance(a, ast.Call) and (_dotted(a.func) or "").endswith("BaseEvent") for a in node.args):
            return  # amplitude.track(BaseEvent(...)): the BaseEvent is the call
        if sdk in ("segment", "rudderstack"):
            event_at, props_at = SEGMENT_LAYOUT[call_type]
            event_kw, props_kw = SEGMENT_KEYWORDS[call_type]
        elif sdk == "mixpanel":
            event_at, props_at, event_kw, props_kw = 1, 2, "event_name", "properties"
        elif sdk == "posthog":
            new_style = _keyword(node, "distinct_id") is not None or (len(node.args) == 1 and not node.keywords)
            event_at, props_at = (0, 1) if new_style else (1, 2)
            event_kw, props_kw = "event", "properties"
        else:  # amplitude's older Python SDK and logEvent
            event_at, props_at, event_kw, props_kw = 0, 1, "event_type", "event_properties"
        event_node = (_keyword(node, event_kw) if event_kw else None) or _arg(node, event_at, None)
        props_node = _keyword(node, props_kw) or _arg(node, props_at, None)
        if call_type in ("page", "screen") and event_node is None:
            event_node = _arg(node, 1, None) if len(node.args) == 2 else None
        if call_type in ("identify", "group"):
            event_node = None
        self._add(node, sdk, call_type, event_node, props_node)

    def _snowplow(self, node: ast.Call) -> None:
        inner = _arg(node, 0, None) or _keyword(node, "event_json") or _keyword(node, "event")
        if isinstance(inner, ast.Call) and (_dotted(inner.func) or "").endswith("SelfDescribing"):
            inner = _arg(inner, 0, None) or _keyword(inner, "event_json")
        if not (isinstance(inner, ast.Call) and (_dotted(inner.func) or "").endswith("SelfDescribingJson")):
            return
        schema_node = _arg(inner, 0, None) or _keyword(inner, "schema")
        schema, dynamic, text = self._event(schema_node)
        name = iglu_name(schema) if schema else None
        props, complete = self._properties(_arg(inner, 1, None) or _keyword(inner, "data"))
        self.calls.append(FoundCall(self.file, node.lineno, self._column(node), "snowplow", "track", name,
                                    dynamic or name is None, text or (schema or ""), props, complete))


def _arg(node: ast.Call, index: int | None, default: Any) -> Any:
    if index is None or index >= len(node.args) or isinstance(node.args[index], ast.Starred):
        return default
    return node.args[index]


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def scan_python(text: str, file: str, wrappers: list[Wrapper], generated: GeneratedMethods | None = None
                ) -> tuple[list[FoundCall], list[ParseFailure], FileNames | None]:
    """The tracking calls of one Python file, or why it could not be parsed, and the names it offers and takes."""
    try:
        tree = ast.parse(text, filename=file)
    except SyntaxError as exc:
        return [], [ParseFailure(file, exc.lineno or 1, exc.offset or 1, f"does not parse as Python: {exc.msg}")], None
    except (ValueError, RecursionError, MemoryError) as exc:
        return [], [ParseFailure(file, 1, 1, f"does not parse as Python: {type(exc).__name__}: {exc}"[:300])], None
    try:
        finder = _Finder(file, wrappers, generated, tree, re.split("\r\n|\r|\n", text))
    except RecursionError:
        return [], [ParseFailure(file, 1, 1, "nested too deeply to scan")], None
    names = FileNames(file, "python", finder.constants, finder.bindings)
    try:
        finder.visit(tree)
    except RecursionError:
        return finder.calls, [ParseFailure(file, 1, 1, "nested too deeply to scan")], names
    return sorted(finder.calls, key=lambda c: (c.line, c.column)), [], names
