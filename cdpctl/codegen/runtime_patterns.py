"""Pattern matching of generated Python tracking clients, embedded verbatim after :mod:`.runtime_nfa`.

Plan patterns are ECMA-262; ``cdpctl`` translates each to RE2 syntax when it
generates a client (``_PATTERNS``).  The client matches those forms on RE2 (the
``google-re2`` package, linear time), as ``cdpctl validate`` does, for
``pattern``, ``patternProperties`` and ``additionalProperties`` alike.  Plans are
untrusted, so without ``google-re2`` a pattern never goes to Python's
backtracking ``re`` as such: the client runs the same RE2 form on the
linear-time automaton of :mod:`.runtime_nfa`.  Only a simple pattern (no group,
no alternation: see :mod:`cdpctl.patterns_quick`) has a Python ``re`` form
whose backtracking is bounded, written at generate time (``_QUICK_PATTERNS``);
the client uses it for values of at most :data:`_QUICK_MAX_CHARS` characters with
no lone surrogate, the automaton for any other.  A pattern the automaton cannot
run (a ``Script=`` property, a pattern too large) raises an error naming the
package.
"""

import importlib
from collections.abc import Callable, Mapping
from typing import Any, Final, cast

from cdpctl.codegen.runtime_nfa import _Nfa

# --- runtime ---
_QUICK_MAX_CHARS: Final = 1024
"""The longest value a pattern's ``re`` form is used for (``cdpctl.patterns_quick.QUICK_MAX_CHARS``)."""


def _no_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _pure_search(form: str, quick: str | None) -> Callable[[str], bool]:
    """A pattern's search without ``google-re2``: on its ``re`` form ``quick`` for a short value, if it has
    one, else on the linear-time automaton of its RE2 ``form``."""
    automaton = _Nfa(form).search
    if quick is None:
        return automaton
    bounded = importlib.import_module("re").compile(quick).search

    def search(text: str) -> bool:
        if len(text) <= _QUICK_MAX_CHARS and _no_lone_surrogate(text):
            return bounded(text) is not None
        return automaton(text)

    return search


def _pattern_search(translated: Mapping[str, str], quick: Mapping[str, str]) -> Callable[[str, str], bool]:
    """``search(pattern, text)``: whether the plan pattern matches somewhere in ``text``, as cdpctl matches.

    ``translated`` maps each plan pattern to its RE2 form, ``quick`` a simple one to its Python ``re`` form."""
    try:
        re2 = importlib.import_module("re2")
        options = re2.Options()
        options.log_errors = False

        def build(patrn: str) -> Callable[[str], bool]:
            found = re2.compile(translated.get(patrn, patrn), options).search
            return lambda text: found(text) is not None
    except ImportError:

        def build(patrn: str) -> Callable[[str], bool]:
            return _pure_search(translated.get(patrn, patrn), quick.get(patrn))

    compiled: dict[str, Callable[[str], bool]] = {}

    def search(patrn: str, text: str) -> bool:
        found = compiled.get(patrn)
        if found is None:
            try:
                found = compiled[patrn] = build(patrn)
            except ValueError as exc:  # what the automaton cannot run
                raise RuntimeError(f"the pattern {patrn!r} needs the google-re2 package") from exc
        return found(text)

    return search


def _pattern_keywords(translated: Mapping[str, str], quick: Mapping[str, str]) -> dict[str, Any]:
    """The jsonschema keywords that match patterns (``pattern``, ``patternProperties``,
    ``additionalProperties``), on :func:`_pattern_search` (``translated``: each plan pattern's RE2 form;
    ``quick``: a simple one's ``re`` form).  An ``additionalProperties`` error lists its keys as ``extras``."""
    jsonschema = importlib.import_module("jsonschema")
    search = _pattern_search(translated, quick)

    def pattern(_validator: Any, patrn: Any, instance: Any, _schema: Any) -> Any:
        if isinstance(instance, str) and isinstance(patrn, str) and not search(patrn, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator: Any, patterns: Any, instance: Any, _schema: Any) -> Any:
        if isinstance(instance, dict) and isinstance(patterns, dict):
            properties = cast("dict[str, Any]", instance)
            for patrn, subschema in cast("dict[str, Any]", patterns).items():
                for key, value in properties.items():
                    if search(patrn, key):
                        yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    def additional_properties(validator: Any, allowed: Any, instance: Any, schema: Any) -> Any:
        if not isinstance(instance, dict):
            return
        planned: dict[str, Any] = schema.get("properties", {})
        patterns: list[str] = list(schema.get("patternProperties", {}))
        names = cast("dict[str, Any]", instance)
        extras = [key for key in names if key not in planned and not any(search(p, key) for p in patterns)]
        if isinstance(allowed, dict):
            for extra in extras:
                yield from validator.descend(names[extra], allowed, path=extra)
        elif allowed is False and extras:
            error = jsonschema.ValidationError(f"additional properties are not allowed ({extras!r} unexpected)")
            error.extras = extras
            yield error

    return {"pattern": pattern, "patternProperties": pattern_properties, "additionalProperties": additional_properties}


def _json_key(value: Any) -> Any:
    """A hashable form of a JSON value, shared by two values exactly when JSON Schema calls them equal
    (``true`` is not ``1``; ``1`` is ``1.0``; key order does not count): ``cdpctl validate``'s rule."""
    if value is True or value is False:
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, list):
        return ("array", tuple(_json_key(item) for item in cast("list[object]", value)))
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_key(item)) for key, item in cast("dict[str, object]", value).items()))
    return (value.__class__.__name__, value)


def _unique_items(validator: Any, unique: Any, instance: Any, _schema: Any) -> Any:
    """``uniqueItems`` by JSON equality (jsonschema's own sorts with Python's ``True == 1`` and let
    ``[[true], [1], [true]]`` pass)."""
    if unique and validator.is_type(instance, "array"):
        keys = [_json_key(item) for item in instance]
        if len(set(keys)) != len(keys):
            yield importlib.import_module("jsonschema").ValidationError(f"{instance!r} has non-unique elements")


def _multiple_of(validator: Any, divisor: Any, instance: Any, _schema: Any) -> Any:
    """``multipleOf`` on the decimals JSON numbers are (``19.99`` is a multiple of ``0.01``; jsonschema divides
    floats and says no): ``cdpctl validate``'s rule."""
    if validator.is_type(instance, "number") and not _decimal_multiple(instance, divisor):
        yield importlib.import_module("jsonschema").ValidationError(f"{instance!r} is not a multiple of {divisor}")


def _decimal_multiple(instance: Any, divisor: Any) -> bool:
    from decimal import Decimal
    from fractions import Fraction

    def exact(value: Any) -> Fraction:
        return Fraction(value) if isinstance(value, int) else Fraction(Decimal(repr(value)))

    try:
        return (exact(instance) / exact(divisor)).denominator == 1
    except (ArithmeticError, ValueError, OverflowError):
        return False


def _with_keywords(base: Any, keywords: Mapping[str, Any]) -> Any:
    """``base`` (a jsonschema validator class) with ``keywords``, kept by every subschema that names another
    dialect in ``$schema`` (a raw ``json_schema:`` block): jsonschema checks it with that dialect's class."""
    validators, attrs = importlib.import_module("jsonschema.validators"), importlib.import_module("attrs")
    made: dict[Any, Any] = {}

    def extended(kind: Any) -> Any:
        if kind not in made:
            made[kind] = validators.extend(kind, {k: v for k, v in keywords.items() if k in kind.VALIDATORS})
            made[made[kind]] = made[kind]
            plain = made[kind].evolve

            def evolve(self: Any, **changes: Any) -> Any:
                evolved: Any = plain(self, **changes)
                kind: Any = evolved.__class__
                if kind in made and made[kind] is kind:
                    return evolved
                fields = {field.alias: getattr(evolved, field.name) for field in attrs.fields(kind) if field.init}
                return extended(kind)(**fields)

            made[kind].evolve = evolve
        return made[kind]

    return extended(base)
