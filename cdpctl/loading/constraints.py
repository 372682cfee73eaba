"""Constraints of a property: each key checked against the property's type, then contradictions between keys.

:class:`ConstraintChecks` turns the constraint keys of a property's mapping (``enum``, ``pattern``,
``minimum`` ...) into ``Property.constraints``, reporting a key that does not apply to the type, a value
of the wrong kind, a pattern the engine cannot run, and bounds no value can satisfy.
"""

from __future__ import annotations

from typing import Any

from cdpctl.errors import PlanIssue, Pos
from cdpctl.loading.files import PlanFiles
from cdpctl.loading.keys import Reader, describe, did_you_mean, is_number, value_matches_type
from cdpctl.model import APPLIES_TO, CONSTRAINT_KEYS, FORMATS, Property
from cdpctl.plan_checks import pattern_problem
from cdpctl.plan_files import PlanFilePolicy
from cdpctl.yamlsrc import YMap, YNode, YSeq, to_python


class _Invalid:
    pass


_INVALID: Any = _Invalid()


class ConstraintChecks(PlanFiles):
    """Constraint parsing (``check_patterns=False`` keeps patterns the engine cannot run, for lint's CP303, and
    their load errors in ``kept_errors``: lint reports them, unsuppressible, as ``plan-load`` errors)."""

    def __init__(self, read: Reader, check_patterns: bool = True, policy: PlanFilePolicy | None = None) -> None:
        super().__init__(read, policy)
        self.check_patterns = check_patterns
        self.kept_errors: list[PlanIssue] = []

    def resolve_constraints(self, prop: Property, mapping: YMap, where: str) -> None:
        for key in CONSTRAINT_KEYS:
            node = mapping.get(key)
            if node is None:
                continue
            pos = mapping.keys[key]
            value = to_python(node)
            applies = APPLIES_TO.get(key)
            if applies is not None and prop.type not in (*applies, "any"):
                kinds = " or ".join(applies)
                self.error(pos, f"'{key}' applies to {kinds} properties, but {where} is of type {prop.type}")
                continue
            checked = self.check_constraint(key, value, node, prop, where)
            if checked is not _INVALID:
                prop.constraints[key] = checked
        self.check_contradictions(prop, mapping, where)

    def check_constraint(self, key: str, value: Any, node: YNode, prop: Property, where: str) -> Any:
        pos = node.pos

        def item_pos(index: int) -> Pos:
            return node.items[index].pos if isinstance(node, YSeq) and index < len(node.items) else pos

        if key == "enum":
            if not isinstance(value, list) or not value:
                self.error(pos, f"'enum' of {where} must be a non-empty list of values")
                return _INVALID
            ok = True
            for index, item in enumerate(value):
                if item is None:
                    if not prop.nullable:
                        self.error(
                            item_pos(index),
                            f"enum of {where} contains null but the property is not nullable (add 'nullable: true')",
                        )
                        ok = False
                    continue
                if not value_matches_type(item, prop.type):
                    self.error(
                        item_pos(index),
                        f"enum value #{index + 1} ({item!r}) of {where} is {describe(item)}, "
                        f"not of the property's type {prop.type}",
                    )
                    ok = False
            return [item for item in value if item is not None] if ok else _INVALID
        if key == "const":
            if value is None and not prop.nullable:
                self.error(pos, f"'const' of {where} is null but the property is not nullable")
                return _INVALID
            if value is not None and not value_matches_type(value, prop.type):
                self.error(pos, f"'const' of {where} is {describe(value)}, not of the property's type {prop.type}")
                return _INVALID
            return value
        if key == "pattern":
            if not isinstance(value, str):
                self.error(pos, f"'pattern' of {where} must be a string, not {describe(value)}")
                return _INVALID
            problem = pattern_problem(value, pos, self.texts.get(pos.file, ""))
            if problem is not None and self.check_patterns:
                self.error(problem[0], f"'pattern' of {where} {problem[1]}")
                return _INVALID
            if problem is not None:  # kept for CP303 to point into; the plan still does not load
                self.kept_errors.append(PlanIssue(problem[0], f"'pattern' of {where} {problem[1]}"))
            return value
        if key == "format":
            if not isinstance(value, str) or value not in FORMATS:
                shown = value if isinstance(value, str) else describe(value)
                hint = did_you_mean(value, FORMATS) if isinstance(value, str) else ""
                self.error(
                    pos,
                    f"unknown format '{shown}' for {where}{hint}; known formats: {', '.join(FORMATS)}",
                )
                return _INVALID
            return value
        if key in ("min_length", "max_length", "min_items", "max_items"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                self.error(pos, f"'{key}' of {where} must be a whole number of at least 0, not {value!r}")
                return _INVALID
            return value
        if key == "unique_items":
            if not isinstance(value, bool):
                self.error(pos, f"'unique_items' of {where} must be true or false, not {describe(value)}")
                return _INVALID
            return value
        if key == "multiple_of":
            if not is_number(value) or value <= 0:
                self.error(pos, f"'multiple_of' of {where} must be a number above 0, not {value!r}")
                return _INVALID
            return value
        # minimum, maximum, exclusive_minimum, exclusive_maximum
        if not is_number(value):
            self.error(pos, f"'{key}' of {where} must be a number, not {describe(value)}")
            return _INVALID
        return value

    def check_contradictions(self, prop: Property, mapping: YMap, where: str) -> None:
        c = prop.constraints

        def at(key: str) -> Pos:
            return mapping.keys.get(key) or prop.key_pos.get(key) or prop.pos

        pairs = (
            ("minimum", "maximum", False),
            ("exclusive_minimum", "exclusive_maximum", True),
            ("minimum", "exclusive_maximum", True),
            ("exclusive_minimum", "maximum", True),
            ("min_length", "max_length", False),
            ("min_items", "max_items", False),
        )
        for low, high, strict in pairs:
            if low in c and high in c and (c[low] >= c[high] if strict else c[low] > c[high]):
                key = low if low in mapping.values else high
                self.error(
                    at(key),
                    f"{where}: '{low}' ({c[low]}) contradicts '{high}' ({c[high]}); no value can satisfy both",
                )
        if "const" in c and "enum" in c and c["const"] not in c["enum"]:
            self.error(at("const"), f"{where}: 'const' {c['const']!r} is not one of its 'enum' values")
