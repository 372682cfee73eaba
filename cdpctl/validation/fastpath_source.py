"""The checks ``msgspec.Meta`` cannot say, and the Python source the fast path generates to run them.

Each generated struct that needs such checks (a plan pattern, a ``format``,
``unique_items``) gets a ``__post_init__`` written here as source text, and
each whole-message or envelope struct an envelope check, as fastjsonschema
writes its validators: :class:`GeneratedModule` keeps the text of every
function it defined, runs each once (``exec``) in one namespace holding the
checkers they call, and prints as a module (:func:`cdpctl.validation.fastpath.generated_source`;
``python -m cdpctl.validation.fastpath_show PLAN``).

Plans are untrusted: no plan text becomes an identifier.  Function and checker
names come from a counter, struct fields are ``f0``, ``f1``..., and plan text
appears only in comments and string literals written with ``repr()``.

Each struct class gets a function (a code object) of its own: CPython
specializes each attribute read of a code object for the class it last saw, so
one function shared by many classes would read their fields the slow way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cdpctl.formats import matches_format
from cdpctl.model import Property
from cdpctl.patterns import compile_pattern, multiple_checker

Checker = Callable[[Any], bool]

SCALARS = ("string", "integer", "number", "boolean")


class Unsupported(Exception):
    """A plan feature the fast path does not express: calls using it always take the reference path."""


def _unique(values: list[Any]) -> bool:
    return len(set(values)) == len(values)


def value_checker(prop: Property, *, searched: bool = False) -> Checker | None:
    """A check run after decoding, for ``unique_items``, a plan pattern (unless ``searched``: the
    struct matches it), a ``format`` next to a ``pattern`` and a number's ``multiple_of``; ``None`` when the
    type says it all."""
    constraints = prop.constraints
    if prop.type == "number" and isinstance(constraints.get("multiple_of"), float):
        # on the decimals JSON writes, as the reference path decides: msgspec's multiple_of tests the binary
        # double (fmod), which took 78812993478983.69 as a multiple of 0.07
        return multiple_checker(constraints["multiple_of"])
    if prop.type == "string" and "format" in constraints and "pattern" not in constraints and not searched:
        fmt = constraints["format"]  # the struct's Meta pattern is the format's pattern: the rest is here
        return lambda value: matches_format(fmt, value)
    if prop.type == "string" and "pattern" in constraints:
        fmt = constraints.get("format")
        search = None if searched else compile_pattern(str(constraints["pattern"])).search
        if fmt is None:
            return None if search is None else lambda value: search(value) is not None
        if search is None:
            return lambda value: matches_format(fmt, value)
        return lambda value: search(value) is not None and matches_format(fmt, value)
    if prop.type != "array":
        return None
    inner = value_checker(prop.items) if prop.items is not None else None
    unique = bool(constraints.get("unique_items"))
    if unique and prop.items is not None and prop.items.type not in SCALARS:
        raise Unsupported("unique_items on items that are not scalars")
    if unique and prop.items is not None and prop.items.type == "number" and prop.items.nullable:
        raise Unsupported("unique_items on nullable numbers")
    if not unique and inner is None:
        return None

    def check(values: list[Any]) -> bool:
        if unique and not _unique(values):
            return False
        return inner is None or all(inner(value) for value in values if value is not None)

    return check


class GeneratedModule:
    """Generated functions: the text of each, and the namespace they run in (shared by all of them)."""

    def __init__(self, namespace: dict[str, Any] | None = None) -> None:
        self.namespace: dict[str, Any] = {} if namespace is None else namespace
        self.functions: list[str] = []
        self.bound: dict[str, str] = {key: "given" for key in self.namespace}
        """What each name bound in the namespace (not defined by source) stands for."""
        self.count = 0

    def fresh(self, prefix: str) -> str:
        """A new name: ``prefix`` (a constant of this module, never plan text) and a number."""
        self.count += 1
        return f"{prefix}{self.count}"

    def bind(self, prefix: str, value: Any, description: str) -> str:
        """Put ``value`` (a checker the generated code calls) in the namespace under a new name."""
        name = self.fresh(prefix)
        self.namespace[name] = value
        self.bound[name] = description
        return name

    def define(self, name: str, lines: list[str]) -> Callable[[Any], None]:
        """Run the source of one function (its ``def`` line first) and keep its text."""
        text = "\n".join(lines) + "\n"
        exec(compile(text, f"<cdpctl fast path: {name}>", "exec"), self.namespace)  # noqa: S102 - names from a counter
        self.functions.append(text)
        function: Callable[[Any], None] = self.namespace[name]
        return function

    def source(self, header: list[str]) -> str:
        """Every function defined so far, as one module; ``header`` and the names bound in its namespace
        (checkers, not defined by source) are listed in comments at the top."""
        comments = [*header, "", "Names bound by the fast path, not defined here:"]
        comments += [f"  {name}: {description}" for name, description in self.bound.items()]
        top = "\n".join(f"# {line}".rstrip().replace("\n", " ") for line in comments)
        return top + "\n\n\n" + "\n\n".join(self.functions)


def post_init(
    module: GeneratedModule,
    searches: list[tuple[str, str, Callable[[str], Any]]],
    checks: list[tuple[str, str, Checker]],
) -> Callable[[Any], None]:
    """The ``__post_init__`` of a struct: match each patterned string field, then run each check.

    ``searches`` and ``checks`` are ``(attribute, plan key, function)``; the attribute is ``f`` and a
    number, the plan key is shown in a comment (``repr``).  Straight-line code, one test per field: it
    runs for every struct decoded.
    """
    name = module.fresh("post_init_")
    lines = [f"def {name}(self):"]
    tests = [(item, "search_", "{}(value) is None", "does not match its pattern") for item in searches]
    tests += [(item, "check_", "not {}(value)", "fails a check") for item in checks]
    for (attribute, key, function), prefix, failed, reason in tests:
        _attribute_ok(attribute)
        bound = module.bind(prefix, function, f"{reason.removeprefix('does not ')}: {key!r}")
        lines.append(f"    # {key!r}: {reason}?")
        lines.append(f"    value = self.{attribute}")
        lines.append(f"    if value is not UNSET and value is not None and {failed.format(bound)}:")
        lines.append(f"        raise ValueError({attribute + ' ' + reason!r})")
    return module.define(name, lines)


def _attribute_ok(attribute: str) -> None:
    if not attribute.startswith("f") or not attribute[1:].isdigit():  # never plan text in source
        raise ValueError(f"unexpected attribute name {attribute!r}")


def envelope_check(module: GeneratedModule, *, alias: bool = False) -> Callable[[Any], None]:
    """The ``__post_init__`` of one envelope or whole-message struct class: ids present, timestamps
    ISO-8601, and for ``alias`` a non-empty ``previousId`` (one function per class: see the module's
    docstring).  The namespace holds ``minutes``, ``seconds``, ``tails`` and ``stamp_ok``
    (:func:`cdpctl.validation.fastpath_envelope.stamp_rules`).  It runs for every message: straight-line
    code, the same test written out for each timestamp (a loop costs about a sixth more).
    """
    name = module.fresh("envelope_")
    lines = [
        f"def {name}(message):",
        "    # ids: a non-empty string or a number (the struct types allow nothing else but null)",
        "    user = message.userId",
        "    if user is None or user == '':",
        "        anonymous = message.anonymousId",
        "        if anonymous is None or anonymous == '':",
        "            raise BadEnvelope(message)",
        "    # timestamps: a known minute, a second and a known tail, else the date-time pattern (stamp_ok); the",
        "    # others are most often the same string as timestamp",
        "    stamp = message.timestamp",
        "    if (stamp is not UNSET and not (stamp[:16] in minutes and stamp[16:19] in seconds and stamp[19:] in tails)",
        "            and not stamp_ok(stamp)):",
        "        raise BadEnvelope(message)",
    ]
    for field in ("sentAt", "originalTimestamp", "receivedAt"):
        lines += [
            f"    other = message.{field}",
            "    if (other is not UNSET and other != stamp",
            "            and not (other[:16] in minutes and other[16:19] in seconds and other[19:] in tails)",
            "            and not stamp_ok(other)):",
            "        raise BadEnvelope(message)",
        ]
    if alias:
        lines += [
            "    previous = message.previousId",
            "    if type(previous) is str and not previous:",
            "        raise ValueError('empty previousId')",
        ]
    return module.define(name, lines)


def refuse_all(module: GeneratedModule) -> Callable[[Any], None]:
    """A ``__post_init__`` that refuses every message (the placeholder member of a union)."""
    name = module.fresh("refuse_")
    return module.define(name, [f"def {name}(message):", "    raise ValueError('never accepted')"])


__all__ = ["Checker", "GeneratedModule", "Unsupported", "envelope_check", "post_init", "refuse_all", "value_checker"]
