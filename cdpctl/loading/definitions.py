"""Shared definitions and references: properties, the shared property library and reusable types, resolved.

:class:`Definitions` resolves a property mapping into a :class:`~cdpctl.model.Property`: the
shorthand ``total: number``, a refinement of a shared property (``currency: {required: true}``), a
reusable type copied into each use, nested objects and array items, and the ``json_schema`` escape
hatch.  Shared properties and types are resolved on first use, so definition order never matters;
recursion, nesting past :data:`MAX_NESTING` and expansion past :data:`MAX_EXPANDED` are reported once.
"""

from __future__ import annotations

import copy

from cdpctl import rawschema
from cdpctl.errors import Pos
from cdpctl.loading.constraints import ConstraintChecks
from cdpctl.loading.keys import (
    MAX_EXPANDED,
    MAX_NESTING,
    PROPERTY_KEYS,
    RAW_SCHEMA_KEYS,
    TYPE_KEYS,
    Reader,
    describe,
    did_you_mean,
    type_alias_hint,
)
from cdpctl.model import BUILTIN_TYPES, Property, TypeDef
from cdpctl.plan_checks import key_position, unresolved_reference
from cdpctl.plan_files import PlanFilePolicy
from cdpctl.yamlsrc import YMap, YNode, YScalar, to_python


class Definitions(ConstraintChecks):
    """Property, shared-property and type resolution, with the limits against expansion bombs."""

    def __init__(self, read: Reader, check_patterns: bool = True, policy: PlanFilePolicy | None = None) -> None:
        super().__init__(read, check_patterns, policy)
        self.types_done: dict[str, TypeDef] = {}
        self.types_in_progress: list[str] = []
        self.shared: dict[str, Property] = {}
        self.shared_in_progress: list[str] = []
        self.shared_failed: set[str] = set()
        self.default_ap = False
        self.expanded = 0
        self.expansion_budget: int | None = None
        self.expansion_reported = False
        self.sizes: dict[tuple[str, str], int] = {}
        self.depth = 0
        self.nesting_reported = False

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
                self.error(type_node.pos, f"'type' of {where} must be a type name, not {describe(value)}")
                return None
            if value in BUILTIN_TYPES:
                explicit_type = value
            elif value in self.src.types:
                explicit_type, ref = "object", value
            else:
                choices = [*BUILTIN_TYPES, *self.src.types]
                hint = type_alias_hint(value) or did_you_mean(value, choices)
                self.error(type_node.pos, f"unknown type '{value}' for {where}{hint}")
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
        prop.key_pos = mapping.keys  # shared, not copied: the YAML tree is dropped after loading
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
        prop = Property(name=name, pos=key_pos, type="any", key_pos=mapping.keys)
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
        """Count a copy of ``size`` properties; false (reported once) when the plan grows past its budget:
        :data:`MAX_EXPANDED`, or one property a character of the plan's source where that is more (an
        expansion bomb multiplies a few lines; a large legitimate plan grows with its text)."""
        self.expanded += size
        if self.expansion_budget is None:  # every file is read before definitions are resolved
            self.expansion_budget = max(MAX_EXPANDED, sum(len(text) for text in self.texts.values()))
        if self.expanded <= self.expansion_budget:
            return True
        if not self.expansion_reported:
            self.expansion_reported = True
            self.error(
                pos,
                f"the plan expands to more than {self.expansion_budget} properties once reusable types and shared "
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
                key_pos=mapping.keys,
            )
            props = self.as_map(mapping.get("properties"), f"'properties' of type '{name}'")
            if props is not None:
                typedef.properties = self.resolve_properties(props, typedef.additional_properties)
        finally:
            self.types_in_progress.pop()
        self.types_done[name] = typedef
        return typedef
