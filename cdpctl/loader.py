"""Load a YAML tracking plan into the :mod:`cdpctl.model`, collecting every problem.

``load_plan(path)`` returns a :class:`~cdpctl.model.Plan` or raises
:class:`~cdpctl.errors.PlanLoadError` listing *all* problems found, each with
the ``FILE:LINE:COLUMN`` of the node at fault and, for misspellings, a
did-you-mean hint.
"""

from __future__ import annotations

import copy
import math
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdpctl import rawschema
from cdpctl.errors import PlanIssue, PlanLoadError, Pos
from cdpctl.model import (
    APPLIES_TO,
    BUILTIN_TYPES,
    CONSTRAINT_KEYS,
    FORMATS,
    Call,
    Common,
    Plan,
    Property,
    TypeDef,
)
from cdpctl.plan_checks import key_position, pattern_problem, unresolved_reference
from cdpctl.plan_files import DEFAULT_MAX_PLAN_BYTES, PlanFilePolicy, default_policy, include_problem, read_bounded
from cdpctl.yamlsrc import YMap, YNode, YScalar, YSeq, non_finite_numbers, parse_yaml, to_python

Reader = Callable[[str], str]

TOP_KEYS = (
    "plan",
    "version",
    "description",
    "defaults",
    "include",
    "properties",
    "types",
    "events",
    "identify",
    "group",
    "pages",
    "screens",
    "common",
)
INCLUDED_KEYS = ("include", "properties", "types", "events", "identify", "group", "pages", "screens")
DEFAULTS_KEYS = ("additional_properties",)
PROPERTY_KEYS = (
    "type",
    "required",
    "nullable",
    "description",
    "items",
    "properties",
    "additional_properties",
    "deprecated",
    "examples",
    "json_schema",
    *CONSTRAINT_KEYS,
)
RAW_SCHEMA_KEYS = ("json_schema", "required", "description", "deprecated", "examples")
"""Keys a property with a ``json_schema`` escape hatch may have: the raw schema replaces type and constraints."""
COMMON_KEYS = ("description", "properties", "traits", "context")
TYPE_KEYS = ("description", "properties", "additional_properties")
EVENT_KEYS = (
    "description",
    "owner",
    "tags",
    "deprecated",
    "version",
    "properties",
    "additional_properties",
)
TRAITS_KEYS = ("description", "traits", "additional_properties")

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
MAX_EXPANDED = 250_000
"""The most properties a plan may copy from reusable types and shared properties (types nested in types multiply)."""
MAX_NESTING = 64
MAX_INCLUDE_DEPTH = 32
"""The longest chain of files including files."""
"""The deepest properties may nest, counting objects, arrays, types and shared properties on the way."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    import difflib  # only when something is misspelt

    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not matches:
        lowered = {choice.lower(): choice for choice in choices}
        if word.lower() in lowered:
            matches = [lowered[word.lower()]]
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def _is_number(value: Any) -> bool:
    if isinstance(value, int):  # exact: an integer too large for a float is still a number
        return not isinstance(value, bool)
    return isinstance(value, float) and math.isfinite(value)


def _value_matches_type(value: Any, type_name: str) -> bool:
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return _is_number(value)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "object":
        return isinstance(value, dict)
    return True


def _yaml_float(value: float) -> str:
    return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number" if math.isfinite(value) else f"{_yaml_float(value)} (JSON has no NaN or infinity)"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


@dataclass
class _Sources:
    """Raw definitions gathered from the root file and its includes."""

    properties: dict[str, tuple[YNode, Pos]] = field(default_factory=dict)
    types: dict[str, tuple[YNode, Pos]] = field(default_factory=dict)
    events: dict[str, tuple[YNode, Pos]] = field(default_factory=dict)
    pages: dict[str, tuple[YNode, Pos]] | None = None
    screens: dict[str, tuple[YNode, Pos]] | None = None
    identify: tuple[YNode, Pos] | None = None
    group: tuple[YNode, Pos] | None = None


class _Loader:
    def __init__(self, read: Reader, check_patterns: bool = True, policy: PlanFilePolicy | None = None) -> None:
        self.read = read
        self.check_patterns = check_patterns
        self.policy = policy
        self.tree = ""
        self.issues: list[PlanIssue] = []
        self.files: list[str] = []
        self.texts: dict[str, str] = {}
        self.src = _Sources()
        self.types_done: dict[str, TypeDef] = {}
        self.types_in_progress: list[str] = []
        self.shared: dict[str, Property] = {}
        self.shared_in_progress: list[str] = []
        self.shared_failed: set[str] = set()
        self.default_ap = False
        self.expanded = 0
        self.expansion_reported = False
        self.sizes: dict[tuple[str, str], int] = {}
        self.depth = 0
        self.nesting_reported = False
        self.non_finite: list[Pos] = []
        self.unreadable: set[Pos] = set()

    # -- helpers ---------------------------------------------------------
    def error(self, pos: Pos, message: str) -> None:
        if pos in self.unreadable:
            return  # the YAML layer already said the value there cannot be read
        self.issues.append(PlanIssue(pos, message))

    def check_keys(self, node: YMap, allowed: Iterable[str], where: str) -> None:
        allowed = tuple(allowed)
        for key, pos in node.keys.items():
            if key in allowed or key.startswith("x-"):
                continue
            self.error(pos, f"unknown key '{key}' in {where}{did_you_mean(key, allowed)}")

    def as_map(self, node: YNode | None, what: str) -> YMap | None:
        if node is None:
            return None
        if isinstance(node, YMap):
            return node
        if isinstance(node, YScalar) and node.value is None:
            return YMap({}, {}, node.pos)
        self.error(node.pos, f"{what} must be a mapping, not {_describe(to_python(node))}")
        return None

    def scalar(self, node: YMap, key: str, kinds: tuple[type, ...], what: str) -> Any:
        child = node.get(key)
        if child is None:
            return None
        value = to_python(child)
        if value is None:
            return None
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            names = " or ".join(
                {str: "a string", bool: "true or false", int: "an integer", float: "a number"}[k] for k in kinds
            )
            self.error(child.pos, f"'{key}' of {what} must be {names}, not {_describe(value)}")
            return None
        return value

    def extras(self, node: YMap) -> dict[str, Any]:
        return {key: to_python(value) for key, value in node.values.items() if key.startswith("x-")}

    # -- files -----------------------------------------------------------
    def read_file(self, path: str, pos: Pos | None) -> YMap | None:
        try:
            text = self.read(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            if isinstance(exc, UnicodeDecodeError):
                reason = f"not {'UTF-16' if '16' in exc.encoding else 'UTF-8'} text ({exc})"
            self.error(pos or Pos(path, 1, 1), f"cannot read plan file '{path}': {reason}")
            return None
        self.files.append(path)
        self.texts[path] = text
        root, issues = parse_yaml(text, path)
        self.issues.extend(issues)
        self.unreadable.update(issue.pos for issue in issues)
        if root is not None:
            self.non_finite.extend(non_finite_numbers(root))
        if root is None:
            if not issues:
                self.error(Pos(path, 1, 1), "the plan file is empty")
            return None
        if not isinstance(root, YMap):
            self.error(root.pos, "a plan file must be a mapping of keys such as 'events:' and 'properties:'")
            return None
        return root

    def gather(self, root: YMap, path: str, is_root: bool, seen: tuple[str, ...]) -> None:
        self.check_keys(root, TOP_KEYS if is_root else INCLUDED_KEYS, "the plan" if is_root else "an included file")
        for section in ("properties", "types", "events"):
            mapping = self.as_map(root.get(section), f"'{section}'")
            if mapping is None:
                continue
            target: dict[str, tuple[YNode, Pos]] = getattr(self.src, section)
            self.merge_named(mapping, target, section)
        for section in ("pages", "screens"):
            mapping = self.as_map(root.get(section), f"'{section}'")
            if mapping is None:
                continue
            target_opt: dict[str, tuple[YNode, Pos]] | None = getattr(self.src, section)
            if target_opt is None:
                target_opt = {}
                setattr(self.src, section, target_opt)
            self.merge_named(mapping, target_opt, section)
        for section in ("identify", "group"):
            node = root.get(section)
            if node is None:
                continue
            previous: tuple[YNode, Pos] | None = getattr(self.src, section)
            if previous is not None:
                self.error(root.keys[section], f"'{section}' is already defined at {previous[1]}")
                continue
            setattr(self.src, section, (node, root.keys[section]))
        include = root.get("include")
        if include is None:
            return
        paths: list[YNode] = include.items if isinstance(include, YSeq) else [include]
        for item in paths:
            if not isinstance(item, YScalar) or not isinstance(item.value, str) or not item.value:
                self.error(item.pos, "'include' takes a file path or a list of file paths")
                continue
            if "\x00" in item.value:
                self.error(item.pos, "an include path must not contain a NUL byte")
                continue
            target_path = os.path.normpath(os.path.join(os.path.dirname(path), item.value))
            problem = include_problem(target_path, self.tree, self.policy) if self.policy is not None else None
            if problem is not None:
                self.error(item.pos, f"include '{item.value}' {problem}")
                continue
            if target_path in seen:
                self.error(item.pos, f"include cycle: '{item.value}' includes itself")
                continue
            if len(seen) > MAX_INCLUDE_DEPTH:
                self.error(item.pos, f"includes nest more than {MAX_INCLUDE_DEPTH} files deep")
                continue
            if target_path in self.files:
                continue
            included = self.read_file(target_path, item.pos)
            if included is not None:
                self.gather(included, target_path, False, (*seen, target_path))

    def merge_named(self, mapping: YMap, target: dict[str, tuple[YNode, Pos]], section: str) -> None:
        for name, node in mapping.values.items():
            pos = mapping.keys[name]
            if not name.strip():
                self.error(pos, f"a name in '{section}' must not be empty")
                continue
            if name in target:
                self.error(pos, f"'{name}' is already defined in '{section}' at {target[name][1]}")
                continue
            target[name] = (node, pos)

    # -- properties ------------------------------------------------------
    def resolve_property(
        self,
        name: str,
        node: YNode,
        key_pos: Pos,
        inherited_ap: bool,
        *,
        inherit: bool = True,
    ) -> Property | None:
        """Resolve one property definition (``inherit``: look the name up in the shared library)."""
        if isinstance(node, YScalar) and isinstance(node.value, str):
            # shorthand: ``total: number`` is ``total: {type: number}``
            node = YMap({"type": node}, {"type": node.pos}, node.pos)
        mapping = self.as_map(node, f"property '{name}'")
        if mapping is None:
            return None
        self.check_keys(mapping, PROPERTY_KEYS, f"property '{name}'")
        where = f"property '{name}'"
        if "json_schema" in mapping.values:
            return self.resolve_raw_property(name, mapping, key_pos, where)

        base: Property | None = None
        shared_failed = False
        type_node = mapping.get("type")
        if inherit and name in self.src.properties and not (name in self.shared_in_progress and type_node is not None):
            base = self.shared_property(name, key_pos)
            shared_failed = base is None
        explicit_type: str | None = None
        ref: str | None = None
        if type_node is not None:
            value = to_python(type_node)
            if not isinstance(value, str):
                self.error(type_node.pos, f"'type' of {where} must be a type name, not {_describe(value)}")
                return None
            if value in BUILTIN_TYPES:
                explicit_type = value
            elif value in self.src.types:
                explicit_type, ref = "object", value
            else:
                choices = [*BUILTIN_TYPES, *self.src.types]
                self.error(type_node.pos, f"unknown type '{value}' for {where}{did_you_mean(value, choices)}")
                return None
        if base is not None and explicit_type is not None and (explicit_type, ref) != (base.type, base.ref):
            base = None  # a different type makes it a definition of its own, not a refinement

        if base is not None:
            if not self.spend(self.size_of(("shared", name), base.properties, base.items), key_pos):
                return None
            prop = copy.deepcopy(base)
            prop.name = name
            prop.pos = key_pos
            prop.shared = name
            prop.key_pos = {}
        else:
            if explicit_type is None:
                if "properties" in mapping.values:
                    explicit_type = "object"
                elif "items" in mapping.values:
                    explicit_type = "array"
                else:
                    if shared_failed:
                        return None  # the shared definition's own problem is already reported
                    hint = did_you_mean(name, self.src.properties) if inherit else ""
                    self.error(
                        key_pos,
                        f"{where} has no 'type' and matches no shared property{hint}",
                    )
                    return None
            prop = Property(name=name, pos=key_pos, type=explicit_type, ref=ref)
            if ref is not None:
                self.apply_type(prop, ref, type_node.pos if type_node else key_pos)
            elif explicit_type == "object":
                prop.additional_properties = inherited_ap
        prop.key_pos = dict(mapping.keys)
        prop.extra.update(self.extras(mapping))

        for flag in ("required", "nullable", "deprecated"):
            value = self.scalar(mapping, flag, (bool,), where)
            if value is not None:
                setattr(prop, flag, value)
        description = self.scalar(mapping, "description", (str,), where)
        if description is not None:
            prop.description = description
        if "examples" in mapping.values:
            prop.extra["examples"] = to_python(mapping.values["examples"])

        ap = self.scalar(mapping, "additional_properties", (bool,), where)
        if ap is not None:
            if prop.type not in ("object", "any"):
                self.error(mapping.keys["additional_properties"], f"'additional_properties' on non-object {where}")
            elif prop.ref is not None:
                self.error(
                    mapping.keys["additional_properties"],
                    f"'additional_properties' of {where} is set by its type '{prop.ref}'; set it there",
                )
            else:
                prop.additional_properties = ap

        children = mapping.get("properties")
        if children is not None:
            if prop.type != "object":
                self.error(mapping.keys["properties"], f"'properties' on {where}, which is of type {prop.type}")
            elif prop.ref is not None:
                self.error(
                    mapping.keys["properties"],
                    f"{where} uses type '{prop.ref}'; its properties are defined there",
                )
            else:
                child_map = self.as_map(children, f"'properties' of {where}")
                if child_map is not None:
                    prop.properties = self.resolve_properties(child_map, prop.additional_properties)

        items = mapping.get("items")
        if items is not None:
            if prop.type != "array":
                self.error(mapping.keys["items"], f"'items' on non-array {where} (type {prop.type})")
            else:
                prop.items = self.resolve_items(name, items, inherited_ap)

        self.resolve_constraints(prop, mapping, where)
        return prop

    def shared_property(self, name: str, used_at: Pos) -> Property | None:
        """The shared-library entry ``name``, resolved on first use (so definition order never matters)."""
        if name in self.shared:
            return self.shared[name]
        if name in self.shared_failed:
            return None
        if name in self.shared_in_progress:
            chain = " -> ".join([*self.shared_in_progress[self.shared_in_progress.index(name) :], name])
            self.error(used_at, f"recursive shared property: {chain} (recursive shapes are not supported)")
            return None
        node, pos = self.src.properties[name]
        self.shared_in_progress.append(name)
        try:
            resolved = self.resolve_property(name, node, pos, self.default_ap, inherit=False)
        finally:
            self.shared_in_progress.pop()
        if resolved is None:
            self.shared_failed.add(name)
        else:
            self.shared[name] = resolved
        return resolved

    def resolve_raw_property(self, name: str, mapping: YMap, key_pos: Pos, where: str) -> Property | None:
        """A property defined by a raw JSON Schema (``json_schema:``), compiled verbatim."""
        ok = True
        for key, pos in mapping.keys.items():
            if key not in RAW_SCHEMA_KEYS and not key.startswith("x-"):
                self.error(pos, f"'{key}' cannot be combined with 'json_schema' in {where}; say it in the raw schema")
                ok = False
        raw = to_python(mapping.values["json_schema"])
        problem = rawschema.check(raw)
        if problem is not None:
            self.error(mapping.keys["json_schema"], f"'json_schema' of {where} {problem}")
            return None
        dangling = unresolved_reference(raw)
        if dangling is not None:
            at = key_position(mapping.values["json_schema"], "$ref", dangling) or mapping.keys["json_schema"]
            self.error(at, f"'$ref' {dangling!r} in the 'json_schema' of {where} points nowhere inside the block")
            return None
        if not ok:
            return None
        prop = Property(name=name, pos=key_pos, type="any", key_pos=dict(mapping.keys))
        prop.extra.update(self.extras(mapping))
        prop.extra["json_schema"] = raw
        for flag in ("required", "deprecated"):
            value = self.scalar(mapping, flag, (bool,), where)
            if value is not None:
                setattr(prop, flag, value)
        prop.description = self.scalar(mapping, "description", (str,), where)
        if "examples" in mapping.values:
            prop.extra["examples"] = to_python(mapping.values["examples"])
        return prop

    def resolve_common(self, node: YNode, pos: Pos) -> Common | None:
        mapping = self.as_map(node, "'common'")
        if mapping is None:
            return None
        self.check_keys(mapping, COMMON_KEYS, "'common'")
        common = Common(
            pos=pos,
            description=self.scalar(mapping, "description", (str,), "'common'"),
            key_pos=dict(mapping.keys),
        )
        for section in ("properties", "traits", "context"):
            fields = self.as_map(mapping.get(section), f"'{section}' of 'common'")
            if fields is not None:
                setattr(common, section, self.resolve_properties(fields, True))
        return common

    def enter(self, pos: Pos) -> bool:
        """Go one nesting level deeper; false (reported once) past MAX_NESTING levels."""
        if self.depth >= MAX_NESTING:
            if not self.nesting_reported:
                self.nesting_reported = True
                self.error(
                    pos,
                    f"properties nest more than {MAX_NESTING} levels deep "
                    "(counting objects, arrays, types and shared properties on the way)",
                )
            return False
        self.depth += 1
        return True

    def resolve_items(self, name: str, node: YNode, inherited_ap: bool) -> Property | None:
        if isinstance(node, YScalar) and isinstance(node.value, str):
            node = YMap({"type": node}, {"type": node.pos}, node.pos)
        if not self.enter(node.pos):
            return None
        try:
            item = self.resolve_property(f"{name}[]", node, node.pos, inherited_ap, inherit=False)
        finally:
            self.depth -= 1
        if item is not None and item.required:
            self.error(item.key_pos.get("required", node.pos), f"'required' has no meaning on the items of '{name}'")
        return item

    def resolve_properties(self, mapping: YMap, inherited_ap: bool) -> dict[str, Property]:
        result: dict[str, Property] = {}
        if not self.enter(mapping.pos):
            return result
        try:
            for child_name, child in mapping.values.items():
                resolved = self.resolve_property(child_name, child, mapping.keys[child_name], inherited_ap)
                if resolved is not None:
                    result[child_name] = resolved
        finally:
            self.depth -= 1
        return result

    def apply_type(self, prop: Property, ref: str, pos: Pos) -> None:
        typedef = self.resolve_type(ref, pos)
        if typedef is None or not self.spend(self.size_of(("type", ref), typedef.properties, None), pos):
            return
        prop.properties = copy.deepcopy(typedef.properties)
        prop.additional_properties = typedef.additional_properties
        if prop.description is None:
            prop.description = typedef.description

    def size_of(self, key: tuple[str, str], properties: dict[str, Property], items: Property | None) -> int:
        """How many properties a copy of a reusable definition holds (counted once per definition)."""
        if key not in self.sizes:
            nested = [*properties.values(), *([items] if items is not None else [])]
            self.sizes[key] = 1 + sum(1 for prop in nested for _ in prop.walk(""))
        return self.sizes[key]

    def spend(self, size: int, pos: Pos) -> bool:
        """Count a copy of ``size`` properties; false (reported once) when the plan grows past MAX_EXPANDED."""
        self.expanded += size
        if self.expanded <= MAX_EXPANDED:
            return True
        if not self.expansion_reported:
            self.expansion_reported = True
            self.error(
                pos,
                f"the plan expands to more than {MAX_EXPANDED} properties once reusable types and shared "
                "properties are copied into each use (types nested in types multiply)",
            )
        return False

    def resolve_type(self, name: str, used_at: Pos) -> TypeDef | None:
        if name in self.types_done:
            return self.types_done[name]
        if name in self.types_in_progress:
            chain = " -> ".join([*self.types_in_progress[self.types_in_progress.index(name) :], name])
            self.error(used_at, f"recursive type: {chain} (recursive shapes are not supported)")
            return None
        node, pos = self.src.types[name]
        mapping = self.as_map(node, f"type '{name}'")
        if mapping is None:
            return None
        self.types_in_progress.append(name)
        try:
            self.check_keys(mapping, TYPE_KEYS, f"type '{name}'")
            ap = self.scalar(mapping, "additional_properties", (bool,), f"type '{name}'")
            typedef = TypeDef(
                name=name,
                pos=pos,
                description=self.scalar(mapping, "description", (str,), f"type '{name}'"),
                additional_properties=self.default_ap if ap is None else ap,
                additional_properties_set=ap is not None,
                key_pos=dict(mapping.keys),
            )
            props = self.as_map(mapping.get("properties"), f"'properties' of type '{name}'")
            if props is not None:
                typedef.properties = self.resolve_properties(props, typedef.additional_properties)
        finally:
            self.types_in_progress.pop()
        self.types_done[name] = typedef
        return typedef

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
                if not _value_matches_type(item, prop.type):
                    self.error(
                        item_pos(index),
                        f"enum value #{index + 1} ({item!r}) of {where} is {_describe(item)}, "
                        f"not of the property's type {prop.type}",
                    )
                    ok = False
            return [item for item in value if item is not None] if ok else _INVALID
        if key == "const":
            if value is None and not prop.nullable:
                self.error(pos, f"'const' of {where} is null but the property is not nullable")
                return _INVALID
            if value is not None and not _value_matches_type(value, prop.type):
                self.error(pos, f"'const' of {where} is {_describe(value)}, not of the property's type {prop.type}")
                return _INVALID
            return value
        if key == "pattern":
            if not isinstance(value, str):
                self.error(pos, f"'pattern' of {where} must be a string, not {_describe(value)}")
                return _INVALID
            problem = pattern_problem(value, pos, self.texts.get(pos.file, "")) if self.check_patterns else None
            if problem is not None:
                self.error(problem[0], f"'pattern' of {where} {problem[1]}")
                return _INVALID
            return value
        if key == "format":
            if not isinstance(value, str) or value not in FORMATS:
                shown = value if isinstance(value, str) else _describe(value)
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
                self.error(pos, f"'unique_items' of {where} must be true or false, not {_describe(value)}")
                return _INVALID
            return value
        if key == "multiple_of":
            if not _is_number(value) or value <= 0:
                self.error(pos, f"'multiple_of' of {where} must be a number above 0, not {value!r}")
                return _INVALID
            return value
        # minimum, maximum, exclusive_minimum, exclusive_maximum
        if not _is_number(value):
            self.error(pos, f"'{key}' of {where} must be a number, not {_describe(value)}")
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

    # -- calls -----------------------------------------------------------
    def resolve_call(self, call_type: str, name: str | None, node: YNode, pos: Pos) -> Call | None:
        label = f"event '{name}'" if call_type == "track" else (f"{call_type} '{name}'" if name else call_type)
        mapping = self.as_map(node, label)
        if mapping is None:
            return None
        traits = call_type in ("identify", "group")
        self.check_keys(mapping, TRAITS_KEYS if traits else EVENT_KEYS, label)
        ap = self.scalar(mapping, "additional_properties", (bool,), label)
        call = Call(
            type=call_type,
            name=name,
            pos=pos,
            description=self.scalar(mapping, "description", (str,), label),
            additional_properties=self.default_ap if ap is None else ap,
            key_pos=dict(mapping.keys),
            extra=self.extras(mapping),
        )
        if not traits:
            call.owner = self.scalar(mapping, "owner", (str,), label)
            call.deprecated = bool(self.scalar(mapping, "deprecated", (bool,), label))
            call.version = self.scalar(mapping, "version", (int,), label)
            tags = mapping.get("tags")
            if tags is not None:
                values = to_python(tags)
                if isinstance(values, str):
                    values = [values]
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    self.error(tags.pos, f"'tags' of {label} must be a list of strings")
                else:
                    call.tags = values
        field_key = "traits" if traits else "properties"
        fields = self.as_map(mapping.get(field_key), f"'{field_key}' of {label}")
        if fields is not None:
            call.fields = self.resolve_properties(fields, call.additional_properties)
        return call

    # -- the plan --------------------------------------------------------
    def load(self, path: str) -> Plan:
        self.tree = os.path.dirname(os.path.realpath(path))
        root = self.read_file(path, None)
        if root is None:
            raise PlanLoadError(self.issues)
        self.gather(root, path, True, (os.path.normpath(path),))

        name = self.scalar(root, "plan", (str,), "the plan")
        version_node = root.get("version")
        version = "0.0.0"
        if version_node is not None:
            raw_version = to_python(version_node)
            version = str(raw_version)
            if not isinstance(raw_version, str) or not SEMVER.match(raw_version):
                self.error(version_node.pos, f"'version' must be a semantic version such as 1.2.0, not {version!r}")
        defaults = self.as_map(root.get("defaults"), "'defaults'")
        if defaults is not None:
            self.check_keys(defaults, DEFAULTS_KEYS, "'defaults'")
            ap = self.scalar(defaults, "additional_properties", (bool,), "'defaults'")
            self.default_ap = bool(ap)

        plan = Plan(
            name=name or Path(path).stem,
            version=version,
            pos=Pos(path, 1, 1),
            description=self.scalar(root, "description", (str,), "the plan"),
            default_additional_properties=self.default_ap,
            key_pos=dict(root.keys),
            extra=self.extras(root),
        )
        # shared properties first (they may use types), then types, then calls
        for prop_name, (_, pos) in self.src.properties.items():
            self.shared_property(prop_name, pos)
        plan.properties = {name: self.shared[name] for name in self.src.properties if name in self.shared}
        for type_name, (_, pos) in self.src.types.items():
            typedef = self.resolve_type(type_name, pos)
            if typedef is not None:
                plan.types[type_name] = typedef
        for event_name, (node, pos) in self.src.events.items():
            call = self.resolve_call("track", event_name, node, pos)
            if call is not None:
                plan.events[event_name] = call
        for section, call_type in (("identify", "identify"), ("group", "group")):
            entry: tuple[YNode, Pos] | None = getattr(self.src, section)
            if entry is not None:
                setattr(plan, section, self.resolve_call(call_type, None, entry[0], entry[1]))
        for section, call_type in (("pages", "page"), ("screens", "screen")):
            entries: dict[str, tuple[YNode, Pos]] | None = getattr(self.src, section)
            if entries is None:
                continue
            calls: dict[str, Call] = {}
            for call_name, (node, pos) in entries.items():
                call = self.resolve_call(call_type, call_name, node, pos)
                if call is not None:
                    calls[call_name] = call
            setattr(plan, section, calls)
        common_node = root.get("common")
        if common_node is not None:
            plan.common = self.resolve_common(common_node, root.keys["common"])
        if plan.common is not None:
            for call in plan.calls():
                rules = plan.common.traits if call.type in ("identify", "group") else plan.common.properties
                call.common_fields = rules
                call.common_context = plan.common.context
        plan.files = list(self.files)
        plan.sources = dict(self.texts)
        reported = {issue.pos for issue in self.issues}
        for pos in self.non_finite:
            if pos not in reported:
                self.error(pos, "NaN and infinity are not JSON numbers (plans compile to JSON); quote it for a string")
        if self.issues:
            raise PlanLoadError(self.issues)
        return plan


class _Invalid:
    pass


_INVALID: Any = _Invalid()


def decode_plan_bytes(data: bytes) -> str:
    """A plan file's text: UTF-8, or UTF-16 when it starts with that byte order mark (as YAML allows)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    return data.decode("utf-8")


def read_text_file(path: str, max_bytes: int = DEFAULT_MAX_PLAN_BYTES) -> str:
    """The text of a plan file, read up to ``max_bytes`` (a larger file is an ``OSError`` saying so)."""
    return decode_plan_bytes(read_bounded(path, max_bytes))


def load_plan(
    path: str | os.PathLike[str],
    read: Reader | None = None,
    *,
    check_patterns: bool = True,
    policy: PlanFilePolicy | None = None,
) -> Plan:
    """Load and resolve the plan at ``path`` (and the files it includes).

    ``read`` maps a path to its text; the default reads the file system (a git
    revision reader is used by ``cdpctl diff``).  Raises
    :class:`~cdpctl.errors.PlanLoadError` with every problem found.
    ``check_patterns=False`` keeps patterns the engine cannot run, for ``lint``
    to report each construct (rule CP303); every other command refuses them.
    Files read from disk follow ``policy`` (default: the project configuration's,
    see :mod:`cdpctl.plan_files`): includes stay in the plan's folder tree, every
    file is size-capped.
    """
    if read is None:
        policy = policy or default_policy()
        cap = policy.max_bytes
        return _Loader(lambda file: read_text_file(file, cap), check_patterns, policy).load(os.fspath(path))
    return _Loader(read, check_patterns, policy).load(os.fspath(path))


def load_plan_text(text: str, file: str = "plan.yaml", *, check_patterns: bool = True) -> Plan:
    """Load a plan from a string (``include:`` paths are read from disk relative to ``file``)."""

    def read(path: str) -> str:
        if path == file:
            return text
        return read_text_file(path)

    return _Loader(read, check_patterns, PlanFilePolicy()).load(file)
