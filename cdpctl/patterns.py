"""Plan patterns run in linear time: one compiled form for the loader, lint and every validation engine.

:func:`compile_pattern` translates a JSON Schema (ECMA-262) pattern once
(:mod:`cdpctl.ecma_regex`) and compiles it with RE2 (the ``google-re2``
package), whose matching time grows linearly with the text whatever the
pattern: ``^(a+)+$`` against a long hostile string takes microseconds, not
hours.  Compiled patterns are cached.

The jsonschema reference path uses the same engine through
:func:`with_patterns`, which gives a validator class ``pattern``,
``patternProperties`` and ``additionalProperties`` keywords matched here
instead of by Python's :mod:`re`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from cdpctl.ecma_regex import PatternError, UnsupportedPattern, is_ecma_pattern, translate
from cdpctl.patterns_quick import quick_form

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = [
    "Pattern",
    "PatternError",
    "UnsupportedPattern",
    "compile_pattern",
    "is_ecma_pattern",
    "search",
    "with_patterns",
]

MAX_PATTERN_CHARS = 10_000
"""The longest pattern a plan may use."""
MAX_MEMORY = 32 << 20
"""Memory one compiled pattern may use (RE2 refuses to compile patterns that would need more)."""


def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    options.never_capture = True
    options.max_mem = MAX_MEMORY
    return options


class Pattern:
    """A compiled plan pattern: ``search(text)`` is true-ish when the pattern occurs in ``text``, else ``None``."""

    __slots__ = ("quick", "search", "source", "translated")

    def __init__(self, source: str, translated: str) -> None:
        self.source = source
        self.translated = translated
        self.search: Callable[[str], bool | None] = _searcher(translated)
        quick = quick_form(translated)
        self.quick: Callable[[str], object | None] | None = None if quick is None else re.compile(quick).search
        """For a simple pattern, the same search on Python's ``re`` (:mod:`cdpctl.patterns_quick`): only for
        values of at most :data:`~cdpctl.patterns_quick.QUICK_MAX_CHARS` characters that hold no lone
        surrogate (strings decoded from JSON by msgspec); ``None`` for any other pattern."""

    def __repr__(self) -> str:
        return f"Pattern({self.source!r})"

    def __reduce__(self) -> tuple[Callable[[str], Pattern], tuple[str]]:
        return compile_pattern, (self.source,)


def _searcher(translated: str) -> Callable[[str], bool | None]:
    """A search function on RE2 (imported here: only plans with patterns pay its start-up)."""
    import re2

    try:  # the compiled module under google-re2's wrapper: one call per match, no match object built
        from re2 import _re2

        anchor: Any = _re2.RE2.Anchor.UNANCHORED
    except (ImportError, AttributeError):  # pragma: no cover - depends on the google-re2 build
        _re2 = None
    if _re2 is not None:
        compiled = _re2.RE2(translated.encode("utf-8"), _options())
        if not compiled.ok():
            raise UnsupportedPattern(_engine_message(compiled.error()))
        match = compiled.Match

        def search(text: str) -> bool | None:
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: it matches nothing but what it is next to
                data = text.encode("utf-8", "surrogatepass")
            return True if match(anchor, data, 0, len(data))[0][0] >= 0 else None

        return search
    try:  # pragma: no cover - the public wrapper, slower
        public = re2.compile(translated, _options())
    except re2.error as exc:  # pragma: no cover
        raise UnsupportedPattern(_engine_message(exc.args[0] if exc.args else str(exc))) from exc

    def search_public(text: str) -> bool | None:  # pragma: no cover
        return True if public.search(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")) else None

    return search_public


def _engine_message(error: Any) -> str:
    text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
    if "pattern too large" in text:
        return "the pattern is too large for the linear-time engine (repetitions multiply); simplify it"
    return f"the linear-time engine cannot run this pattern: {text}"


def fullmatcher(source: str) -> Callable[[str], bool]:
    """A configuration's regular expression (Python syntax, as in ``lint`` rule options) as a linear-time
    full match on RE2: ``^(a+)+$`` against a long name never backtracks.  Raises ``ValueError`` (its
    message says why) for what RE2 cannot run: lookaround, back-references."""
    import re2

    try:
        compiled = re2.compile(source, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ValueError(f"{text} (linear-time regular expressions have no lookaround or back-references)") from None
    return lambda text: compiled.fullmatch(text) is not None


@functools.lru_cache(maxsize=4096)
def _known_script(name: str) -> bool:
    import re2

    if not name.replace("_", "").isalpha():
        return False
    try:
        re2.compile(f"\\p{{{name}}}", _options())
    except re2.error:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def compile_pattern(source: str) -> Pattern:
    """The plan pattern ``source`` (ECMA-262) compiled for linear-time search.

    Raises :class:`PatternError` (not ECMA-262; ``offset`` says where) or its
    subclass :class:`UnsupportedPattern` (ECMA-262 the engine cannot run:
    lookaround, back-references, counts over 1000).
    """
    if not isinstance(source, str):
        raise PatternError(f"a pattern must be a string, not {type(source).__name__}")
    if len(source) > MAX_PATTERN_CHARS:
        raise UnsupportedPattern(f"the pattern is longer than {MAX_PATTERN_CHARS} characters")
    return Pattern(source, translate(source, _known_script))


def search(source: str, text: str) -> bool:
    """Whether the pattern ``source`` occurs in ``text`` (what JSON Schema's ``pattern`` asks)."""
    return compile_pattern(source).search(text) is not None


# --- jsonschema ----------------------------------------------------------------------------------


def _pattern(validator: Any, patrn: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        for key, value in instance.items():
            if search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def _additional(instance: dict[str, Any], schema: dict[str, Any]) -> Iterator[str]:
    properties = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    for key in instance:
        if key not in properties and not any(search(patrn, key) for patrn in patterns):
            yield key


def _additional_properties(validator: Any, ap: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """jsonschema's ``additionalProperties``, with ``patternProperties`` matched by this engine."""
    from jsonschema._utils import extras_msg
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    extras = set(_additional(instance, schema))
    if validator.is_type(ap, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], ap, path=extra)
    elif not ap and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(each) for each in sorted(extras))
            patterns = ", ".join(repr(each) for each in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            error = "Additional properties are not allowed (%s %s unexpected)"
            yield ValidationError(error % extras_msg(sorted(extras, key=str)))


_EXTENDED: set[type[Any]] = set()


def json_key(value: Any) -> Any:
    """A hashable form of a JSON value that two values share exactly when JSON Schema calls them equal:
    ``true`` is not ``1`` (Python says it is), ``1`` is ``1.0``, objects ignore their key order."""
    if value is True or value is False:
        return ("bool", value)
    if isinstance(value, float) and value.is_integer():
        return ("number", int(value))
    if isinstance(value, (int, float)):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(json_key(item) for item in value))
    if isinstance(value, dict):
        return ("object", frozenset((key, json_key(item)) for key, item in value.items()))
    return (type(value).__name__, value)


def _unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``uniqueItems`` by JSON equality in linear time: jsonschema's own sorts the items with Python's
    comparison, where ``true == 1``, and then compares neighbours only, so ``[[true], [1], [true]]``
    passed as unique."""
    from jsonschema.exceptions import ValidationError

    if unique and validator.is_type(instance, "array"):
        seen: set[Any] = set()
        for item in instance:
            key = json_key(item)
            if key in seen:
                yield ValidationError(f"{instance!r} has non-unique elements")
                return
            seen.add(key)


def exact_number(value: Any) -> Any:
    """A JSON number as the exact decimal its text says (a float by its shortest repr: ``19.99`` is 1999/100,
    not the binary fraction nearest it), as a ``Fraction``."""
    from decimal import Decimal
    from fractions import Fraction

    return Fraction(value) if isinstance(value, int) else Fraction(Decimal(repr(value)))


def multiple_of(instance: Any, divisor: Any) -> bool:
    """Whether a number is a multiple of ``divisor`` read as the decimals JSON writes (``19.99`` of ``0.01``
    is; Python's float division says 1998.9999999999998); an infinity is no multiple.  The rule of
    :func:`exact_number` in integers (:func:`multiple_checker`)."""
    return multiple_checker(divisor)(instance)


@functools.lru_cache(maxsize=256)
def multiple_checker(divisor: Any) -> Callable[[Any], bool]:
    """:func:`multiple_of` for one ``divisor``, read once: each number as ``digits * 10**exponent`` (a float
    by its shortest repr), then one remainder (the fast path runs it for every value it accepts)."""
    scaled = _scaled(divisor)
    if scaled is None or scaled[0] == 0:
        return lambda value: False
    digits, exponent = scaled

    def check(value: Any) -> bool:
        found = _scaled(value)
        if found is None:
            return False
        shift = found[1] - exponent
        if shift >= 0:
            return bool((found[0] * 10**shift) % digits == 0)
        return bool(found[0] % (digits * 10**-shift) == 0)

    return check


def _scaled(value: Any) -> tuple[int, int] | None:
    """``(digits, exponent)`` with ``value == digits * 10**exponent``; ``None`` for an infinity or NaN."""
    if isinstance(value, int):
        return value, 0
    mantissa, _, exponent = repr(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    try:
        return int(whole + fraction), (int(exponent) if exponent else 0) - len(fraction)
    except ValueError:  # inf, nan
        return None


def _multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """``multipleOf`` on the decimals JSON numbers are: jsonschema divides floats, so ``19.99`` was no
    multiple of ``0.01`` (jsonschema-rs and the generated client said it was)."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "number") and not multiple_of(instance, divisor):
        yield ValidationError(f"{instance!r} is not a multiple of {divisor}")


@functools.cache
def with_patterns(base: type[Any]) -> type[Any]:
    """``base`` (a jsonschema validator class) with patterns matched by this module's engine.

    A subschema naming another dialect in ``$schema`` (a raw ``json_schema:``
    block) is checked by that dialect's class, made with this function too: the
    class's ``evolve`` hands on the engine.
    """
    from jsonschema import validators

    keywords = {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
        "additionalProperties": _additional_properties,
        "uniqueItems": _unique_items,
        "multipleOf": _multiple_of,
    }
    if base in _EXTENDED:
        return base
    extended: type[Any] = validators.extend(  # type: ignore[no-untyped-call]
        base, {k: v for k, v in keywords.items() if k in base.VALIDATORS}
    )
    plain_evolve = extended.evolve

    def evolve(self: Any, **changes: Any) -> Any:
        evolved = plain_evolve(self, **changes)
        kind: Any = type(evolved)
        if kind in _EXTENDED:
            return evolved
        import attrs

        fields = {field.alias: getattr(evolved, field.name) for field in attrs.fields(kind) if field.init}
        return with_patterns(kind)(**fields)

    extended.evolve = evolve
    _EXTENDED.add(extended)
    return extended


def schema_format_checker(cls: type[Any]) -> Any:
    """``cls``'s meta-schema format checker with ``regex`` meaning ECMA-262 (for ``check_schema``)."""
    import copy

    checker = copy.copy(cls.FORMAT_CHECKER)
    checker.checkers = {**checker.checkers, "regex": (is_ecma_pattern, ())}
    return checker


def draft7_validator() -> type[Any]:
    """The Draft 7 validator class every cdpctl engine uses."""
    from jsonschema import Draft7Validator

    return with_patterns(Draft7Validator)
