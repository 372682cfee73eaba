"""Pattern matching of generated Python tracking clients, embedded verbatim after :mod:`.runtime`.

Plan patterns are ECMA-262; ``cdpctl`` translates each to RE2 syntax when it
generates a client (``_PATTERNS``).  The client matches those forms on RE2 (the
``google-re2`` package, linear time), as ``cdpctl validate`` does, for
``pattern``, ``patternProperties`` and ``additionalProperties`` alike.  Without
``google-re2`` it matches the same forms on Python's ``re``, rewritten to keep
their meaning (``\\d``, ``\\w``, ``\\b`` ASCII; ``$`` only at the very end;
``\\p{...}`` as the code points of its general category).  A pattern that needs
RE2 itself (a ``Script=`` property) raises an error naming the package.
"""

import importlib
from collections.abc import Callable, Mapping
from typing import Any, cast

# --- runtime ---
_CATEGORY_RANGES: dict[tuple[str, bool], str] = {}


def _category_class(name: str, negated: bool) -> str:
    """The code points of an RE2 general category (``L``, ``Lu``, ...) as the inside of a Python class."""
    key = (name, negated)
    if key not in _CATEGORY_RANGES:
        if not (len(name) in (1, 2) and name[0] in "LMNPSZC"):
            raise ValueError(name)
        category = importlib.import_module("unicodedata").category
        parts: list[str] = []
        start = -1
        for code in range(0x110001):
            inside = code <= 0x10FFFF and category(chr(code)).startswith(name) != negated
            if inside and start < 0:
                start = code
            elif not inside and start >= 0:
                parts.append(f"\\U{start:08x}" + (f"-\\U{code - 1:08x}" if code - 1 > start else ""))
                start = -1
        _CATEGORY_RANGES[key] = "".join(parts)
    return _CATEGORY_RANGES[key]


def _python_form(form: str) -> str:
    """A pattern's RE2 form (as ``cdpctl`` writes it) in Python ``re`` syntax, with the same meaning."""
    re = importlib.import_module("re")
    out, in_class = ["(?a)"], False
    for token in re.findall(r"\\x\{[0-9A-Fa-f]+\}|\\[pP]\{[^}]*\}|\\.|.", form, re.S):
        if token.startswith("\\x{"):
            out.append(f"\\U{int(token[3:-1], 16):08x}")
        elif token[:2] in ("\\p", "\\P"):
            inside = _category_class(token[3:-1], token[1] == "P")
            out.append(inside if in_class else f"[{inside}]")
        elif token in ("[", "]"):
            in_class = token == "["
            out.append(token)
        else:
            out.append("\\Z" if token == "$" and not in_class else token)
    return "".join(out)


def _pattern_search(translated: Mapping[str, str]) -> Callable[[str, str], bool]:
    """``search(pattern, text)``: whether the plan pattern matches somewhere in ``text``, as cdpctl matches."""
    try:
        re2 = importlib.import_module("re2")
        options = re2.Options()
        options.log_errors = False

        def build(form: str) -> Any:
            return re2.compile(form, options).search
    except ImportError:
        re = importlib.import_module("re")

        def build(form: str) -> Any:
            return re.compile(_python_form(form)).search

    compiled: dict[str, Any] = {}

    def search(patrn: str, text: str) -> bool:
        found = compiled.get(patrn)
        if found is None:
            try:
                found = compiled[patrn] = build(translated.get(patrn, patrn))
            except ValueError as exc:  # re.error too
                raise RuntimeError(f"the pattern {patrn!r} needs the google-re2 package") from exc
        return found(text) is not None

    return search


def _pattern_keywords(translated: Mapping[str, str]) -> dict[str, Any]:
    """The jsonschema keywords that match patterns (``pattern``, ``patternProperties``,
    ``additionalProperties``), on :func:`_pattern_search`; ``translated`` maps each plan pattern to its
    RE2 form.  An ``additionalProperties`` error lists its keys as ``extras``."""
    jsonschema = importlib.import_module("jsonschema")
    search = _pattern_search(translated)

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
